import { afterEach, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { storeTargets } from './helpers/databases.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// Organise: folders, pin, archive and bulk actions, as a user of the API sees them, on SQLite and
// PostgreSQL.

interface Conv {
  id: string;
  title: string | null;
  folderId: string | null;
  pinned: boolean;
  archived: boolean;
  updatedAt: string;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe.each(storeTargets())('organise on $name', (target) => {
  async function start(env: Record<string, string> = {}): Promise<{ t: TestApp; alice: Client }> {
    const db = await target.create();
    cleanup.push(() => db.drop());
    const t = await createTestApp({ env: { AUTH_MODE: 'local', DATABASE_URL: db.url, ...env } });
    cleanup.push(() => t.close());
    const alice = new Client(t.app);
    await alice.signup('alice');
    return { t, alice };
  }

  async function create(client: Client, title: string): Promise<Conv> {
    const res = await client.request('POST', '/api/conversations', { title });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  async function list(client: Client, query = ''): Promise<Conv[]> {
    const res = await client.request('GET', `/api/conversations?limit=200${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items;
  }

  const titles = (items: Conv[]) => items.map((c) => c.title);

  it('folders: create, list by name, rename; a bad name is refused; deleting one unfiles its conversations', async () => {
    const { alice } = await start();
    const work = (await alice.request('POST', '/api/folders', { name: '  Work  ' })).json();
    expect(work).toMatchObject({ name: 'Work' });
    await alice.request('POST', '/api/folders', { name: 'Archive of ideas' });
    expect(
      (await alice.request('GET', '/api/folders')).json().items.map((f: { name: string }) => f.name),
    ).toEqual(['Archive of ideas', 'Work']);
    for (const name of ['', '   ', 'x'.repeat(101)]) {
      const bad = await alice.request('POST', '/api/folders', { name });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().code).toBe('validation_error');
      expect((await alice.request('PATCH', `/api/folders/${work.id}`, { name })).statusCode).toBe(400);
    }
    expect((await alice.request('GET', '/api/folders')).json().items).toHaveLength(2);

    const renamed = await alice.request('PATCH', `/api/folders/${work.id}`, { name: 'Job' });
    expect(renamed.json()).toMatchObject({ id: work.id, name: 'Job' });

    const filed = await create(alice, 'filed');
    const moved = await alice.request('PATCH', `/api/conversations/${filed.id}`, { folderId: work.id });
    expect(moved.json().folderId).toBe(work.id);
    expect(titles(await list(alice, `&folderId=${work.id}`))).toEqual(['filed']);

    expect((await alice.request('DELETE', `/api/folders/${work.id}`)).statusCode).toBe(204);
    expect((await alice.request('DELETE', `/api/folders/${work.id}`)).statusCode).toBe(404);
    const after = (await alice.request('GET', `/api/conversations/${filed.id}`)).json();
    expect(after.folderId).toBeNull();
    expect((await alice.request('GET', `/api/conversations?folderId=${work.id}`)).statusCode).toBe(404);
  });

  it('pinned come first, archived are hidden unless asked for, and organising keeps the date', async () => {
    const { alice } = await start();
    const a = await create(alice, 'a');
    const b = await create(alice, 'b');
    const c = await create(alice, 'c');
    expect(titles(await list(alice))).toEqual(['c', 'b', 'a']);

    const pinned = (await alice.request('PATCH', `/api/conversations/${a.id}`, { pinned: true })).json();
    expect(pinned.pinned).toBe(true);
    expect(pinned.updatedAt).toBe(a.updatedAt);
    expect(titles(await list(alice))).toEqual(['a', 'c', 'b']);

    const archived = (await alice.request('PATCH', `/api/conversations/${c.id}`, { archived: true })).json();
    expect(archived).toMatchObject({ archived: true, updatedAt: c.updatedAt });
    expect(titles(await list(alice))).toEqual(['a', 'b']);
    expect(titles(await list(alice, '&archived=true'))).toEqual(['c']);
    // Still readable and searchable as itself.
    expect((await alice.request('GET', `/api/conversations/${c.id}`)).json().archived).toBe(true);

    await alice.request('PATCH', `/api/conversations/${c.id}`, { archived: false });
    await alice.request('PATCH', `/api/conversations/${a.id}`, { pinned: false });
    expect(titles(await list(alice))).toEqual(['c', 'b', 'a']);
    // A rename is activity: it moves up by date as before.
    const renamed = (await alice.request('PATCH', `/api/conversations/${b.id}`, { title: 'b2' })).json();
    expect(renamed.updatedAt > b.updatedAt).toBe(true);
  });

  it('pages through pinned and unpinned conversations without gaps or repeats', async () => {
    const { alice } = await start();
    const made: Conv[] = [];
    for (let i = 0; i < 7; i++) made.push(await create(alice, `c${i}`));
    for (const i of [1, 4]) {
      await alice.request('PATCH', `/api/conversations/${made[i]?.id}`, { pinned: true });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = (await alice.request('GET', `/api/conversations?limit=2${query}`)).json();
      seen.push(...page.items.map((c: Conv) => c.title));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['c4', 'c1', 'c6', 'c5', 'c3', 'c2', 'c0']);
  });

  it('a folder that is not there changes nothing', async () => {
    const { alice } = await start();
    const a = await create(alice, 'a');
    const res = await alice.request('PATCH', `/api/conversations/${a.id}`, {
      folderId: 'nope',
      pinned: true,
    });
    expect(res.statusCode).toBe(404);
    expect((await alice.request('GET', `/api/conversations/${a.id}`)).json()).toMatchObject({
      folderId: null,
      pinned: false,
    });
  });

  it('bulk: archive, unarchive, move in and out of a folder, delete; one bad id changes nothing', async () => {
    const { alice } = await start();
    const convs: Conv[] = [];
    for (const title of ['a', 'b', 'c']) convs.push(await create(alice, title));
    const ids = convs.map((c) => c.id);
    const folder = (await alice.request('POST', '/api/folders', { name: 'F' })).json();
    const bulk = (body: object) => alice.request('POST', '/api/conversations/bulk', body);

    expect((await bulk({ ids: [...ids, ids[0]], action: 'archive' })).json()).toEqual({
      action: 'archive',
      count: 3,
    });
    expect(await list(alice)).toEqual([]);
    expect(titles(await list(alice, '&archived=true'))).toEqual(['c', 'b', 'a']);
    expect((await bulk({ ids, action: 'unarchive' })).statusCode).toBe(200);

    expect((await bulk({ ids: ids.slice(0, 2), action: 'move', folderId: folder.id })).statusCode).toBe(200);
    expect(titles(await list(alice, `&folderId=${folder.id}`))).toEqual(['b', 'a']);
    expect((await bulk({ ids: [ids[0]], action: 'move', folderId: null })).statusCode).toBe(200);
    expect(titles(await list(alice, `&folderId=${folder.id}`))).toEqual(['b']);

    // Bad requests: 4xx and nothing changes.
    const before = await list(alice);
    for (const body of [
      { ids: [...ids, 'missing'], action: 'delete' },
      { ids: [...ids, 'missing'], action: 'archive' },
      { ids, action: 'move', folderId: 'missing' },
    ]) {
      expect((await bulk(body)).statusCode).toBe(404);
    }
    for (const body of [
      { ids, action: 'move' },
      { ids, action: 'archive', folderId: folder.id },
      { ids: [], action: 'delete' },
      { ids: Array.from({ length: 201 }, (_, i) => `id${i}`), action: 'delete' },
      { ids, action: 'explode' },
    ]) {
      const res = await bulk(body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.json().code).toBeTruthy();
    }
    expect(await list(alice)).toEqual(before);

    expect((await bulk({ ids: ids.slice(1), action: 'delete' })).json()).toEqual({
      action: 'delete',
      count: 2,
    });
    expect(titles(await list(alice))).toEqual(['a']);
    expect((await alice.request('GET', `/api/conversations/${ids[1]}`)).statusCode).toBe(404);
  });

  it('bulk delete stops a reply that is still streaming', async () => {
    const { t, alice } = await start({ DEMO_DELAY_MS: '50' });
    const conv = await create(alice, 'streaming');
    const sent = await alice.request('POST', `/api/conversations/${conv.id}/messages`, {
      content: 'write a long answer',
    });
    expect(sent.statusCode, sent.body).toBe(202);
    const res = await alice.request('POST', '/api/conversations/bulk', { ids: [conv.id], action: 'delete' });
    expect(res.statusCode, res.body).toBe(200);
    await t.app.parley.runs.get(sent.json().runId)?.done;
    expect(await list(alice)).toEqual([]);
  });

  it('a first message creates its conversation; a refused one (rate limit, bad model) creates none', async () => {
    const { t, alice } = await start({ MESSAGE_LIMIT_RPM: '1' });
    const first = await alice.request('POST', '/api/conversations/start', {
      content: 'Plan a trip to Kyoto',
    });
    expect(first.statusCode, first.body).toBe(202);
    const { conversationId, runId, userMessage } = first.json();
    expect(userMessage.content).toBe('Plan a trip to Kyoto');
    await t.app.parley.runs.get(runId)?.done;
    expect((await list(alice)).map((c) => c.id)).toEqual([conversationId]);
    const messages = (await alice.request('GET', `/api/conversations/${conversationId}/messages`)).json();
    expect(messages.items.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);

    // Over the per-minute message limit: each retry is refused and leaves nothing behind.
    for (let i = 0; i < 3; i++) {
      const refused = await alice.request('POST', '/api/conversations/start', { content: 'Again' });
      expect(refused.statusCode).toBe(429);
    }
    for (const body of [
      { content: '   ' },
      { content: 'x', model: 'no-such-model' },
      { content: 'x', extra: 1 },
    ]) {
      expect((await alice.request('POST', '/api/conversations/start', body)).statusCode).toBe(400);
    }
    expect((await list(alice)).map((c) => c.id)).toEqual([conversationId]);
  });

  it('a user has at most 100 folders, even when creating them all at once', async () => {
    const { alice } = await start();
    for (let i = 0; i < 95; i++) {
      expect((await alice.request('POST', '/api/folders', { name: `f${i}` })).statusCode).toBe(201);
    }
    const racing = await Promise.all(
      Array.from({ length: 10 }, (_, i) => alice.request('POST', '/api/folders', { name: `r${i}` })),
    );
    const codes = racing.map((res) => res.statusCode).sort();
    expect(codes.filter((code) => code === 201)).toHaveLength(5);
    expect(racing.find((res) => res.statusCode === 409)?.json().code).toBe('conflict');
    expect((await alice.request('GET', '/api/folders')).json().items).toHaveLength(100);
  });
});
