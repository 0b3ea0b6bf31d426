import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuiltinUsers, LOCAL_USER_ID } from '../src/server/auth/builtin-users.js';
import { newId } from '../src/server/ids.js';
import { interruptAfterCrash } from '../src/server/runs/run-status.js';
import { openStore, type Store } from '../src/server/store/database.js';
import type { MessageRow } from '../src/server/store/schema.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';

// The same repository tests on every dialect, in one loop.
for (const target of storeTargets()) {
  describe(`store on ${target.name}`, () => {
    let database: TestDatabase;
    let store: Store;

    async function open() {
      database = await target.create();
      store = await openStore(database.url);
      await ensureBuiltinUsers(store.repos, new Date().toISOString());
    }

    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    async function conversation(userId = LOCAL_USER_ID, updatedAt = new Date().toISOString()) {
      return store.repos.conversations.insertConversation({
        id: newId(),
        user_id: userId,
        model: 'demo',
        created_at: updatedAt,
        updated_at: updatedAt,
      });
    }

    async function message(
      conversationId: string,
      parentId: string | null,
      content: string,
    ): Promise<MessageRow> {
      const at = new Date().toISOString();
      return store.repos.messages.insertMessage({
        id: newId(),
        conversation_id: conversationId,
        user_id: LOCAL_USER_ID,
        parent_id: parentId,
        role: content.startsWith('AI') ? 'assistant' : 'user',
        content,
        status: 'complete',
        created_at: at,
        updated_at: at,
      });
    }

    it('migrates once and opens again without changes', async () => {
      await open();
      const again = await openStore(database.url);
      await again.ping();
      await again.close();
    });

    it('creates the built-in users once when several replicas start together on a new database', async () => {
      await open();
      // Two replicas of a fresh install run this at the same moment (CI once saw the second one
      // exit on the username's unique key). Many rounds, each from an empty users table.
      for (let round = 0; round < 25; round++) {
        await store.db.deleteFrom('users').execute();
        const at = new Date().toISOString();
        await Promise.all(Array.from({ length: 4 }, () => ensureBuiltinUsers(store.repos, at)));
        const users = await store.db.selectFrom('users').select('username').orderBy('username').execute();
        expect(users.map((user) => user.username)).toEqual(['guest', 'local']);
      }
    });

    it('walks a branch of the message tree, root first, ignoring sibling branches', async () => {
      await open();
      const c = await conversation();
      const u1 = await message(c.id, null, 'hello');
      const a1 = await message(c.id, u1.id, 'AI one');
      await message(c.id, u1.id, 'AI one, regenerated');
      const u2 = await message(c.id, a1.id, 'follow up');
      const a2 = await message(c.id, u2.id, 'AI two');
      expect((await store.repos.messages.branchTo(a2.id)).map((m) => m.content)).toEqual([
        'hello',
        'AI one',
        'follow up',
        'AI two',
      ]);
      expect((await store.repos.messages.newestMessage(c.id))?.id).toBe(a2.id);
    });

    it('reads only the newest part of a long branch: at most maxDepth parents or about maxChars', async () => {
      await open();
      const c = await conversation();
      let parent: string | null = null;
      for (let i = 0; i < 12; i++)
        parent = (await message(c.id, parent, `message ${String(i).padStart(2, '0')}`)).id;
      const leaf = parent as string;
      const contents = async (depth?: number, chars?: number) =>
        (await store.repos.messages.branchTo(leaf, depth, chars)).map((m) => m.content);
      // Each message is 10 characters: the walk stops at the first one that reaches 25 in all.
      expect(await contents(undefined, 25)).toEqual(['message 09', 'message 10', 'message 11']);
      expect(await contents(4)).toEqual([
        'message 07',
        'message 08',
        'message 09',
        'message 10',
        'message 11',
      ]);
      expect(await contents()).toHaveLength(12);
    });

    it('pages messages newest first with before=', async () => {
      await open();
      const c = await conversation();
      let parent: string | null = null;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const row: MessageRow = await message(c.id, parent, `m${i}`);
        parent = row.id;
        ids.push(row.id);
      }
      const first = await store.repos.messages.messagesBefore(c.id, 2);
      expect(first.map((m) => m.content)).toEqual(['m4', 'm3']);
      const second = await store.repos.messages.messagesBefore(c.id, 2, first[1]?.id);
      expect(second.map((m) => m.content)).toEqual(['m2', 'm1']);
    });

    it('scopes conversations by user and lists them by activity with a stable cursor', async () => {
      await open();
      const other = newId();
      await store.db
        .insertInto('users')
        .values({ id: other, username: 'other', display_name: 'Other', role: 'user', created_at: 'x' })
        .execute();
      const same = '2026-01-01T00:00:00.000Z';
      const mine = [await conversation(LOCAL_USER_ID, same), await conversation(LOCAL_USER_ID, same)];
      const theirs = await conversation(other, same);
      expect(await store.repos.conversations.findConversation(LOCAL_USER_ID, theirs.id)).toBeUndefined();
      expect(await store.repos.conversations.deleteConversation(LOCAL_USER_ID, theirs.id)).toBe(false);
      const page1 = await store.repos.conversations.listConversations(LOCAL_USER_ID, 1);
      const last = page1[0];
      if (!last) throw new Error('empty page');
      const page2 = await store.repos.conversations.listConversations(LOCAL_USER_ID, 1, {
        pinned: 0,
        updatedAt: last.updated_at,
        id: last.id,
      });
      expect([...page1, ...page2].map((c) => c.id)).toEqual(mine.map((c) => c.id).reverse());
    });

    it('marks replies and runs left streaming by a crash as interrupted', async () => {
      await open();
      const c = await conversation();
      const u = await message(c.id, null, 'question');
      const at = new Date().toISOString();
      const reply = await store.repos.messages.insertMessage({
        id: newId(),
        conversation_id: c.id,
        user_id: LOCAL_USER_ID,
        parent_id: u.id,
        role: 'assistant',
        content: 'half an ans',
        status: 'streaming',
        created_at: at,
        updated_at: at,
      });
      await store.repos.runs.insertRun({
        id: newId(),
        conversation_id: c.id,
        user_id: LOCAL_USER_ID,
        message_id: reply.id,
        kind: 'reply',
        status: 'running',
        model: 'demo',
        instance_id: 'gone',
        started_at: at,
      });
      expect(await interruptAfterCrash(store.repos, at)).toBe(1);
      const after = await store.db
        .selectFrom('messages')
        .selectAll()
        .where('id', '=', reply.id)
        .executeTakeFirst();
      expect(after).toMatchObject({ status: 'interrupted', content: 'half an ans' });
      expect((await store.repos.runs.latestRun(c.id))?.status).toBe('interrupted');
    });

    it('commits a transaction as a whole, and rolls all of it back when it throws', async () => {
      await open();
      const c = await conversation();
      const at = new Date().toISOString();
      const row = (content: string) => ({
        id: newId(),
        conversation_id: c.id,
        user_id: LOCAL_USER_ID,
        parent_id: null,
        role: 'user' as const,
        content,
        status: 'complete' as const,
        created_at: at,
        updated_at: at,
      });
      await expect(
        store.transaction(async (tx) => {
          await tx.messages.insertMessage(row('written, then undone'));
          await tx.conversations.touchConversation(c.id, '2030-01-01T00:00:00.000Z');
          throw new Error('second step failed');
        }),
      ).rejects.toThrow('second step failed');
      expect(await store.repos.messages.messagesBefore(c.id, 10)).toEqual([]);
      expect((await store.repos.conversations.conversationById(c.id))?.updated_at).toBe(c.updated_at);

      const kept = await store.transaction(async (tx) => {
        const first = await tx.messages.insertMessage(row('one'));
        await tx.messages.insertMessage({ ...row('two'), parent_id: first.id });
        return first.id;
      });
      expect((await store.repos.messages.messagesBefore(c.id, 10)).map((m) => m.content)).toEqual([
        'two',
        'one',
      ]);
      expect((await store.repos.messages.messageById(kept))?.content).toBe('one');
    });

    it('deleting a conversation removes its messages and runs', async () => {
      await open();
      const c = await conversation();
      const u = await message(c.id, null, 'bye');
      await message(c.id, u.id, 'AI bye');
      expect(await store.repos.conversations.deleteConversation(LOCAL_USER_ID, c.id)).toBe(true);
      expect(await store.db.selectFrom('messages').selectAll().execute()).toEqual([]);
    });
  });
}
