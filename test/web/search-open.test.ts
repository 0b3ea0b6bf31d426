import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_SEEK_PAGES, useConversationMessages } from '../../src/web/hooks/use-conversation-messages.js';
import { useConversationSearch } from '../../src/web/hooks/use-conversation-search.js';
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

// Search "More results" and opening a conversation at a message (a search hit), over a fake API.

afterEach(() => {
  vi.unstubAllGlobals();
});

const hit = (id: string, q: string) => ({
  conversationId: 'c1',
  conversationTitle: 'Trip',
  messageId: id,
  role: 'user',
  snippet: q,
  highlights: [],
  score: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('useConversationSearch: More results', () => {
  it('appends the next page (without repeats) and stops when there is no cursor', async () => {
    installBrowser();
    const net = fakeFetch(
      route('GET', '/api/search?q=oslo&limit=30', () =>
        json({ items: [hit('m1', 'oslo'), hit('m2', 'oslo')], nextCursor: 'p2' }),
      ),
      route('GET', '/api/search?q=oslo&limit=30&cursor=p2', () =>
        json({ items: [hit('m2', 'oslo'), hit('m3', 'oslo')], nextCursor: null }),
      ),
    );
    const hook = await renderHook(() => useConversationSearch());
    await run(() => hook.current().setQuery('oslo'));
    await settle(250);
    expect(hook.current().results?.nextCursor).toBe('p2');
    await run(() => hook.current().loadMore());
    expect(hook.current().results?.items.map((h) => h.messageId)).toEqual(['m1', 'm2', 'm3']);
    expect(hook.current().results?.nextCursor).toBeNull();
    expect(hook.current().loadingMore).toBe(false);
    await run(() => hook.current().loadMore());
    expect(net.calls).toHaveLength(2);
    expect(net.unhandled).toEqual([]);
  });

  it('drops a page that arrives after the query changed: the newest query wins', async () => {
    installBrowser();
    let releaseMore: () => void = () => {};
    fakeFetch(
      route('GET', '/api/search?q=oslo&limit=30', () =>
        json({ items: [hit('m1', 'oslo')], nextCursor: 'p2' }),
      ),
      route('GET', '/api/search?q=oslo&limit=30&cursor=p2', async () => {
        await new Promise<void>((resolve) => {
          releaseMore = resolve;
        });
        return json({ items: [hit('m9', 'stale')], nextCursor: 'p3' });
      }),
      route('GET', '/api/search?q=bergen&limit=30', () =>
        json({ items: [hit('m5', 'bergen')], nextCursor: null }),
      ),
    );
    const hook = await renderHook(() => useConversationSearch());
    await run(() => hook.current().setQuery('oslo'));
    await settle(250);
    const more = hook.current().loadMore();
    await settle();
    expect(hook.current().loadingMore).toBe(true);
    await run(() => hook.current().setQuery('bergen'));
    await settle(250);
    releaseMore();
    await run(() => more);
    const shown = hook.current().results;
    expect(shown?.items.map((h) => h.messageId)).toEqual(['m5']);
    expect(shown?.nextCursor).toBeNull();
    expect(hook.current().loadingMore).toBe(false);
  });
});

const c1 = '/api/conversations/c1';

/**
 * A conversation of `turns` question/answer pairs (q0, a0, q1, a1, ...) served newest first in
 * pages (50, then 100 each), ids that sort in creation order. `extra` are more (older) messages.
 */
function pagedConversation(turns: number, extra: ReturnType<typeof message>[] = []) {
  const all: ReturnType<typeof message>[] = [...extra];
  let parent: string | null = null;
  for (let turn = 0; turn < turns; turn++) {
    const q = `m${String(turn).padStart(4, '0')}q`;
    const a = `m${String(turn).padStart(4, '0')}r`;
    all.push(message(q, { parentId: parent, role: 'user' }));
    all.push(message(a, { parentId: q, role: 'assistant' }));
    parent = a;
  }
  all.sort((x, y) => (x.id < y.id ? 1 : -1));
  return (url: string) => {
    const params = new URL(`http://x${url}`).searchParams;
    const limit = Number(params.get('limit'));
    const before = params.get('before');
    const from = before ? all.findIndex((m) => m.id === before) + 1 : 0;
    const items = all.slice(from, from + limit);
    const last = items[items.length - 1];
    return json({ items, nextCursor: from + limit < all.length && last ? last.id : null });
  };
}

describe('useConversationMessages: opening at a message', () => {
  it('pages back until the message is loaded, then focuses it and reports it found', async () => {
    installBrowser();
    const pages = pagedConversation(200);
    const net = fakeFetch(
      route('GET', c1, () => json(conversation('c1'))),
      route('GET', /^\/api\/conversations\/c1\/messages\?/, (call) => pages(call.url)),
    );
    const onTargetDone = vi.fn();
    const hook = await renderHook(() =>
      useConversationMessages('c1', { summary: null, onActiveRun: () => {}, target: 'm0002q', onTargetDone }),
    );
    await settle(200);
    expect(onTargetDone).toHaveBeenCalledWith(true, undefined);
    expect(hook.current().focus).toEqual({ id: 'm0002q', seq: 1 });
    expect(hook.current().branch.messages.some((m) => m.id === 'm0002q')).toBe(true);
    expect(hook.current().loadingOlder).toBe(false);
    // 400 messages: the newest 50, then 100 at a time until turn 2 is there (4 older pages).
    expect(net.requests().filter((r) => r.includes('before='))).toHaveLength(4);
  });

  it('shows the branch that has the message when it is not on the one shown', async () => {
    installBrowser();
    // An older first version of the turn-3 question, with its answer: not on the newest branch.
    const old = [
      message('m0003a-old-q', { parentId: 'm0002r', role: 'user' }),
      message('m0003a-old-r', { parentId: 'm0003a-old-q', role: 'assistant' }),
    ];
    const pages = pagedConversation(60, old);
    fakeFetch(
      route('GET', c1, () => json(conversation('c1'))),
      route('GET', /^\/api\/conversations\/c1\/messages\?/, (call) => pages(call.url)),
    );
    const hook = await renderHook(() =>
      useConversationMessages('c1', { summary: null, onActiveRun: () => {}, target: 'm0003a-old-q' }),
    );
    await settle(200);
    const ids = hook.current().branch.messages.map((m) => m.id);
    expect(ids).toContain('m0003a-old-q');
    expect(ids[ids.length - 1]).toBe('m0003a-old-r');
    expect(ids).not.toContain('m0003q');
    expect(hook.current().focus?.id).toBe('m0003a-old-q');
  });

  it(`gives up after ${MAX_SEEK_PAGES} older pages and reports it not found, at the newest`, async () => {
    installBrowser();
    const pages = pagedConversation(3000);
    const net = fakeFetch(
      route('GET', c1, () => json(conversation('c1'))),
      route('GET', /^\/api\/conversations\/c1\/messages\?/, (call) => pages(call.url)),
    );
    const onTargetDone = vi.fn();
    const hook = await renderHook(() =>
      useConversationMessages('c1', { summary: null, onActiveRun: () => {}, target: 'gone', onTargetDone }),
    );
    await settle(800);
    expect(onTargetDone).toHaveBeenCalledWith(false, undefined);
    expect(net.requests().filter((r) => r.includes('before='))).toHaveLength(MAX_SEEK_PAGES);
    expect(hook.current().focus).toBeNull();
    expect(hook.current().loadingOlder).toBe(false);
    const ids = hook.current().branch.messages.map((m) => m.id);
    expect(ids[ids.length - 1]).toBe('m2999r');
  });
});

describe('useConversationMessages: a failed page while opening at a message', () => {
  it('reports the error (not "not found") and stops loading', async () => {
    installBrowser();
    const pages = pagedConversation(100);
    fakeFetch(
      route('GET', c1, () => json(conversation('c1'))),
      route('GET', /before=/, () => json({ error: 'Too many requests.', code: 'rate_limited' }, 429)),
      route('GET', /^\/api\/conversations\/c1\/messages\?/, (call) => pages(call.url)),
    );
    const onTargetDone = vi.fn();
    const hook = await renderHook(() =>
      useConversationMessages('c1', { summary: null, onActiveRun: () => {}, target: 'm0001q', onTargetDone }),
    );
    await settle(200);
    expect(onTargetDone).toHaveBeenCalledTimes(1);
    expect(onTargetDone.mock.calls[0]?.[0]).toBe(false);
    expect(String(onTargetDone.mock.calls[0]?.[1])).toContain('Too many requests.');
    expect(hook.current().loadingOlder).toBe(false);
    expect(hook.current().focus).toBeNull();
  });
});
