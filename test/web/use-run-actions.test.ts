import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Conversation, RunAccepted } from '../../src/web/api.js';
import { peekHandoff, takeHandoff } from '../../src/web/hooks/run-handoff.js';
import {
  type RunActionsOptions,
  useEscapeToStop,
  useRunActions,
} from '../../src/web/hooks/use-run-actions.js';
import { prefixKey } from '../../src/web/hooks/use-run-follower.js';
import {
  conversation,
  fakeFetch,
  installBrowser,
  json,
  message,
  renderHook,
  route,
  run,
} from './hook-harness.js';

// What the user does to a conversation: the requests each action sends, and what the page is told.

afterEach(() => {
  vi.unstubAllGlobals();
});

const accepted = (runId: string, assistantId: string, userId: string | null): RunAccepted => ({
  runId,
  conversationId: 'c1',
  userMessage: userId ? message(userId) : null,
  assistantMessage: message(assistantId, { role: 'assistant', status: 'streaming', content: '' }),
});

function actions(conversationId: string | null, parentId?: string) {
  const seen = {
    accepted: [] as { accepted: RunAccepted; prefix: string }[],
    created: [] as Conversation[],
    updated: [] as Conversation[],
  };
  const options: RunActionsOptions = {
    conversationId,
    parentId,
    onAccepted: (a, prefix) => seen.accepted.push({ accepted: a, prefix }),
    onCreated: (c) => seen.created.push(c),
    onUpdated: (c) => seen.updated.push(c),
  };
  return { seen, hook: () => useRunActions(options) };
}

