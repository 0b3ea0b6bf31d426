import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Conversation } from '../../src/web/api.js';
import { useConversationEdits } from '../../src/web/hooks/use-conversation-edits.js';
import { useConversationSearch } from '../../src/web/hooks/use-conversation-search.js';
import {
  conversation,
  fakeFetch,
  installBrowser,
  json,
  renderHook,
  route,
  run,
  settle,
} from './hook-harness.js';

// The sidebar's search box and its rename / delete actions, over a fake API.

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('useConversationSearch', () => {
  it('searches once typing pauses, with the newest query only, and clears with an empty box', async () => {
    installBrowser();
    const net = fakeFetch(
      route('GET', /^\/api\/search\?/, (call) =>
        json({
          items: [
            {
              conversationId: 'c1',
              conversationTitle: 'Trip',
              messageId: 'm1',
              snippet: decodeURIComponent(call.url.split('q=')[1]?.split('&')[0] ?? ''),
              highlights: [],
            },
          ],
          nextCursor: null,
        }),
      ),
    );
    const hook = await renderHook(() => useConversationSearch());
    await run(() => hook.current().setQuery('ky'));
    await run(() => hook.current().setQuery('  kyoto '));
    expect(hook.current().searching).toBe(true);
    await settle(250);
    expect(net.requests()).toEqual(['GET /api/search?q=kyoto&limit=30']);
    expect(hook.current().results?.items[0]?.snippet).toBe('kyoto');
    await run(() => hook.current().setQuery('   '));
    expect(hook.current().searching).toBe(false);
    expect(hook.current().results).toBeNull();
    await settle(250);
    expect(net.calls).toHaveLength(1);
  });

  it('sends at most 200 characters and shows a failed search’s error', async () => {
    installBrowser();
    const net = fakeFetch(
      route('GET', /^\/api\/search\?/, () =>
        json({ error: 'Search is busy, try again.', code: 'rate_limited' }, 429),
      ),
    );
    const hook = await renderHook(() => useConversationSearch());
    await run(() => hook.current().setQuery('x'.repeat(500)));
    await settle(250);
    expect(net.calls[0]?.url).toBe(`/api/search?q=${'x'.repeat(200)}&limit=30`);
    expect(hook.current().error).toBe('Search is busy, try again.');
    expect(hook.current().results).toBeNull();
  });
});

describe('useConversationEdits', () => {
  function edits() {
    const renamed: Conversation[] = [];
    const deleted: string[] = [];
    return {
      renamed,
      deleted,
      hook: () =>
        useConversationEdits({ onRenamed: (c) => renamed.push(c), onDeleted: (id) => deleted.push(id) }),
    };
  }

  it('renames with a trimmed title, and sends nothing for an empty or unchanged one', async () => {
    installBrowser();
    const net = fakeFetch(
      route('PATCH', '/api/conversations/c1', (call) =>
        json(conversation('c1', { title: (call.body as { title: string }).title })),
      ),
    );
    const e = edits();
    const hook = await renderHook(e.hook);
    await run(() => hook.current().startRename('c1'));
    expect(hook.current().renaming).toBe('c1');
    const c1 = conversation('c1', { title: 'Old' });
    await run(() => hook.current().rename(c1, '  Old  '));
    await run(() => hook.current().rename(c1, '   '));
    expect(net.calls).toEqual([]);
    await run(() => hook.current().rename(c1, `  ${'N'.repeat(250)} `));
    expect(net.calls[0]?.body).toEqual({ title: 'N'.repeat(200) });
    expect(e.renamed.map((c) => c.title)).toEqual(['N'.repeat(200)]);
    expect(hook.current().renaming).toBeNull();
  });

  it('deletes only after the confirmation, and shows a failure until dismissed', async () => {
    installBrowser();
    let fails = true;
    const net = fakeFetch(
      route('DELETE', '/api/conversations/c1', () =>
        fails
          ? json({ error: 'The server is busy.', code: 'internal' }, 503)
          : new Response(null, { status: 204 }),
      ),
    );
    const e = edits();
    const hook = await renderHook(e.hook);
    const c1 = conversation('c1');
    await run(() => hook.current().askDelete(c1));
    expect(hook.current().deleting).toEqual(c1);
    await run(() => hook.current().cancelDelete());
    expect(net.calls).toEqual([]);
    await run(() => hook.current().confirmDelete(c1));
    expect(hook.current().error).toBe('The server is busy.');
    expect(e.deleted).toEqual([]);
    await run(() => hook.current().dismissError());
    expect(hook.current().error).toBeNull();
    fails = false;
    await run(() => hook.current().confirmDelete(c1));
    expect(e.deleted).toEqual(['c1']);
    expect(net.requests()).toEqual(['DELETE /api/conversations/c1', 'DELETE /api/conversations/c1']);
  });
});
