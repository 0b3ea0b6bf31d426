import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/server/ai/circuit-breaker.js';
import { createDemoModel, demoReply } from '../../src/server/ai/demo-model.js';
import { withResilience } from '../../src/server/ai/resilience.js';
import { LOCAL_USER_ID } from '../../src/server/auth/builtin-users.js';
import { newId } from '../../src/server/ids.js';
import { type FaultServer, startFaultServer } from '../helpers/fault-server.js';
import { hasChromium, newContext, watchErrors } from './browser.js';
import { axe, chromiumSuite, shot } from './console-helpers.js';
import { composer, lastAssistant, poll, waitForStatus } from './helpers.js';
import { chosenModel, modelButton, pickModel } from './model-picker-helpers.js';

/**
 * Items 5 and 7 of the everyday-use issue in Chromium: a reply waiting on a slow model says so
 * ("Waiting for <model>… 3 s", then "Retrying (2 of 3) after <reason>…"), each reply names the model
 * that wrote it, and the model picker is a searchable menu grouped by provider with capabilities
 * and prices. Screenshots: docs/screenshots/reply-status-*.png and model-picker*.png.
 */

let fault: FaultServer;
const SLOW = 'vllm/slow-70b';
const SLOW_NAME = 'Slow Llama 70B';
// Each state lasts about this long (the first call hangs until it; the retry answers a little
// before it): long enough for a browser on a busy machine to see both, short enough for a test.
const TIMEOUT_S = 10;

const demo = () => createDemoModel({ delayMs: 5 });
const images = ['text', 'image', 'pdf'] as ('text' | 'image' | 'pdf')[];

const suite = chromiumSuite({
  options: async () => {
    fault = await startFaultServer();
    const slow = withResilience(
      createOpenAICompatible({ name: 'vllm', baseURL: fault.baseURL, apiKey: 'k' }).chatModel('m'),
      {
        provider: 'vllm',
        breaker: new CircuitBreaker({ name: 'vllm' }),
        firstTokenTimeoutMs: TIMEOUT_S * 1000,
        idleTimeoutMs: 5_000,
        maxRetries: 2,
        baseDelayMs: 10,
        maxDelayMs: 20,
      },
    );
    return {
      env: { DEFAULT_MODEL: 'openai/gpt-4o-mini' },
      models: [
        {
          id: 'openai/gpt-4o-mini',
          model: demo(),
          info: { provider: 'openai', name: 'GPT-4o mini', input: images },
        },
        { id: 'openai/gpt-4.1', model: demo(), info: { provider: 'openai', name: 'GPT-4.1', input: images } },
        {
          id: 'anthropic/claude-sonnet-4-5',
          model: demo(),
          info: { provider: 'anthropic', name: 'Claude Sonnet 4.5', input: images },
        },
        { id: 'ollama/llama3.2', model: demo(), info: { provider: 'ollama', name: 'Llama 3.2' } },
        { id: SLOW, model: slow, info: { provider: 'vllm', name: SLOW_NAME } },
      ],
    };
  },
  close: () => fault.close(),
});

type Variant = { name: string; colorScheme: 'light' | 'dark'; width: number; mobile?: boolean };
const VARIANTS: Variant[] = [
  { name: '', colorScheme: 'light', width: 1280 },
  { name: '-dark', colorScheme: 'dark', width: 1280 },
  { name: '-360', colorScheme: 'light', width: 360, mobile: true },
];

async function openPage(
  variant: Variant,
): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const server = suite.server;
  if (!server) throw new Error('no server');
  const context = await newContext(suite.browser, server.base, {
    colorScheme: variant.colorScheme,
    width: variant.width,
    height: variant.mobile ? 740 : 800,
    mobile: variant.mobile,
    // axe-core is added as an inline script.
    bypassCSP: true,
  });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto('/');
  await poll(
    () => chosenModel(page),
    (id) => id === 'openai/gpt-4o-mini',
    'the models to load',
  );
  return { page, errors, close: () => context.close() };
}

