import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING_SERVER } from '../helpers/mcp-servers.js';
import {
  ensureWebBuilt,
  hasChromium,
  launchBrowser,
  newContext,
  type Server,
  startServer,
  watchErrors,
} from './browser.js';
import { composer, conversationIdOf, lastAssistant, poll, storedMessages, waitForStatus } from './helpers.js';

/**
 * Tools in a real browser: an MCP server (the reference "everything" server over stdio) whose
 * `echo` needs approval. The user turns echo on in the tools menu, asks the demo model to use it,
 * sees the call wait with its arguments (still there after a reload), approves it, and sees the
 * result and the answer. Screenshots (light, dark, 360 px) go to /tmp/tools-shots.
 */

const SHOTS = process.env.TOOLS_SHOTS ?? '/tmp/tools-shots';
const ASK = 'use everything/echo with {"message":"hello"}';

let browser: Browser;
let server: Server | undefined;
let dir: string;

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(0, 0);
  await page.waitForTimeout(250); // a chevron's turn
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

const toolsButton = (page: Page) => page.getByRole('button', { name: /^Tools:/ });
const card = (page: Page) => lastAssistant(page).locator('.tool-card').first();

async function toolsReady(page: Page): Promise<void> {
  await poll(
    async () => {
      const res = await page.request.get('/api/tools');
      const body = (await res.json()) as { servers?: { name: string; state: string }[] };
      return body.servers?.find((s) => s.name === 'everything')?.state ?? 'missing';
    },
    (state) => state === 'ready',
    'the everything server to be ready',
    30_000,
  );
}

