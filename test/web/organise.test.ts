import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Conversation, Folder } from '../../src/web/api.js';
import { useFolders } from '../../src/web/hooks/use-folders.js';
import { useOrganise } from '../../src/web/hooks/use-organise.js';
import { useRunActions } from '../../src/web/hooks/use-run-actions.js';
import { sidebarLayout } from '../../src/web/sidebar-groups.js';
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

// The sidebar's organising: how rows are laid out (pinned, folders, by date) and the pin / archive
// / move / bulk actions and folders over a fake API.

afterEach(() => {
  vi.unstubAllGlobals();
});

const NOW = new Date('2026-03-10T12:00:00');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();
const folder = (id: string, name: string): Folder => ({
  id,
  name,
  createdAt: daysAgo(1),
  updatedAt: daysAgo(1),
});

describe('sidebarLayout', () => {
  it('puts pinned first, folders with their own date groups, the rest by date; never loses a row', () => {
    const items: Conversation[] = [
      conversation('p', { pinned: true, updatedAt: daysAgo(40) }),
      conversation('a', { updatedAt: daysAgo(0) }),
      conversation('f1', { folderId: 'work', updatedAt: daysAgo(0) }),
      conversation('f2', { folderId: 'work', updatedAt: daysAgo(12) }),
      conversation('fp', { folderId: 'work', pinned: true, updatedAt: daysAgo(3) }),
      conversation('gone', { folderId: 'deleted-folder', updatedAt: daysAgo(1) }),
      conversation('arch', { archived: true, updatedAt: daysAgo(0) }),
    ];
    const layout = sidebarLayout(items, [folder('work', 'Work'), folder('empty', 'Empty')], NOW);
    expect(layout.pinned.map((c) => c.id)).toEqual(['p']);
    expect(layout.groups.map((g) => [g.group, g.items.map((c) => c.id)])).toEqual([
      ['Today', ['a']],
      ['Yesterday', ['gone']],
    ]);
    const [work, empty] = layout.folders;
    expect(work?.count).toBe(3);
    expect(work?.pinned.map((c) => c.id)).toEqual(['fp']);
    expect(work?.groups.map((g) => [g.group, g.items.map((c) => c.id)])).toEqual([
      ['Today', ['f1']],
      ['Previous 30 days', ['f2']],
    ]);
    expect(empty?.count).toBe(0);
  });
});

describe('useOrganise', () => {
  function organise() {
    const changed: Conversation[] = [];
    const deleted: string[] = [];
    const errors: string[] = [];
    return {
      changed,
      deleted,
      errors,
      hook: () =>
        useOrganise({
          onChanged: (c) => changed.push(c),
          onDeleted: (id) => deleted.push(id),
          onError: (m) => errors.push(m),
        }),
    };
  }

  it('pins, archives and moves one conversation with a PATCH, and hands back the server’s answer', async () => {
    installBrowser();
    const net = fakeFetch(
      route('PATCH', '/api/conversations/c1', (call) =>
        json(conversation('c1', call.body as Partial<Conversation>)),
      ),
    );
    const o = organise();
    const hook = await renderHook(o.hook);
    await run(() => hook.current().pin(conversation('c1')));
    await run(() => hook.current().archive(conversation('c1', { archived: true })));
    await run(() => hook.current().move(conversation('c1'), 'work'));
    expect(net.calls.map((c) => c.body)).toEqual([
      { pinned: true },
      { archived: false },
      { folderId: 'work' },
    ]);
    expect(o.changed.map((c) => [c.pinned, c.archived, c.folderId])).toEqual([
      [true, false, null],
      [false, false, null],
      [false, false, 'work'],
    ]);
  });

  it('acts on the selection in one request; a refusal keeps the selection and says why', async () => {
    installBrowser();
    let refuse = true;
    const net = fakeFetch(
      route('POST', '/api/conversations/bulk', (call) =>
        refuse
          ? json({ error: 'Conversation not found.', code: 'not_found' }, 404)
          : json({ action: (call.body as { action: string }).action, count: 2 }),
      ),
    );
    const o = organise();
    const hook = await renderHook(o.hook);
    await run(() => hook.current().startSelecting('c1'));
    await run(() => hook.current().toggle('c2'));
    await run(() => hook.current().toggle('c3'));
    await run(() => hook.current().toggle('c3'));
    expect([...hook.current().selected]).toEqual(['c1', 'c2']);

    await run(() => hook.current().bulk('delete'));
    expect(o.errors).toEqual(['Conversation not found.']);
    expect(o.deleted).toEqual([]);
    expect(hook.current().selecting).toBe(true);

    refuse = false;
    await run(() => hook.current().bulk('move', null));
    expect(net.calls.at(-1)?.body).toEqual({ ids: ['c1', 'c2'], action: 'move', folderId: null });
    expect(hook.current().selecting).toBe(false);
    await run(() => hook.current().startSelecting('c1'));
    await run(() => hook.current().bulk('delete'));
    expect(net.calls.at(-1)?.body).toEqual({ ids: ['c1'], action: 'delete' });
    expect(o.deleted).toEqual(['c1']);
  });
});

describe('useFolders', () => {
  it('loads the folders, creates with a trimmed name, and reloads after each change or failure', async () => {
    installBrowser();
    let folders = [folder('f1', 'Work')];
    const net = fakeFetch(
      route('GET', '/api/folders', () => json({ items: folders })),
      route('POST', '/api/folders', (call) => {
        const created = folder('f2', (call.body as { name: string }).name);
        folders = [...folders, created];
        return json(created, 201);
      }),
      route('DELETE', '/api/folders/f9', () => json({ error: 'Folder not found.', code: 'not_found' }, 404)),
    );
    const errors: string[] = [];
    const hook = await renderHook(() => useFolders((m) => errors.push(m)));
    await settle();
    expect(hook.current().folders.map((f) => f.name)).toEqual(['Work']);
    await run(() => hook.current().create('  Home  '));
    expect(net.calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'Home' });
    expect(hook.current().folders.map((f) => f.name)).toEqual(['Work', 'Home']);
    await run(() => hook.current().remove('f9'));
    expect(errors).toEqual(['Folder not found.']);
  });
});

describe('the first message of a new chat', () => {
  it('creates no conversation when refused (a 429), however often it is retried', async () => {
    installBrowser();
    const created: Conversation[] = [];
    const net = fakeFetch(
      route('POST', '/api/conversations', () => json(conversation('empty'), 201)),
      route('POST', /^\/api\/conversations\/[^/]+\/messages$/, () =>
        json({ error: 'Too many messages; try again in a minute.', code: 'rate_limited' }, 429),
      ),
      route('POST', '/api/conversations/start', () =>
        json({ error: 'Too many messages; try again in a minute.', code: 'rate_limited' }, 429),
      ),
    );
    const hook = await renderHook(() =>
      useRunActions({
        conversationId: null,
        parentId: undefined,
        onCreated: (c) => created.push(c),
        onUpdated: () => {},
        onAccepted: () => {},
      }),
    );
    for (let i = 0; i < 3; i++) expect(await run(() => hook.current().send('Hello'))).toBe(false);
    expect(hook.current().error?.message).toMatch(/Too many messages/);
    expect(created).toEqual([]);
    expect(net.requests().filter((r) => r === 'POST /api/conversations')).toEqual([]);
  });
});
