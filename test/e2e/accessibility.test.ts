import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hasChromium, newContext, watchErrors } from './browser.js';
import { axe, chromiumSuite, PASSWORD, shot, signUp } from './console-helpers.js';
import { composer, lastAssistant, poll, statusOf, waitForStatus } from './helpers.js';

/**
 * Item 9 of the everyday-use issue in Chromium: the skip link, Esc scoped to what has focus,
 * axe-core clean (colour contrast included) on every page in both themes and at 360 px with code
 * and a search highlight on screen, and ≥ 40 px touch targets on a phone.
 * Screenshots: docs/screenshots/a11y-*.png.
 */

/** A reply that opens with a commented code block, then streams slowly (time to press keys). */
const REPLY =
  'Here is a script:\n\n```sh\n# a comment that must stay readable\nOLLAMA_BASE_URL=http://localhost:11434 npm start\n```\n\n' +
  'And some prose that keeps streaming for a while, so that a key pressed in the sidebar search has a ' +
  'running reply it could wrongly stop. '.repeat(3);

function slowCode() {
  const chunks: LanguageModelV3StreamPart[] = [{ type: 'text-start', id: '1' }];
  for (let i = 0; i < REPLY.length; i += 6)
    chunks.push({ type: 'text-delta', id: '1', delta: REPLY.slice(i, i + 6) });
  chunks.push(
    { type: 'text-end', id: '1' },
    {
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 2, text: 2, reasoning: undefined },
      },
    },
  );
  return new MockLanguageModelV3({
    doStream: async () => ({
      stream: simulateReadableStream<LanguageModelV3StreamPart>({ chunks, chunkDelayInMs: 40 }),
    }),
  });
}

const suite = chromiumSuite({
  options: {
    env: { AUTH_MODE: 'local', SIGNUP: 'open', DEMO_DELAY_MS: '0', DEFAULT_MODEL: 'test/code' },
    models: [{ id: 'test/code', model: slowCode(), info: { provider: 'test', name: 'Code writer' } }],
  },
});

function base(): string {
  if (!suite.server) throw new Error('no server');
  return suite.server.base;
}

/** The chat the first test wrote (code and all), opened again on the phone. */
let chatUrl = '/';

async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

async function expectAxeClean(page: Page, where: string) {
  expect(await axe(page), where).toEqual([]);
}