describe.skipIf(!hasChromium && !process.env.CI)('tools in Chromium', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'parley-tools-e2e-'));
    const file = path.join(dir, 'mcp.yaml');
    await writeFile(
      file,
      [
        'servers:',
        '  - name: everything',
        '    transport: stdio',
        `    command: ${JSON.stringify(process.execPath)}`,
        `    args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio]`,
        '    tools: [echo, get-sum, trigger-long-running-operation]',
        '    requireApproval: [echo]',
        // Nothing listens there: a server shown as down, with its reason.
        '  - name: offline',
        '    transport: http',
        '    url: http://127.0.0.1:9/mcp',
        '',
      ].join('\n'),
    );
    await ensureWebBuilt();
    browser = await launchBrowser();
    server = await startServer({ env: { MCP_FILE: file, DEMO_DELAY_MS: '15' } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('turns a tool on, waits for approval across a reload, approves it, and shows the result and the answer', async () => {
    if (!server) throw new Error('no server');
    const context = await newContext(browser, server.base);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await toolsReady(page);
    await page.goto('/');

    // The menu: each server with its state, each tool with a checkbox; echo needs approval.
    const button = toolsButton(page);
    await button.waitFor();
    expect(await button.getAttribute('aria-label')).toBe('Tools: none enabled');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    await button.click();
    const panel = page.getByRole('dialog', { name: 'Tools for this conversation' });
    await panel.waitFor();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    const echo = panel.getByRole('checkbox', { name: /^echo\b/ });
    expect(await echo.isChecked()).toBe(false);
    await poll(
      () => panel.locator('.tools-group').allTextContents(),
      (groups) => groups.some((g) => /offline.*down/.test(g)),
      'the offline server shown as down',
    );
    const everything = panel.locator('.tools-group', { hasText: 'everything' });
    expect(await everything.locator('.server-state').textContent()).toBe('ready');
    expect(await everything.locator('.tool-option', { hasText: 'echo' }).textContent()).toContain(
      'requires approval',
    );
    expect(await everything.locator('.tool-option', { hasText: 'get-sum' }).textContent()).not.toContain(
      'requires approval',
    );
    expect(await panel.locator('.server-error').count()).toBe(1);
    await echo.check();
    await poll(
      () => button.getAttribute('aria-label'),
      (label) => label === 'Tools: 1 enabled',
      'the count',
    );
    expect(await button.locator('.tools-count').textContent()).toBe('1');
    await shot(page, 'menu-light');
    // Esc closes the panel and gives the focus back to its button.
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await button.evaluate((el) => el === document.activeElement)).toBe(true);

    // The new conversation is created with echo on; the demo model calls it, and it waits.
    await composer(page).fill(ASK);
    await composer(page).press('Enter');
    await page.waitForURL(/\/c\//);
    const id = conversationIdOf(page);
    const conversation = (await (await page.request.get(`/api/conversations/${id}`)).json()) as {
      tools: string[];
    };
    expect(conversation.tools).toEqual(['everything/echo']);

    const reply = lastAssistant(page);
    await waitForStatus(reply, 'waiting');
    const waiting = card(page);
    await poll(
      () => waiting.getAttribute('data-state'),
      (s) => s === 'approval-requested',
      'the approval card',
    );
    expect(await waiting.locator('.tool-name').textContent()).toBe('everything/echo');
    expect(await waiting.locator('.tool-status').textContent()).toBe('Waiting for approval');
    // The arguments are shown open: what the user is asked to allow.
    const args = waiting.getByRole('button', { name: /^Arguments/ });
    expect(await args.getAttribute('aria-expanded')).toBe('true');
    expect(JSON.parse((await waiting.locator('.tool-pre').first().textContent()) ?? '')).toEqual({
      message: 'hello',
    });
    // Waiting is not writing: no dots, no stop button, the composer is usable.
    expect(await reply.locator('.typing').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Stop the reply' }).count()).toBe(0);
    expect(await composer(page).isEnabled()).toBe(true);
    await shot(page, 'waiting-light');

    // After a reload the call still waits, with its buttons.
    await page.reload();
    await waitForStatus(lastAssistant(page), 'waiting');
    await card(page).getByRole('button', { name: 'Approve' }).waitFor();
    expect(await card(page).getByRole('button', { name: /^Deny/ }).isEnabled()).toBe(true);
    expect(await toolsButton(page).getAttribute('aria-label')).toBe('Tools: 1 enabled');

    // Dark theme and a phone's width, the same page.
    for (const [name, options] of [
      ['waiting-dark', { colorScheme: 'dark' as const }],
      ['waiting-360', { width: 360, height: 740, mobile: true }],
    ] as const) {
      const other = await newContext(browser, server.base, options);
      const otherPage = await other.newPage();
      await otherPage.goto(`/c/${id}`);
      await card(otherPage).getByRole('button', { name: 'Approve' }).waitFor();
      await shot(otherPage, name);
      await other.close();
    }

    // Approve: the reply resumes in the same message, the call runs, the answer follows.
    await card(page).getByRole('button', { name: 'Approve' }).click();
    const done = card(page);
    await poll(
      () => done.getAttribute('data-state'),
      (s) => s === 'output-available',
      'the result',
      30_000,
    );
    await waitForStatus(lastAssistant(page), 'complete');
    expect(await page.locator('article.msg-assistant').count()).toBe(1);
    await poll(
      () => lastAssistant(page).locator('.msg-content').textContent(),
      (text) => (text ?? '').includes('The tool everything/echo returned: '),
      'the answer',
    );
    expect(await done.locator('.tool-status').textContent()).toBe('Done');
    // The result folds; opened, it shows what the tool returned.
    const result = done.getByRole('button', { name: /^Result/ });
    expect(await result.getAttribute('aria-expanded')).toBe('false');
    await result.click();
    expect(await result.getAttribute('aria-expanded')).toBe('true');
    expect(await done.locator('.tool-output').textContent()).toContain('hello');
    await poll(
      () => done.locator('.tool-duration').count(),
      (n) => n === 1,
      'the duration',
    );
    // The parts are in order: the call's card comes before the answer's text.
    const [cardBox, answerBox] = await Promise.all([
      done.boundingBox(),
      lastAssistant(page).locator('.markdown').last().boundingBox(),
    ]);
    expect(cardBox && answerBox && cardBox.y < answerBox.y).toBe(true);
    await shot(page, 'done-light');

    const stored = await storedMessages(page, id);
    expect(stored.filter((m) => m.role === 'assistant')).toHaveLength(1);
    expect(stored.find((m) => m.role === 'assistant')?.status).toBe('complete');

    for (const [name, options] of [
      ['done-dark', { colorScheme: 'dark' as const }],
      ['done-360', { width: 360, height: 740, mobile: true }],
    ] as const) {
      const other = await newContext(browser, server.base, options);
      const otherPage = await other.newPage();
      await otherPage.goto(`/c/${id}`);
      await waitForStatus(lastAssistant(otherPage), 'complete');
      await card(otherPage)
        .getByRole('button', { name: /^Result/ })
        .click();
      await shot(otherPage, name);
      if (name === 'done-360') {
        await toolsButton(otherPage).click();
        await otherPage.getByRole('dialog', { name: 'Tools for this conversation' }).waitFor();
        await shot(otherPage, 'menu-360');
      }
      await other.close();
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('denies a call with a reason, and the model is told', async () => {
    if (!server) throw new Error('no server');
    const context = await newContext(browser, server.base, { colorScheme: 'dark' });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await toolsReady(page);
    await page.goto('/');
    await toolsButton(page).click();
    await page.getByRole('checkbox', { name: /^echo\b/ }).check();
    await poll(
      () => toolsButton(page).getAttribute('aria-label'),
      (l) => l === 'Tools: 1 enabled',
      'the count',
    );
    await shot(page, 'menu-dark');
    await page.keyboard.press('Escape');
    await composer(page).fill(ASK);
    await composer(page).press('Enter');
    await waitForStatus(lastAssistant(page), 'waiting');
    await card(page).getByRole('button', { name: /^Deny/ }).click();
    const reason = card(page).getByRole('textbox', { name: /Why not/ });
    await reason.waitFor();
    expect(await reason.evaluate((el) => el === document.activeElement)).toBe(true);
    await reason.fill('Not today');
    await shot(page, 'deny-dark');
    await card(page).getByRole('button', { name: 'Deny', exact: true }).click();
    await poll(
      () => card(page).getAttribute('data-state'),
      (s) => s === 'output-denied',
      'the denial',
      30_000,
    );
    await waitForStatus(lastAssistant(page), 'complete');
    expect(await card(page).locator('.tool-status').textContent()).toBe('Denied');
    await poll(
      () => card(page).locator('.tool-reason').count(),
      (n) => n === 1,
      'the reason shown',
    );
    expect(await card(page).locator('.tool-reason').textContent()).toBe('Reason: Not today');
    await shot(page, 'denied-dark');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('saves a tool turned on in an existing conversation, and shows a call running, then its duration', async () => {
    if (!server) throw new Error('no server');
    const context = await newContext(browser, server.base);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await toolsReady(page);
    await page.goto('/');
    await composer(page).fill('Hello there');
    await composer(page).press('Enter');
    await page.waitForURL(/\/c\//);
    await waitForStatus(lastAssistant(page), 'complete');
    const id = conversationIdOf(page);

    await toolsButton(page).click();
    const slow = page.getByRole('checkbox', { name: /^trigger-long-running-operation\b/ });
    await slow.check();
    await poll(
      async () =>
        ((await (await page.request.get(`/api/conversations/${id}`)).json()) as { tools: string[] }).tools,
      (tools) => tools.length === 1 && tools[0] === 'everything/trigger-long-running-operation',
      'the tools saved',
    );
    await slow.uncheck();
    await slow.check();
    await page.mouse.click(5, 400); // a click elsewhere closes the panel
    await page.getByRole('dialog', { name: 'Tools for this conversation' }).waitFor({ state: 'detached' });
    await poll(
      async () =>
        ((await (await page.request.get(`/api/conversations/${id}`)).json()) as { tools: string[] }).tools,
      (tools) => tools.length === 1,
      'the last choice saved',
    );

    await composer(page).fill('use everything/trigger-long-running-operation with {"duration":2,"steps":2}');
    await composer(page).press('Enter');
    await poll(
      () => page.locator('article.msg-assistant').count(),
      (n) => n === 2,
      'the second reply',
    );
    const running = card(page);
    await poll(
      () => running.locator('.tool-status').textContent(),
      (t) => t === 'Running…',
      'the call running',
    );
    expect(await lastAssistant(page).getAttribute('data-status')).toBe('streaming');
    expect(await running.locator('.tool-spinner').count()).toBe(1);
    await shot(page, 'running-light');
    await waitForStatus(lastAssistant(page), 'complete');
    await poll(
      () => card(page).locator('.tool-duration').textContent(),
      (t) => /^2(\.\d)? s$/.test(t ?? ''),
      'the duration',
    );
    expect(await card(page).locator('.tool-spinner').count()).toBe(0);
    expect(await lastAssistant(page).locator('.msg-content').textContent()).toContain(
      'The tool everything/trigger-long-running-operation returned: ',
    );
    await shot(page, 'ran-light');
    expect(errors).toEqual([]);
    await context.close();
  });
});
