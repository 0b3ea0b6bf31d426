import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoReasoning } from '../../src/server/ai/demo-model.js';
import {
  ensureWebBuilt,
  hasChromium,
  launchBrowser,
  newContext,
  type Server,
  screenshot,
  startServer,
  watchErrors,
} from './browser.js';
import { composer, lastAssistant, poll, waitForStatus } from './helpers.js';

/**
 * A reply's reasoning in a real browser: the demo model thinks aloud on `/think ...`; the reply
 * shows it folded above the answer while it streams and once it is done, and a click (or Enter)
 * unfolds it. Screenshots go to test-output/screenshots (reasoning-*.png).
 */

let browser: Browser;
let server: Server | undefined;

const ASKED = '/think Why is the sky blue?';

describe.skipIf(!hasChromium && !process.env.CI)('reasoning in Chromium', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await ensureWebBuilt();
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('streams the reasoning folded above the answer, and unfolds it on click and with the keyboard', async () => {
    // Slow enough to see the reasoning arrive before the answer does.
    server = await startServer({ env: { DEMO_DELAY_MS: '25' } });
    const context = await newContext(browser, server.base);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto('/');
    await composer(page).fill(ASKED);
    await composer(page).press('Enter');

    const reply = lastAssistant(page);
    const block = reply.locator('details.reasoning');
    const summary = block.locator('summary');
    // While the model thinks, the block is there, closed, and says so.
    await block.waitFor({ state: 'attached' });
    expect(await reply.getAttribute('data-status')).toBe('streaming');
    expect(await summary.textContent()).toMatch(/^Thinking…/);
    expect(await block.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);

    await waitForStatus(reply, 'complete');
    expect(await summary.textContent()).toBe('Thought for a moment: the model’s reasoning');
    expect(await block.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
    const text = block.locator('.reasoning-text');
    expect(await text.isVisible()).toBe(false);
    // Above the answer, which stays the message's text (the reasoning is not in it).
    const answer = reply.locator('.msg-content > :not(details)').first();
    const [blockBox, answerBox] = await Promise.all([block.boundingBox(), answer.boundingBox()]);
    expect(blockBox && answerBox && blockBox.y < answerBox.y).toBe(true);
    await block.scrollIntoViewIfNeeded();
    await page.mouse.move(0, 0);
    await screenshot(page, 'reasoning-collapsed');

    await summary.click();
    await poll(() => text.isVisible(), Boolean, 'the reasoning to unfold');
    expect(await text.textContent()).toBe(demoReasoning(ASKED));
    await page.mouse.move(0, 0);
    await page.waitForTimeout(300); // the chevron's turn
    await screenshot(page, 'reasoning-open');

    // A disclosure for the keyboard too: Enter on the focused summary folds it again.
    await summary.focus();
    await page.keyboard.press('Enter');
    await poll(
      () => text.isVisible(),
      (visible) => !visible,
      'the reasoning to fold',
    );

    // After a reload the stored reasoning is still there, folded, with the same text.
    await page.reload();
    const reloaded = lastAssistant(page);
    await waitForStatus(reloaded, 'complete');
    const again = reloaded.locator('details');
    await again.waitFor();
    expect(await again.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
    await again.locator('summary').click();
    expect(await again.locator('.reasoning-text').textContent()).toBe(demoReasoning(ASKED));

    // A plain message gets no reasoning block.
    await composer(page).fill('Why is the sky blue?');
    await composer(page).press('Enter');
    await poll(
      () => page.locator('article.msg-assistant').count(),
      (n) => n === 2,
      'the second reply',
    );
    await waitForStatus(lastAssistant(page), 'complete');
    expect(await lastAssistant(page).locator('details.reasoning').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