describe.skipIf(!hasChromium && !process.env.CI)('accessibility in Chromium', { timeout: 120_000 }, () => {
  it('skip link first, Esc scoped to focus, axe clean in both themes and at 360 px', async () => {
    const context = await newContext(suite.browser, base(), { bypassCSP: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    // The signed-out page first (alice is not yet signed up).
    await page.goto('/');
    await page
      .getByRole('button', { name: /Sign in|Create/ })
      .first()
      .waitFor();
    await expectAxeClean(page, 'sign-in, light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAxeClean(page, 'sign-in, dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await signUp(page, 'alice');
    await composer(page).waitFor();

    // The skip link is the first tab stop, visible when focused, and lands in the composer.
    const skip = page.getByRole('link', { name: 'Skip to conversation' });
    const firstStop = 'a[href], button:not([tabindex="-1"]), input, textarea, select, [tabindex="0"]';
    expect(await skip.evaluate((el, sel) => document.querySelector(sel) === el, firstStop)).toBe(true);
    // Shift+Tab from the sidebar's first control lands on it.
    await page.getByRole('navigation').getByRole('link').first().focus();
    await page.keyboard.press('Shift+Tab');
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    const box = await skip.boundingBox();
    expect(box && box.y >= 0 && box.height > 20).toBe(true);
    await shot(page, 'a11y-skip-link');
    await page.keyboard.press('Enter');
    expect(await composer(page).evaluate((el) => el === document.activeElement)).toBe(true);

    // Esc in the sidebar search clears it and leaves the running reply alone.
    await send(page, 'Write me a script');
    await page.waitForURL(/\/c\//);
    chatUrl = new URL(page.url()).pathname;
    await waitForStatus(lastAssistant(page), 'streaming');
    const search = page.getByRole('searchbox', { name: 'Search conversations' });
    await search.fill('zzz');
    await search.press('Escape');
    expect(await search.inputValue()).toBe('');
    await page.waitForTimeout(300);
    expect(await statusOf(lastAssistant(page))).toBe('streaming');
    // Esc from the composer does stop it.
    await composer(page).press('Escape');
    await waitForStatus(lastAssistant(page), 'stopped');

    // A finished reply with code, and a search highlight on screen.
    await send(page, 'Again please');
    await waitForStatus(lastAssistant(page), 'complete');
    // Code that may scroll sideways is a named tab stop.
    const code = lastAssistant(page).locator('pre').first();
    expect(await code.getAttribute('tabindex')).toBe('0');
    expect(await code.getAttribute('aria-label')).toMatch(/^Code/);
    await search.fill('comment');
    await page.locator('mark').first().waitFor();
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of [1280, 360]) {
        await page.setViewportSize({ width, height: 800 });
        await expectAxeClean(page, `chat with code and search, ${scheme}, ${width}px`);
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await search.fill('');

    for (const [path, name] of [
      ['/settings', 'settings'],
      ['/admin', 'admin console'],
    ]) {
      await page.goto(path as string);
      await page.getByRole('main').first().waitFor();
      await page.waitForTimeout(300);
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await expectAxeClean(page, `${name}, ${scheme}`);
      }
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('gives every control a ≥ 40 px touch target on a phone', async () => {
    const context = await newContext(suite.browser, base(), {
      width: 360,
      height: 740,
      mobile: true,
    });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await composer(page).waitFor();
    expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches)).toBe(true);
    await page.goto(chatUrl);
    await lastAssistant(page).waitFor();
    const small = async () =>
      page.evaluate(() =>
        [
          ...document.querySelectorAll<HTMLElement>(
            'button, a[href], input, select, textarea, [role="menuitem"]',
          ),
        ]
          .filter((el) => {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.right < 0 || r.left >= innerWidth)
              return false;
            // Links inside prose are exempt (WCAG 2.5.8 inline exception), as is the off-screen skip link.
            if (el.closest('.markdown p, .markdown li') || el.classList.contains('skip-link')) return false;
            if (getComputedStyle(el).visibility === 'hidden') return false;
            return r.height < 39.5 || (el.tagName === 'BUTTON' && r.width < 39.5);
          })
          .map((el) => {
            const r = el.getBoundingClientRect();
            return `${el.tagName}.${el.className} "${el.getAttribute('aria-label') ?? el.textContent?.slice(0, 20)}" ${Math.round(r.width)}x${Math.round(r.height)}`;
          }),
      );
    expect(await small(), 'conversation').toEqual([]);
    await page.getByRole('button', { name: 'Open the conversation list' }).click();
    await page.waitForTimeout(400);
    expect(await small(), 'sidebar').toEqual([]);
    // A row's action menu, and the message toolbar buttons, are as easy to hit.
    await page
      .getByRole('button', { name: /^Actions for/ })
      .first()
      .click();
    await page.getByRole('menu').waitFor();
    expect(await page.getByRole('menuitem').count()).toBeGreaterThan(0);
    expect(await small(), 'row menu').toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Close the conversation list' }).first().click({ force: true });
    await page.waitForTimeout(400);
    expect(await page.getByRole('button', { name: 'Copy message' }).count()).toBeGreaterThan(0);
    expect(await small(), 'conversation with toolbar').toEqual([]);
    await context.close();
  });

  it('shortcuts: new chat, search, focus composer, edit last message, and the help dialog', async () => {
    const context = await newContext(suite.browser, base(), { bypassCSP: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto('/');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await composer(page).waitFor();
    await page.goto(chatUrl);
    await lastAssistant(page).waitFor();
    const focused = (locator: ReturnType<Page['locator']>) =>
      locator.evaluate((el) => el === document.activeElement);
    const search = page.getByRole('searchbox', { name: 'Search conversations' });

    await page.keyboard.press('Control+k');
    expect(await focused(search)).toBe(true);
    await page.keyboard.press('Shift+Escape');
    await poll(() => focused(composer(page)), Boolean, 'composer focused');
    // ↑ in the empty composer opens the editor on the last message sent.
    await page.keyboard.press('ArrowUp');
    const edit = page.getByRole('textbox', { name: 'Edit message' });
    await edit.waitFor();
    expect(await edit.inputValue()).toBe('Again please');
    await edit.press('Escape');
    await edit.waitFor({ state: 'detached' });
    await page.keyboard.press('Control+Shift+O');
    await page.waitForURL((url) => url.pathname === '/');
    await poll(() => focused(composer(page)), Boolean, 'composer focused in the new chat');

    // "?" outside text fields opens the help; focus is trapped in it and returns after Esc.
    await page.keyboard.press('?');
    expect(await composer(page).inputValue()).toBe('?');
    await composer(page).fill('');
    const newChat = page.getByRole('link', { name: /New chat/ });
    await newChat.focus();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    expect(await dialog.getByText('Ctrl/⌘ + K').isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    await expectAxeClean(page, 'shortcuts dialog, light');
    await shot(page, 'a11y-shortcuts-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAxeClean(page, 'shortcuts dialog, dark');
    await shot(page, 'a11y-shortcuts-dark');
    await page.setViewportSize({ width: 360, height: 740 });
    await shot(page, 'a11y-shortcuts-360');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focused(newChat)).toBe(true);

    // Settings opens it too.
    await page.goto('/settings');
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await dialog.waitFor();
    await page.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(errors).toEqual([]);
    await context.close();
  });
});
