import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoModel } from '../src/server/ai/demo-model.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { Client } from './helpers/clients.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * A reply's final write meets the checkpoint that renews every running reply's lease. On
 * PostgreSQL the two once took their row locks in opposite orders (checkpoint: runs, then
 * messages; final write: messages, then runs) and deadlocked now and then; when the final write
 * was the victim, a finished reply stayed `streaming` without its tokens or usage event. Replies
 * here finish while a checkpoint runs every millisecond: every one must be saved whole.
 */
for (const target of storeTargets()) {
  describe(`finished replies under constant checkpoints on ${target.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let t: TestApp;

    beforeAll(async () => {
      database = await target.create();
      store = await openStore(database.url);
      t = await createTestApp({
        store,
        checkpointMs: 1,
        env: { AUTH_MODE: 'local', SIGNUP: 'open', MAX_CONCURRENT_RUNS: '100' },
        models: [{ id: 'demo', model: createDemoModel({ delayMs: 1 }) }],
      });
    }, 60_000);

    afterAll(async () => {
      await t?.close();
      await store?.close();
      await database?.drop();
    });

    it('saves every reply complete, with its tokens and one usage event each', async () => {
      const users = await Promise.all(
        ['ann', 'ben', 'cat', 'dan'].map(async (name) => {
          const client = new Client(t.app);
          await client.signup(name);
          return client;
        }),
      );
      const rounds = 8;
      let replies = 0;
      for (let round = 0; round < rounds; round += 1) {
        await Promise.all(
          users.flatMap((user) =>
            [0, 1, 2].map(async () => {
              const made = await user.request('POST', '/api/conversations', {});
              const sent = await user.request('POST', `/api/conversations/${made.json().id}/messages`, {
                content: `round ${round}: tell me something`,
              });
              expect(sent.statusCode, sent.body).toBe(202);
              await t.app.parley.runs.get(sent.json().runId)?.done;
              replies += 1;
            }),
          ),
        );
      }
      const stored = await store.db
        .selectFrom('messages')
        .select(['status', 'output_tokens'])
        .where('role', '=', 'assistant')
        .execute();
      expect(stored).toHaveLength(replies);
      expect(stored.filter((m) => m.status !== 'complete')).toEqual([]);
      expect(stored.every((m) => (m.output_tokens ?? 0) > 0)).toBe(true);
      const events = await store.db.selectFrom('usage_events').select('id').execute();
      expect(events).toHaveLength(replies);
    }, 120_000);
  });
}
