import { afterEach, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { storeTargets } from './helpers/databases.js';
import { createTestApp } from './helpers/test-app.js';

// Moving conversations into a folder that is being deleted at the same moment: the move either
// happens before the delete (and the delete then unfiles them) or is refused with a 404; never a
// 500, and no conversation is left pointing at a folder that no longer exists. Also for the
// single-conversation move (PATCH folderId), which had the same check-then-write gap.

const ROUNDS = 40;

/**
 * Lets the other request run ahead by a number of microtasks or event-loop turns that changes
 * every round, so the delete lands before, inside and after the move's check-then-write gap.
 */
async function stagger(round: number): Promise<void> {
  const steps = round % 10;
  for (let i = 0; i < steps; i++) {
    if (round % 2 === 0) await Promise.resolve();
    else await new Promise((resolve) => setImmediate(resolve));
  }
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe.each(storeTargets())('moving into a folder deleted at the same time, on $name', (target) => {
  async function start() {
    const db = await target.create();
    cleanup.push(() => db.drop());
    const t = await createTestApp({
      env: { AUTH_MODE: 'local', DATABASE_URL: db.url, RATE_LIMIT_RPM: '1000000' },
    });
    cleanup.push(() => t.close());
    const alice = new Client(t.app);
    await alice.signup('alice');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await alice.request('POST', '/api/conversations', { title: `c${i}` });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    return { alice, ids };
  }

  async function folderIds(alice: Client): Promise<(string | null)[]> {
    const res = await alice.request('GET', '/api/conversations?limit=200');
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items.map((c: { folderId: string | null }) => c.folderId);
  }

  it(`bulk move: ${ROUNDS} races, every answer 200 or 404, nothing filed in a deleted folder`, async () => {
    const { alice, ids } = await start();
    const statuses = new Map<number, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const folder = (await alice.request('POST', '/api/folders', { name: `f${round}` })).json();
      const [moved, deleted] = await Promise.all([
        alice.request('POST', '/api/conversations/bulk', { ids, action: 'move', folderId: folder.id }),
        (async () => {
          await stagger(round);
          return alice.request('DELETE', `/api/folders/${folder.id}`);
        })(),
      ]);
      statuses.set(moved.statusCode, (statuses.get(moved.statusCode) ?? 0) + 1);
      expect([200, 404], moved.body).toContain(moved.statusCode);
      if (moved.statusCode === 404) expect(moved.json()).toMatchObject({ code: 'not_found' });
      expect(deleted.statusCode, deleted.body).toBe(204);
      // The folder is gone: every conversation is out of any folder (unfiled by the delete, or never moved).
      expect(await folderIds(alice)).toEqual([null, null, null]);
    }
    expect([...statuses.keys()].every((s) => s === 200 || s === 404)).toBe(true);
  });

  it(`single move (PATCH folderId): ${ROUNDS} races, every answer 200 or 404`, async () => {
    const { alice, ids } = await start();
    for (let round = 0; round < ROUNDS; round++) {
      const folder = (await alice.request('POST', '/api/folders', { name: `g${round}` })).json();
      const [moved, deleted] = await Promise.all([
        alice.request('PATCH', `/api/conversations/${ids[0]}`, { folderId: folder.id }),
        (async () => {
          await stagger(round);
          return alice.request('DELETE', `/api/folders/${folder.id}`);
        })(),
      ]);
      expect([200, 404], moved.body).toContain(moved.statusCode);
      if (moved.statusCode === 404) expect(moved.json()).toMatchObject({ code: 'not_found' });
      expect(deleted.statusCode, deleted.body).toBe(204);
      expect(await folderIds(alice)).toEqual([null, null, null]);
    }
  });

  it('a move into a folder deleted just before is a 404 and changes nothing', async () => {
    const { alice, ids } = await start();
    const keep = (await alice.request('POST', '/api/folders', { name: 'keep' })).json();
    expect(
      (await alice.request('POST', '/api/conversations/bulk', { ids, action: 'move', folderId: keep.id }))
        .statusCode,
    ).toBe(200);
    const gone = (await alice.request('POST', '/api/folders', { name: 'gone' })).json();
    expect((await alice.request('DELETE', `/api/folders/${gone.id}`)).statusCode).toBe(204);
    const res = await alice.request('POST', '/api/conversations/bulk', {
      ids,
      action: 'move',
      folderId: gone.id,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found', error: 'Folder not found.' });
    expect(await folderIds(alice)).toEqual([keep.id, keep.id, keep.id]);
  });
});