describe('useRunActions', () => {
  it('sends under the last message of the branch shown and hands the accepted run over', async () => {
    installBrowser();
    let startingDuringRequest: boolean | null = null;
    const a = actions('c1', 'm2');
    const net = fakeFetch(
      route('POST', '/api/conversations/c1/messages', () => {
        startingDuringRequest = hook.current().isStarting();
        return json(accepted('r1', 'm4', 'm3'), 202);
      }),
    );
    const hook = await renderHook(a.hook);
    expect(await run(() => hook.current().send('Hello'))).toBe(true);
    expect(net.calls[0]?.body).toEqual({ content: 'Hello', parentId: 'm2' });
    // The live event for our own run must not be mistaken for another tab's.
    expect(startingDuringRequest).toBe(true);
    expect(hook.current().isStarting()).toBe(false);
    expect(hook.current().busy).toBe(false);
    expect(a.seen.accepted).toEqual([{ accepted: accepted('r1', 'm4', 'm3'), prefix: '' }]);
  });

  it('shows a failed send’s error with a Retry that sends the same text again', async () => {
    installBrowser();
    let attempts = 0;
    const net = fakeFetch(
      route('POST', '/api/conversations/c1/messages', () => {
        attempts += 1;
        return attempts === 1
          ? json({ error: 'Too many replies at once: wait for one to finish.', code: 'rate_limited' }, 429)
          : json(accepted('r1', 'm2', 'm1'), 202);
      }),
    );
    const a = actions('c1');
    const hook = await renderHook(a.hook);
    expect(await run(() => hook.current().send('Hi'))).toBe(false);
    const error = hook.current().error;
    expect(error?.message).toBe('Too many replies at once: wait for one to finish.');
    expect(a.seen.accepted).toEqual([]);
    await run(() => error?.retry?.());
    expect(hook.current().error).toBeNull();
    expect(net.calls.map((c) => c.body)).toEqual([{ content: 'Hi' }, { content: 'Hi' }]);
    expect(a.seen.accepted).toHaveLength(1);
  });

  it('regenerates, continues (keeping the text so far for a reload) and edits under the original parent', async () => {
    installBrowser();
    const net = fakeFetch(
      route('POST', '/api/messages/m2/regenerate', () => json(accepted('r1', 'm3', null), 202)),
      route('POST', '/api/messages/m2/continue', () => json(accepted('r2', 'm2', null), 202)),
      route('POST', '/api/conversations/c1/messages', () => json(accepted('r3', 'm6', 'm5'), 202)),
    );
    const a = actions('c1', 'm2');
    const hook = await renderHook(a.hook);
    const reply = message('m2', { role: 'assistant', parentId: 'm1', content: 'Half an answer' });
    await run(() => hook.current().regenerate(reply));
    await run(() => hook.current().continueReply(reply));
    await run(() => hook.current().editAndResend(message('m1', { parentId: 'm0' }), 'Better question'));
    expect(net.requests()).toEqual([
      'POST /api/messages/m2/regenerate',
      'POST /api/messages/m2/continue',
      'POST /api/conversations/c1/messages',
    ]);
    expect(net.calls[2]?.body).toEqual({ content: 'Better question', parentId: 'm0' });
    expect(a.seen.accepted.map((s) => s.prefix)).toEqual(['', 'Half an answer', '']);
    expect(localStorage.getItem(prefixKey('r2'))).toBe('Half an answer');
  });

  it('on the home page starts the conversation with its first message and the model picked, and opens its page', async () => {
    const browser = installBrowser();
    const created = conversation('c9', { model: 'openai/gpt' });
    const net = fakeFetch(
      route('POST', '/api/conversations/start', () =>
        json({ ...accepted('r1', 'm2', 'm1'), conversationId: 'c9' }, 202),
      ),
      route('GET', '/api/conversations/c9', () => json(created)),
    );
    const a = actions(null);
    const hook = await renderHook(a.hook);
    await run(() => hook.current().changeModel('openai/gpt'));
    expect(hook.current().draftModel).toBe('openai/gpt');
    expect(await run(() => hook.current().send('First'))).toBe(true);
    expect(net.calls.map((c) => c.body)).toEqual([{ content: 'First', model: 'openai/gpt' }, undefined]);
    expect(a.seen.created).toEqual([created]);
    expect(browser.path()).toBe('/c/c9');
    expect(peekHandoff('c9')?.accepted.runId).toBe('r1');
    expect(takeHandoff('c9')?.conversation).toEqual(created);
    expect(takeHandoff('c9')).toBeUndefined();
  });

  it('stops the conversation’s run, changes its model, and reports either failure', async () => {
    installBrowser();
    let stopFails = true;
    const net = fakeFetch(
      route('POST', '/api/conversations/c1/stop', () =>
        stopFails
          ? json({ error: 'The server cannot stop it now.', code: 'internal' }, 503)
          : json({ stopped: true, runIds: ['r1'] }),
      ),
      route('PATCH', '/api/conversations/c1', (call) =>
        json(conversation('c1', { model: (call.body as { model: string }).model })),
      ),
    );
    const a = actions('c1');
    const hook = await renderHook(a.hook);
    await run(() => hook.current().stop());
    expect(hook.current().error?.message).toBe('The server cannot stop it now.');
    stopFails = false;
    await run(() => hook.current().error?.retry?.());
    expect(net.requests().filter((r) => r.endsWith('/stop'))).toHaveLength(2);
    await run(() => hook.current().changeModel('anthropic/claude'));
    expect(net.calls.at(-1)?.body).toEqual({ model: 'anthropic/claude' });
    expect(a.seen.updated.map((c) => c.model)).toEqual(['anthropic/claude']);
  });
});

describe('useEscapeToStop', () => {
  it('stops on Esc only while a reply is written, and leaves Esc to an open dialog', async () => {
    const browser = installBrowser();
    const stop = vi.fn(async () => {});
    let active = true;
    const hook = await renderHook(() => useEscapeToStop(active, stop));
    expect(browser.keydown('Enter').defaultPrevented).toBe(false);
    expect(browser.keydown('Escape').defaultPrevented).toBe(true);
    expect(stop).toHaveBeenCalledTimes(1);
    (document as unknown as { querySelector: () => unknown }).querySelector = () => ({});
    browser.keydown('Escape');
    expect(stop).toHaveBeenCalledTimes(1);
    (document as unknown as { querySelector: () => unknown }).querySelector = () => null;
    active = false;
    await hook.rerender();
    browser.keydown('Escape');
    expect(stop).toHaveBeenCalledTimes(1);
  });
});
