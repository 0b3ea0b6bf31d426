import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.mjs';
import { createTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app.js';

/**
 * Browser tests: Debian's Chromium (never a downloaded browser) driven by playwright-core, against
 * a Parley app started in-process on a free port with the built UI (built here when stale).
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots');

/** Flags for a closed network: no first-run, sync, component updates or other background traffic. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-dev-shm-usage',
  '--metrics-recording-only',
  '--mute-audio',
];

export async function ensureWebBuilt(): Promise<void> {
  await buildWeb({ quiet: true });
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

export interface Server {
  t: TestApp;
  base: string;
  close(): Promise<void>;
}

export async function startServer(options: TestAppOptions = {}): Promise<Server> {
  const t = await createTestApp(options);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { t, base: `http://127.0.0.1:${address.port}`, close: () => t.close() };
}

export async function newContext(
  browser: Browser,
  base: string,
  options: {
    width?: number;
    height?: number;
    colorScheme?: 'light' | 'dark';
    mobile?: boolean;
    bypassCSP?: boolean;
  } = {},
): Promise<BrowserContext> {
  return browser.newContext({
    baseURL: base,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: options.mobile ? 2 : 1,
    isMobile: options.mobile ?? false,
    hasTouch: options.mobile ?? false,
    permissions: ['clipboard-read', 'clipboard-write'],
    bypassCSP: options.bypassCSP ?? false,
  });
}

/** Fails the test on any uncaught page error (a crash of our own code). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