describe.skipIf(!hasChromium && !process.env.CI)(
  'reply status and model picker in Chromium',
  { timeout: 120_000 },
  () => {
    for (const variant of VARIANTS) {
      it(`says what a reply waits for, then which retry and why, with the seconds ticking${variant.name}`, async () => {
        const { page, errors, close } = await openPage(variant);
        await pickModel(page, SLOW);
        // The first call never sends a token (timed out, retried); the second answers after a while.
        fault.script({ hang: 'before-first-chunk' }, { firstChunkDelayMs: (TIMEOUT_S - 2) * 1000 });
        await composer(page).fill('Are you there?');
        await composer(page).press('Enter');

        const reply = lastAssistant(page);
        const label = reply.locator('.reply-waiting-text');
        const seconds = reply.locator('.reply-waiting-time');
        await poll(
          () => label.textContent(),
          (text) => text === `Waiting for ${SLOW_NAME}…`,
          'the waiting status',
        );
        const first = await seconds.textContent();
        expect(first).toMatch(/^\d+ s$/);
        // One timer ticks the seconds while no event arrives.
        await poll(
          () => seconds.textContent(),
          (text) => text !== first,
          'the seconds to tick',
          15_000, // a hang guard: the timer ticks every second, later on a busy machine
        );
        if (variant.name === '') await shot(page, 'reply-status-waiting');

        const retrying = `Retrying (2 of 3) after no answer within ${TIMEOUT_S}s…`;
        await poll(
          () => label.textContent(),
          (text) => text === retrying,
          'the retry status',
          30_000, // a hang guard
        );
        // The seconds keep counting from the first wait into the retry (no upper bound: a busy
        // machine may take longer to get here).
        const waited = await seconds.textContent();
        expect(waited).toMatch(/^\d+ s$/);
        expect(Number.parseInt(waited ?? '', 10)).toBeGreaterThanOrEqual(2);
        await shot(page, `reply-status-retrying${variant.name}`);
        expect(await axe(page)).toEqual([]);

        await waitForStatus(reply, 'complete');
        expect((await reply.locator('.msg-content').textContent())?.trim()).toBe('Hi there!');
        expect(await reply.locator('.reply-waiting').count()).toBe(0);
        // The reply names the model that wrote it.
        expect(await reply.locator('.msg-meta').textContent()).toBe(`Written by ${SLOW_NAME}`);
        if (variant.name === '') {
          await page.mouse.move(0, 0);
          await shot(page, 'reply-status-model');
        }
        expect(errors).toEqual([]);
        await close();
      });
    }

    it('a reply that used tools says so under it: "Claude Sonnet 4.5 · 3 steps · 2 tool calls"', async () => {
      const server = suite.server;
      if (!server) throw new Error('no server');
      const created = await fetch(`${server.base}/api/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Sums', model: 'anthropic/claude-sonnet-4-5' }),
      });
      const conversationId = ((await created.json()) as { id: string }).id;
      const call = (id: string, input: unknown, output: string) => ({
        type: 'dynamic-tool',
        toolCallId: id,
        toolName: 'everything/get-sum',
        state: 'output-available',
        input,
        output,
      });
      const parts = [
        { type: 'step-start' },
        call('c1', { a: 1, b: 2 }, '3'),
        { type: 'step-start' },
        call('c2', { a: 3, b: 4 }, '7'),
        { type: 'step-start' },
        { type: 'text', text: 'The sums are 3 and 7.' },
      ];
      const at = new Date().toISOString();
      const userId = newId();
      const row = { conversation_id: conversationId, user_id: LOCAL_USER_ID, status: 'complete' as const };
      await server.t.store.db
        .insertInto('messages')
        .values([
          {
            ...row,
            id: userId,
            parent_id: null,
            role: 'user',
            content: 'Add 1+2 and 3+4',
            model: null,
            created_at: at,
            updated_at: at,
          },
          {
            ...row,
            id: newId(),
            parent_id: userId,
            role: 'assistant',
            content: 'The sums are 3 and 7.',
            parts: JSON.stringify(parts),
            model: 'anthropic/claude-sonnet-4-5',
            created_at: at,
            updated_at: at,
          },
        ])
        .execute();
      const { page, errors, close } = await openPage(VARIANTS[0] as Variant);
      await page.goto(`/c/${conversationId}`);
      const reply = lastAssistant(page);
      await waitForStatus(reply, 'complete');
      expect(await reply.locator('.msg-meta').textContent()).toBe(
        'Written by Claude Sonnet 4.5 · 3 steps · 2 tool calls',
      );
      await shot(page, 'reply-status-tools');
      expect(await axe(page)).toEqual([]);
      expect(errors).toEqual([]);
      await close();
    });

    for (const variant of VARIANTS) {
      it(`the model picker: grouped by provider, searchable, with capabilities and prices${variant.name}`, async () => {
        const { page, errors, close } = await openPage(variant);
        expect(await chosenModel(page)).toBe('openai/gpt-4o-mini');
        // The keyboard opens it; the search box has focus.
        await modelButton(page).focus();
        await page.keyboard.press('Enter');
        const search = page.getByRole('combobox', { name: 'Search models' });
        await poll(
          () => search.evaluate((el) => el === document.activeElement),
          Boolean,
          'focus in the search',
        );
        const groups = await page.locator('.model-group-label').allTextContents();
        // The demo model ("Built in") comes last when real providers exist.
        expect(groups).toEqual(['OpenAI', 'Anthropic', 'Ollama', 'vllm', 'Built in']);
        const gpt = page.locator('[role="option"][data-model-id="openai/gpt-4o-mini"]');
        expect(await gpt.getAttribute('aria-selected')).toBe('true');
        expect(await gpt.locator('.model-badge').allTextContents()).toEqual(['images', 'PDFs', 'tools']);
        expect(await gpt.locator('.model-price').textContent()).toBe('$0.15 / $0.60 per 1M tokens');
        expect(await page.locator('[data-model-id="ollama/llama3.2"] .model-price').textContent()).toBe(
          'free',
        );
        // A model without a known price says none.
        expect(await page.locator(`[data-model-id="${SLOW}"] .model-price`).count()).toBe(0);
        await shot(page, `model-picker${variant.name}`);
        expect(await axe(page)).toEqual([]);

        // Arrows move the active option; Esc closes and gives focus back to the button.
        await page.keyboard.press('ArrowDown');
        const active = page.locator('[role="option"].active');
        expect(await active.getAttribute('data-model-id')).toBe('openai/gpt-4.1');
        expect(await search.getAttribute('aria-activedescendant')).toBe(await active.getAttribute('id'));
        await page.keyboard.press('Escape');
        expect(await page.getByRole('listbox').count()).toBe(0);
        expect(await modelButton(page).evaluate((el) => el === document.activeElement)).toBe(true);
        expect(await chosenModel(page)).toBe('openai/gpt-4o-mini');

        // Type to search, Enter picks.
        await page.keyboard.press('ArrowDown');
        await page.keyboard.type('sonnet');
        expect(await page.locator('[role="option"]').allTextContents()).toEqual([
          expect.stringContaining('Claude Sonnet 4.5'),
        ]);
        await page.keyboard.press('Enter');
        await poll(
          () => chosenModel(page),
          (id) => id === 'anthropic/claude-sonnet-4-5',
          'the pick',
        );
        expect(await page.getByRole('listbox').count()).toBe(0);
        await modelButton(page).click();
        await page.keyboard.type('no such model');
        await page.getByText('No model matches “no such model”.').waitFor();
        await page.keyboard.press('Escape');

        if (variant.name === '') {
          await composer(page).fill('Hello there');
          await composer(page).press('Enter');
          const reply = lastAssistant(page);
          await waitForStatus(reply, 'complete');
          expect(await reply.locator('.msg-content').textContent()).toContain(
            demoReply('Hello there').slice(0, 20),
          );
          expect(await reply.locator('.msg-meta').textContent()).toBe('Written by Claude Sonnet 4.5');
        }
        expect(errors).toEqual([]);
        await close();
      });
    }
  },
);
