import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/clients.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Organise from the attacker's side: anonymous callers, another user and an admin naming Alice's
 * folders and conversations in folder routes, list filters, PATCH and bulk actions (mixed with
 * their own ids), a forged cross-site bulk delete, and oversized input. Every attempt is a 4xx
 * and nothing of anyone's changes.
 */

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup() {
  t = await createTestApp({ env: { AUTH_MODE: 'local' } });
  const admin = new Client(t.app);
  await admin.signup('root-admin');
  const alice = new Client(t.app);
  await alice.signup('alice');
  const mallory = new Client(t.app);
  await mallory.signup('mallory');
  const folder = (await alice.request('POST', '/api/folders', { name: 'alice-secret-folder' })).json();
  const conv = (await alice.request('POST', '/api/conversations', { title: 'alice-secret' })).json();
  await alice.request('PATCH', `/api/conversations/${conv.id}`, { folderId: folder.id });
  const own = (await mallory.request('POST', '/api/conversations', { title: 'mallory-own' })).json();
  const ownFolder = (await mallory.request('POST', '/api/folders', { name: 'mallory-folder' })).json();
  return { app: t, admin, alice, mallory, folder, conv, own, ownFolder, anonymous: new Client(t.app) };
}

/** Everything organising can change, for both users, to compare before and after. */
async function snapshot(app: TestApp) {
  const conversations = await app.store.db
    .selectFrom('conversations')
    .select(['id', 'title', 'folder_id', 'pinned', 'archived', 'updated_at'])
    .orderBy('id')
    .execute();
  const folders = await app.store.db
    .selectFrom('folders')
    .select(['id', 'name', 'user_id'])
    .orderBy('id')
    .execute();
  return { conversations, folders };
}

describe('organise attacks', () => {
  it('anonymous callers get 401 from every organise route', async () => {
    const s = await setup();
    const before = await snapshot(s.app);
    const calls = [
      s.anonymous.request('GET', '/api/folders'),
      s.anonymous.request('POST', '/api/folders', { name: 'x' }),
      s.anonymous.request('PATCH', `/api/folders/${s.folder.id}`, { name: 'x' }),
      s.anonymous.request('DELETE', `/api/folders/${s.folder.id}`),
      s.anonymous.request('POST', '/api/conversations/bulk', { ids: [s.conv.id], action: 'delete' }),
      s.anonymous.request('GET', `/api/conversations?folderId=${s.folder.id}`),
    ];
    for (const res of await Promise.all(calls)) expect(res.statusCode).toBe(401);
    expect(await snapshot(s.app)).toEqual(before);
  });

  for (const who of ['mallory', 'admin'] as const) {
    it(`${who} cannot see, rename, delete or file into Alice's folder: 404, nothing changes`, async () => {
      const s = await setup();
      const c = s[who];
      const before = await snapshot(s.app);
      const list = await c.request('GET', '/api/folders');
      expect(list.body).not.toContain('alice-secret');
      expect(list.body).not.toContain(s.folder.id);
      expect((await c.request('PATCH', `/api/folders/${s.folder.id}`, { name: 'pwned' })).statusCode).toBe(
        404,
      );
      expect((await c.request('DELETE', `/api/folders/${s.folder.id}`)).statusCode).toBe(404);
      const filter = await c.request('GET', `/api/conversations?folderId=${s.folder.id}`);
      expect(filter.statusCode).toBe(404);
      expect(filter.body).not.toContain('alice-secret');
      if (who === 'mallory') {
        // Filing her own conversation into Alice's folder, one by one or in bulk.
        const patch = await c.request('PATCH', `/api/conversations/${s.own.id}`, { folderId: s.folder.id });
        expect(patch.statusCode).toBe(404);
        const bulk = await c.request('POST', '/api/conversations/bulk', {
          ids: [s.own.id],
          action: 'move',
          folderId: s.folder.id,
        });
        expect(bulk.statusCode).toBe(404);
      }
      expect(await snapshot(s.app)).toEqual(before);
    });

    it(`${who}'s bulk action naming Alice's conversation is a 404 and changes nothing, not even their own`, async () => {
      const s = await setup();
      const c = s[who];
      const mine = who === 'mallory' ? [s.own.id] : [];
      const before = await snapshot(s.app);
      for (const body of [
        { ids: [...mine, s.conv.id], action: 'delete' },
        { ids: [...mine, s.conv.id], action: 'archive' },
        { ids: [s.conv.id, ...mine], action: 'move', folderId: null },
        ...(who === 'mallory'
          ? [{ ids: [s.own.id, s.conv.id], action: 'move', folderId: s.ownFolder.id }]
          : []),
      ]) {
        const res = await c.request('POST', '/api/conversations/bulk', body);
        expect(res.statusCode, res.body).toBe(404);
        expect(res.body).not.toContain('alice-secret');
        expect(res.body).not.toContain(s.conv.id);
      }
      // PATCH of Alice's conversation's organising fields: 404 as well.
      for (const patch of [{ pinned: true }, { archived: true }, { folderId: null }]) {
        expect((await c.request('PATCH', `/api/conversations/${s.conv.id}`, patch)).statusCode).toBe(404);
      }
      expect(await snapshot(s.app)).toEqual(before);
    });
  }

  it('a cross-site bulk delete without the CSRF token is refused', async () => {
    const s = await setup();
    const before = await snapshot(s.app);
    const res = await s.alice.request(
      'POST',
      '/api/conversations/bulk',
      { ids: [s.conv.id], action: 'delete' },
      { 'x-csrf-token': '' },
    );
    expect(res.statusCode).toBe(403);
    expect(await snapshot(s.app)).toEqual(before);
  });

  it('oversized or malformed input is a 400 and changes nothing', async () => {
    const s = await setup();
    const before = await snapshot(s.app);
    const bad: [string, string, unknown][] = [
      ['POST', '/api/folders', { name: 'x'.repeat(10_000) }],
      ['POST', '/api/folders', { name: 'ok', extra: 1 }],
      ['POST', '/api/folders', { name: 42 }],
      ['PATCH', `/api/folders/${s.folder.id}`, { name: '' }],
      ['POST', '/api/conversations/bulk', { ids: [s.conv.id], action: 'delete', folderId: null }],
      ['POST', '/api/conversations/bulk', { ids: ['x'.repeat(65)], action: 'delete' }],
      ['POST', '/api/conversations/bulk', { ids: Array(201).fill(s.conv.id), action: 'archive' }],
      ['POST', '/api/conversations/bulk', { ids: s.conv.id, action: 'archive' }],
      ['PATCH', `/api/conversations/${s.conv.id}`, { pinned: 'yes' }],
      ['PATCH', `/api/conversations/${s.conv.id}`, { folderId: 'x'.repeat(65) }],
    ];
    for (const [method, url, body] of bad) {
      const res = await s.alice.request(method as 'POST', url, body);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body).slice(0, 60)}`).toBe(400);
      expect(res.json()).toMatchObject({ code: expect.any(String), error: expect.any(String) });
    }
    const query = await s.alice.request('GET', '/api/conversations?archived=maybe');
    expect(query.statusCode).toBe(400);
    expect(await snapshot(s.app)).toEqual(before);
  });
});
