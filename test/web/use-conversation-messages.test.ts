import { afterEach, describe, expect, it, vi } from 'vitest';
import { mergeMessages, useConversationMessages } from '../../src/web/hooks/use-conversation-messages.js';
import {
  conversation,
  fakeFetch,
  installBrowser,
  json,
  message,
  renderHook,
  route,
  run,
  settle,
} from './hook-harness.js';

// The conversation page's messages: the first load, older pages, the branch shown.

afterEach(() => {
  vi.unstubAllGlobals();
});

const c1 = '/api/conversations/c1';

describe('useConversationMessages', () => {
  it('loads the conversation and its newest page, shows the newest branch and reports the active run', async () => {
    installBrowser();
    const net = fakeFetch(
      route('GET', c1, () => json(conversation('c1', { activeRun: { id: 'r1', messageId: 'm2' } }))),
      route('GET', `${c1}/messages?limit=50`, () =>
        json({
          items: [message('m2', { parentId: 'm1', role: 'assistant' }), message('m1')],
          nextCursor: 'm1',
        }),
      ),
    );
    const onActiveRun = vi.fn();
    const hook = await renderHook(() => useConversationMessages('c1', { summary: null, onActiveRun }));
    expect(hook.history[0]?.loading).toBe(true);
    await settle();
    const view = hook.current();
    expect(view.loading).toBe(false);
    expect(view.conversation?.title).toBe('Title c1');
    expect(view.branch.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    // The branch reaches its root: nothing older to load for it, whatever the cursor says.
    expect(view.hasOlder).toBe(false);
    expect(onActiveRun).toHaveBeenCalledWith({ id: 'r1', messageId: 'm2' });
    expect(net.unhandled).toEqual([]);
  });

  it('loads older pages with the cursor until the branch reaches its root', async () => {
    installBrowser();
    const net = fakeFetch(
      route('GET', c1, () => json(conversation('c1'))),
      route('GET', `${c1}/messages?limit=50`, () =>
        json({ items: [message('m3', { parentId: 'm2', role: 'assistant' })], nextCursor: 'm3' }),
      ),
      route('GET', `${c1}/messages?limit=100&before=m3`, () =>
        json({
          items: [message('m2', { parentId: 'm1' }), message('m1', { role: 'assistant' })],
          nextCursor: null,
        }),
      ),
    );
    const hook = await renderHook(() =>
      useConversationMessages('c1', { summary: null, onActiveRun: () => {} }),
    );
    await settle();
    expect(hook.current().hasOlder).toBe(true);
    await run(() => hook.current().loadOlder());
    expect(hook.current().branch.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    expect(hook.current().hasOlder).toBe(false);
    expect(net.requests()).toContain(`GET ${c1}/messages?limit=100&before=m3`);
  });

  it('says so when the conversation does not exist', async () => {
    installBrowser();
    fakeFetch(
      route('GET', c1, () => json({ error: 'Conversation not found.', code: 'not_found' }, 404)),
      route('GET', /\/messages/, () => json({ error: 'Conversation not found.', code: 'not_found' }, 404)),
    );
    const hook = await renderHook(() =>
      useConversationMessages('c1', { summary: null, onActiveRun: () => {} }),
    );
    await settle();
    expect(hook.current().loadError).toBe('This conversation does not exist, or it was deleted.');
    expect(hook.current().loading).toBe(false);
  });

  it('switches between regenerations, and shows the sidebar copy until the load answers', async () => {
    installBrowser();
    fakeFetch(
      route('GET', c1, () => json(conversation('c1', { title: 'Loaded' }))),
      route('GET', `${c1}/messages?limit=50`, () =>
        json({
          items: [
            message('m1'),
            message('m2', { parentId: 'm1', role: 'assistant', content: 'first answer' }),
            message('m3', { parentId: 'm1', role: 'assistant', content: 'second answer' }),
            message('m4', { parentId: 'm2' }),
          ],
          nextCursor: null,
        }),
      ),
    );
    const summary = conversation('c1', { title: 'From the sidebar' });
    const hook = await renderHook(() => useConversationMessages('c1', { summary, onActiveRun: () => {} }));
    expect(hook.history[0]?.conversation?.title).toBe('From the sidebar');
    await settle();
    // The newest message is the default leaf.
    expect(hook.current().branch.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm4']);
    const m2 = hook.current().tree.byId.get('m2');
    if (!m2) throw new Error('m2 not loaded');
    await run(() => hook.current().showSibling(m2, 1));
    expect(hook.current().branch.messages.map((m) => m.content)).toEqual(['text m1', 'second answer']);
    const m3 = hook.current().tree.byId.get('m3');
    if (!m3) throw new Error('m3 not loaded');
    await run(() => hook.current().showSibling(m3, -1));
    // Back to the first answer's newest leaf.
    expect(hook.current().branch.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm4']);
  });
});

describe('mergeMessages', () => {
  it('never rolls a message back to an older state', () => {
    const newer = message('m1', { content: 'final', updatedAt: '2026-01-01T00:00:02.000Z' });
    const older = message('m1', { content: 'partial', updatedAt: '2026-01-01T00:00:01.000Z' });
    const merged = mergeMessages(new Map([['m1', newer]]), [older, message('m2')]);
    expect(merged.get('m1')?.content).toBe('final');
    expect(merged.get('m2')).toBeDefined();
  });
});
