import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, newContext, watchErrors } from './browser.js';
import { axe, chromiumSuite, shot } from './console-helpers.js';
import { assistants, poll, waitForStatus } from './helpers.js';

/**
 * Per-chat settings, export and import in Chromium (issue 18 item 4): the conversation header's
 * "⋯" menu opens the settings dialog; a system prompt and a temperature saved there are there
 * again after a reload; a bad value and a server refusal are shown under their field; Markdown and
 * JSON exports download with the chat in them; Settings imports a ChatGPT export with its upload
 * progress shown, and the chats appear in the sidebar. axe-core finds nothing in each state.
 * Screenshots: docs/screenshots/chat-settings.png, -dark, -360; import.png, -dark, -360.
 */

interface Conv {
  id: string;
  systemPrompt: string | null;
  temperature: number | null;
  maxOutputTokens: number | null;
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'parley-chat-settings-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.skipIf(!hasChromium && !process.env.CI)(
  'chat settings, export and import in Chromium',
  { timeout: 180_000 },
  () => {
    const env = chromiumSuite({ options: { env: { DEMO_DELAY_MS: '0' } } });

    const get = async (page: Page, id: string) =>
      (await (await page.request.get(`/api/conversations/${id}`)).json()) as Conv;

    /** A conversation with one finished exchange, opened. */
    async function openChat(page: Page, content: string): Promise<string> {
      const res = await page.request.post('/api/conversations/start', { data: { content } });
      expect(res.status()).toBe(202);
      const { conversationId } = (await res.json()) as { conversationId: string };
      await page.goto(`/c/${conversationId}`);
      await waitForStatus(assistants(page).last(), 'complete');
      return conversationId;
    }

    const menu = async (page: Page, item: string) => {
      await page
        .locator('.conv-header')
        .getByRole('button', { name: /^Conversation actions/ })
        .click();
      await page.getByRole('menuitem', { name: item }).click();
    };

    it('sets a system prompt and temperature, keeps them after a reload, shows errors inline, exports', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      const context = await newContext(browser, server.base, { bypassCSP: true, height: 900 });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto('/');
      const id = await openChat(page, 'Tell me about tea');

      await menu(page, 'Chat settings…');
      const dialog = page.getByRole('dialog', { name: 'Chat settings' });
      const prompt = dialog.getByRole('textbox', { name: 'System prompt' });
      await prompt.waitFor();
      // Unset: the default, said as such.
      expect(await dialog.getByRole('spinbutton', { name: 'Temperature' }).inputValue()).toBe('');
      await dialog.getByText('default (the provider’s)').waitFor();
      await prompt.fill('Answer like a tea sommelier.');
      await dialog.getByText('28 / 20,000').waitFor();

      // The model picker opens inside the dialog; Esc closes only the picker.
      await dialog.getByRole('button', { name: /^Model: / }).click();
      await dialog.getByRole('combobox', { name: 'Search models' }).waitFor();
      await page.keyboard.press('Escape');
      expect(await dialog.getByRole('combobox', { name: 'Search models' }).count()).toBe(0);
      expect(await dialog.isVisible()).toBe(true);

      // A value out of range is named under its field, and nothing is sent.
      await dialog.getByRole('spinbutton', { name: 'Temperature' }).fill('5');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog
        .getByRole('alert')
        .filter({ hasText: 'Temperature must be a number from 0 to 2' })
        .waitFor();
      expect(await dialog.getByRole('spinbutton', { name: 'Temperature' }).getAttribute('aria-invalid')).toBe(
        'true',
      );
      expect((await get(page, id)).systemPrompt).toBeNull();
      expect(await axe(page)).toEqual([]);

      // The slider sets the number; a refusal from the server shows under the field it names.
      await dialog.getByRole('slider', { name: 'Temperature slider' }).fill('0.4');
      expect(await dialog.getByRole('spinbutton', { name: 'Temperature' }).inputValue()).toBe('0.4');
      await dialog.getByRole('spinbutton', { name: 'Max output tokens' }).fill('800');
      await page.route(`**/api/conversations/${id}`, (route) =>
        route.request().method() === 'PATCH'
          ? route.fulfill({
              status: 400,
              contentType: 'application/json',
              body: JSON.stringify({
                error: 'Invalid request: body/maxOutputTokens must be <= 512, the context window of demo.',
                code: 'validation_error',
              }),
            })
          : route.fallback(),
      );
      await dialog.getByRole('button', { name: 'Save' }).click();
      const refusal = dialog.getByRole('alert').filter({ hasText: 'must be <= 512' });
      await refusal.waitFor();
      expect(
        await dialog.getByRole('spinbutton', { name: 'Max output tokens' }).getAttribute('aria-describedby'),
      ).toContain(await refusal.getAttribute('id'));
      await page.unroute(`**/api/conversations/${id}`);
      await dialog.getByRole('spinbutton', { name: 'Max output tokens' }).fill('');
      expect(await axe(page)).toEqual([]);
      await shot(page, 'chat-settings');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'chat-settings-dark');
      await page.emulateMedia({ colorScheme: 'light' });

      await dialog.getByRole('button', { name: 'Save' }).click();
      await poll(
        () => dialog.isVisible(),
        (visible) => !visible,
        'the dialog to close',
      );
      expect(await get(page, id)).toMatchObject({
        systemPrompt: 'Answer like a tea sommelier.',
        temperature: 0.4,
        maxOutputTokens: null,
      });

      // After a reload, the saved values are there; Cancel changes nothing.
      await page.reload();
      await waitForStatus(assistants(page).last(), 'complete');
      await menu(page, 'Chat settings…');
      await prompt.waitFor();
      expect(await prompt.inputValue()).toBe('Answer like a tea sommelier.');
      expect(await dialog.getByRole('spinbutton', { name: 'Temperature' }).inputValue()).toBe('0.4');
      await dialog.getByRole('spinbutton', { name: 'Temperature' }).fill('1.5');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect(await dialog.isVisible()).toBe(false);
      expect((await get(page, id)).temperature).toBe(0.4);
      // Focus is back on the menu button.
      expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')).toMatch(
        /^Conversation actions/,
      );

