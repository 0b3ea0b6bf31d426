import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { TestAppOptions } from '../helpers/test-app.js';
import {
  ensureWebBuilt,
  launchBrowser,
  newContext,
  type Server,
  startServer,
  watchErrors,
} from './browser.js';
import { poll } from './helpers.js';

/** Steps the admin console's browser tests share: set-up, sign-up, tabs, axe-core, screenshots for the docs. */

export const SHOTS = process.env.ADMIN_SHOTS ?? path.join(process.cwd(), 'docs', 'screenshots');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export const PASSWORD = 'correct horse battery';

export async function signUp(page: Page, username: string): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
}

/** docs/screenshots/<name>.png, the pointer out of the way. */
export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(0, 0);
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
}

/** axe-core on the page (WCAG 2.x A and AA, best practices); every violation with the elements it names. */
export async function axe(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<unknown> } }).axe.run(
      document,
      { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } },
    ),
  )) as AxeResult;
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} → ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

export async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Admin sections' }).getByRole('link', { name }).click();
  await poll(
    () => page.getByRole('link', { name, exact: true }).getAttribute('aria-current'),
    (v) => v === 'page',
    `the ${name} tab`,
  );
}

export interface Chromium {
  browser: Browser;
  server: Server | undefined;
}

/**
 * In a describe block: builds the UI, starts Chromium and the server before its tests (`options`
 * may start what the server needs first; `ready` runs once it listens) and closes both after them
 * (then `close`). The tests read `browser` and `server` from the returned object.
 */
export function chromiumSuite(setup: {
  options: TestAppOptions | (() => Promise<TestAppOptions>);
  ready?: (server: Server) => Promise<void>;
  close?: () => Promise<void>;
}): Chromium {
  const env = {} as Chromium;
  beforeAll(async () => {
    await ensureWebBuilt();
    env.browser = await launchBrowser();
    const options = typeof setup.options === 'function' ? await setup.options() : setup.options;
    env.server = await startServer(options);
    await setup.ready?.(env.server);
  }, 180_000);
  afterAll(async () => {
    await env.browser?.close();
    await env.server?.close();
    await setup.close?.();
  });
  return env;
}

export interface AdminAndBob {
  adminContext: BrowserContext;
  admin: Page;
  bobContext: BrowserContext;
  bob: Page;
  /** Each page's uncaught errors (push more pages' lists in). */
  errors: string[][];
}

/** alice signs up first (so she is the admin) and bob after her, each in a context of their own. */
export async function adminAndBob(browser: Browser, base: string): Promise<AdminAndBob> {
  // bypassCSP: axe-core is injected into the page as a script.
  const adminContext = await newContext(browser, base, { bypassCSP: true });
  const admin = await adminContext.newPage();
  const bobContext = await newContext(browser, base);
  const bob = await bobContext.newPage();
  const errors = [watchErrors(admin), watchErrors(bob)];
  await signUp(admin, 'alice');
  await admin.getByRole('link', { name: 'Admin console' }).waitFor();
  await signUp(bob, 'bob');
  return { adminContext, admin, bobContext, bob, errors };
}
