import type { Kysely } from 'kysely';
import type { Database, NewRun, RunRow, RunStatus } from './schema.js';

export async function insertRun(db: Kysely<Database>, row: NewRun): Promise<void> {
  await db.insertInto('runs').values(row).execute();
}

export async function finishRun(
  db: Kysely<Database>,
  id: string,
  status: RunStatus,
  lastSeq: number,
  now: string,
): Promise<void> {
  await db
    .updateTable('runs')
    .set({ status, last_seq: lastSeq, finished_at: now })
    .where('id', '=', id)
    .execute();
}

export async function findRun(db: Kysely<Database>, userId: string, id: string): Promise<RunRow | undefined> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The conversation's most recent run, running or not. */
export async function latestRun(db: Kysely<Database>, conversationId: string): Promise<RunRow | undefined> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function interruptRunningRuns(db: Kysely<Database>, now: string): Promise<number> {
  const result = await db
    .updateTable('runs')
    .set({ status: 'interrupted', finished_at: now })
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Runs of a conversation still marked running, on any instance. */
export async function runningRuns(db: Kysely<Database>, conversationId: string): Promise<RunRow[]> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('status', '=', 'running')
    .execute();
}
