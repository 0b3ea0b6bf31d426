import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuiltinUsers, LOCAL_USER_ID } from '../src/server/auth/builtin-users.js';
import { newId } from '../src/server/ids.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { groupCommitter } from '../src/server/store/group-commit.js';
import type { Repositories } from '../src/server/store/repositories.js';
import { storeTargets } from './helpers/databases.js';

// Transactions asked for together (concurrent turns, replies ending at once). On SQLite they share
// one commit (store/group-commit.ts); on every database each one still commits or fails on its
// own terms.

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function openAt(url: string): Promise<Store> {
  const store = await openStore(url);
  cleanup.push(() => store.close());
  await ensureBuiltinUsers(store.repos, new Date().toISOString());
  return store;
}

function conversationRow(title: string) {
  const at = new Date().toISOString();
  return { id: newId(), user_id: LOCAL_USER_ID, model: 'demo', title, created_at: at, updated_at: at };
}

function newConversation(trx: Repositories, title: string) {
  return trx.conversations.insertConversation(conversationRow(title));
}

async function titles(store: Store): Promise<string[]> {
  const rows = await store.db.selectFrom('conversations').select('title').orderBy('title').execute();
  return rows.map((row) => row.title ?? '');
}

describe.each(storeTargets())('transactions asked for together on $name', (target) => {
  it('one that throws is undone alone: the others are written, each caller hears its own outcome', async () => {
    const database = await target.create();
    cleanup.push(() => database.drop());
    const store = await openAt(database.url);
    const results = await Promise.allSettled([
      store.transaction((trx) => newConversation(trx, 'first').then((row) => row.title)),
      store.transaction(async (trx) => {
        await newConversation(trx, 'second, undone');
        throw new Error('the second changed its mind');
      }),
      store.transaction(async (trx) => {
        await newConversation(trx, 'third');
        // A constraint the database itself refuses: a second row with the same id.
        const row = await newConversation(trx, 'third, twice');
        await trx.conversations.insertConversation({ ...row, title: 'a duplicate id' });
      }),
      store.transaction((trx) => newConversation(trx, 'fourth').then((row) => row.title)),
    ]);
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(results[0]).toMatchObject({ value: 'first' });
    expect(results[1]).toMatchObject({ reason: { message: 'the second changed its mind' } });
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/unique|duplicate/i);
    expect(results[3]).toMatchObject({ value: 'fourth' });
    expect(await titles(store)).toEqual(['first', 'fourth']);
  });
});

describe('group commit on SQLite', () => {
  function sqliteFile(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-group-commit-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    return path.join(dir, 'parley.db');
  }

  /** What another process reading the same file sees: only what was committed. */
  function otherConnection(file: string) {
    const reader = new SqliteDatabase(file, { readonly: true });
    cleanup.push(() => {
      reader.close();
    });
    return () =>
      (reader.prepare('select title from conversations order by title').all() as { title: string }[]).map(
        (row) => row.title,
      );
  }

  it('transactions asked for in one tick commit together: none is visible before the last is done', async () => {
    const file = sqliteFile();
    const store = await openAt(`sqlite:${file}`);
    const committed = otherConnection(file);
    let finishSecond = () => {};
    const secondWaits = new Promise<void>((resolve) => {
      finishSecond = resolve;
    });
    let firstDone = false;
    const first = store
      .transaction((trx) => newConversation(trx, 'a'))
      .then(() => {
        firstDone = true;
      });
    const second = store.transaction(async (trx) => {
      await newConversation(trx, 'b');
      await secondWaits;
    });
    // The first has run (its row is in the shared transaction), but it is not committed, and its
    // caller has not been told it is, while the second is still at work.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(committed()).toEqual([]);
    expect(firstDone).toBe(false);
    finishSecond();
    await Promise.all([first, second]);
    expect(committed()).toEqual(['a', 'b']);
  });

  it('a group whose commit fails writes nothing, and every member hears it failed', async () => {
    const file = sqliteFile();
    const store = await openAt(`sqlite:${file}`);
    // A check SQLite makes only at commit: a deferred foreign key to a row that never comes.
    await sql`create table notes (id text primary key, conversation_id text references conversations (id) deferrable initially deferred)`.execute(
      store.db,
    );
    // The committer itself, for a raw insert in the transaction (the store's hands out repositories).
    const together = groupCommitter(store.db);
    const results = await Promise.allSettled([
      together((trx) => trx.insertInto('conversations').values(conversationRow('innocent')).execute()),
      together(async (trx) => {
        await trx.insertInto('conversations').values(conversationRow('dangling')).execute();
        await sql`insert into notes (id, conversation_id) values ('n1', 'no such conversation')`.execute(trx);
      }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(otherConnection(file)()).toEqual([]);
    // And the store goes on working afterwards.
    await store.transaction((trx) => newConversation(trx, 'later'));
    expect(await titles(store)).toEqual(['later']);
  });
});