      // Exports download as files with the chat (and its settings) in them.
      const markdownDownload = page.waitForEvent('download');
      await menu(page, 'Export as Markdown');
      const markdown = await markdownDownload;
      expect(markdown.suggestedFilename()).toMatch(/\.md$/);
      const markdownText = readFileSync((await markdown.path()) as string, 'utf8');
      expect(markdownText).toContain('Tell me about tea');
      expect(markdownText).toContain('Answer like a tea sommelier.');
      expect(markdownText).toContain('temperature 0.4');

      const jsonDownload = page.waitForEvent('download');
      await menu(page, 'Export as JSON');
      const json = await jsonDownload;
      expect(json.suggestedFilename()).toMatch(/\.json$/);
      const file = JSON.parse(readFileSync((await json.path()) as string, 'utf8'));
      expect(file.format).toBe('parley.conversation');
      expect(file.conversation).toMatchObject({
        systemPrompt: 'Answer like a tea sommelier.',
        temperature: 0.4,
      });
      expect(file.messages.map((m: { content: string }) => m.content)).toContain('Tell me about tea');

      // A phone: the dialog fits 360 px.
      await page.setViewportSize({ width: 360, height: 780 });
      await menu(page, 'Chat settings…');
      await prompt.waitFor();
      await poll(
        () => page.evaluate(() => document.documentElement.scrollWidth),
        (width) => width <= 360,
        'the page to fit 360 px',
      );
      const box = await dialog.boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= 360).toBe(true);
      expect(await axe(page)).toEqual([]);
      await shot(page, 'chat-settings-360');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect(errors).toEqual([]);
      await context.close();
    });

    it('imports a ChatGPT export with upload progress; the chats appear in the sidebar; a bad file says why', async () => {
      const { browser, server } = env;
      if (!server) throw new Error('no server');
      const context = await newContext(browser, server.base, { bypassCSP: true, height: 900 });
      const page = await context.newPage();
      const errors = watchErrors(page);
      // About 1.5 MB (JSON allows the trailing spaces), uploaded at 512 KB/s: the progress has time to show.
      const fixture = readFileSync(
        new URL('../fixtures/chatgpt-conversations.json', import.meta.url),
        'utf8',
      );
      const upload = path.join(tmp, 'conversations.json');
      await writeFile(upload, fixture + ' '.repeat(1_500_000));
      const bad = path.join(tmp, 'not-an-export.json');
      await writeFile(bad, JSON.stringify({ hello: 'world' }));

      await page.goto('/settings');
      const card = page.getByRole('region', { name: 'Import conversations' });
      await card.getByRole('button', { name: 'Choose a file…' }).waitFor();
      // Every text the status line shows, as it changes.
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { importStatuses: string[] }).importStatuses = seen;
        const status = document.querySelector('.import-status');
        if (!status) throw new Error('no status');
        new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, {
          subtree: true,
          childList: true,
          characterData: true,
        });
      });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 512 * 1024,
      });

      const chooser = page.waitForEvent('filechooser');
      await card.getByRole('button', { name: 'Choose a file…' }).click();
      await (await chooser).setFiles(upload);
      const bar = card.getByRole('progressbar', { name: 'Uploading conversations.json' });
      await bar.waitFor();
      await poll(
        async () => Number((await bar.getAttribute('value').catch(() => '100')) ?? 0),
        (value) => value > 0,
        'some upload progress',
      );
      expect(await axe(page)).toEqual([]);
      await shot(page, 'import-progress');
      const result = card.getByText(/^Imported 2 conversations, \d+ messages\.$/);
      await result.waitFor({ timeout: 30_000 });
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      const statuses = await page.evaluate(
        () => (window as unknown as { importStatuses: string[] }).importStatuses,
      );
      const percents = statuses
        .map((text) => /Uploading conversations\.json… (\d+)%/.exec(text)?.[1])
        .filter(Boolean);
      expect(new Set(percents).size).toBeGreaterThan(1);
      // Rising while it uploads (the server's short import step after it may pass unseen).
      expect(percents.map(Number)).toEqual([...percents.map(Number)].sort((a, b) => a - b));

      // The new chats are in the sidebar (the server announced them) and linked from the result.
      const sidebar = page.getByRole('navigation', { name: 'Conversations' });
      await sidebar.getByRole('link', { name: 'Cooking eggs' }).waitFor();
      await sidebar.getByRole('link', { name: 'Picture and weather' }).waitFor();
      await card.getByRole('link', { name: 'Cooking eggs' }).waitFor();
      expect(await axe(page)).toEqual([]);
      await card.scrollIntoViewIfNeeded();
      await shot(page, 'import');
      await page.emulateMedia({ colorScheme: 'dark' });
      await shot(page, 'import-dark');
      await page.emulateMedia({ colorScheme: 'light' });

      // A file that is neither format: the server's reason, and nothing imported.
      const before = (
        (await (await page.request.get('/api/conversations?limit=200')).json()).items as unknown[]
      ).length;
      const again = page.waitForEvent('filechooser');
      await card.getByRole('button', { name: 'Choose a file…' }).click();
      await (await again).setFiles(bad);
      const refusal = card.getByRole('alert');
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/not-an-export\.json was not imported: Import refused/);
      expect(
        ((await (await page.request.get('/api/conversations?limit=200')).json()).items as unknown[]).length,
      ).toBe(before);
      expect(await axe(page)).toEqual([]);

      await page.setViewportSize({ width: 360, height: 780 });
      await card.scrollIntoViewIfNeeded();
      await poll(
        () => page.evaluate(() => document.documentElement.scrollWidth),
        (width) => width <= 360,
        'the page to fit 360 px',
      );
      expect(await axe(page)).toEqual([]);
      await shot(page, 'import-360');

      // Opening an imported chat from the sidebar.
      await page.setViewportSize({ width: 1280, height: 900 });
      await sidebar.getByRole('link', { name: 'Cooking eggs' }).click();
      await page.waitForURL(/\/c\//);
      await page.getByRole('heading', { level: 1, name: 'Cooking eggs' }).waitFor();
      expect(errors).toEqual([]);
      await context.close();
    });
  },
);
