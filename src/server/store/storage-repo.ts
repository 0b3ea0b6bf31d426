import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/**
 * Per-user stored bytes and the per-user import claim (table user_storage, migration 008).
 *
 * `bytes` is kept by triggers in the same statement as every write to messages and conversations
 * (UTF-8 bytes of message content, titles and system prompts), so reading it is one row however
 * much a user keeps, and no writer has to remember it.
 *
 * The import claim admits one import per user at a time and at most `perWindow` per window, on
 * every instance: it is one conditional upsert (atomic in both dialects). A claim lapses after
 * `claimMs` should its import never release it (its instance died).
 */

/** The user's stored bytes (0 for a user who never wrote anything). */
export async function storedBytes(db: Kysely<Database>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('user_storage')
    .select('bytes')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(row?.bytes ?? 0);
}

export type ImportClaim = { claimed: true; until: string } | { claimed: false; retryAfterMs: number };

export interface ImportLimits {
  /** Longest a claim holds without being released. */
  claimMs: number;
  windowMs: number;
  /** Imports a user may start per window. */
  perWindow: number;
  /** Retry-After for a user whose other import is still running. */
  busyRetryMs: number;
}

/** Claim the user's import slot at `now` if it is free and their window has room. */
export async function claimImport(
  db: Kysely<Database>,
  userId: string,
  now: Date,
  limits: ImportLimits,
): Promise<ImportClaim> {
  const at = now.toISOString();
  const until = new Date(now.getTime() + limits.claimMs).toISOString();
  const windowFloor = new Date(now.getTime() - limits.windowMs).toISOString();
  const newWindow = sql<boolean>`(user_storage.import_window_start is null or user_storage.import_window_start <= ${windowFloor})`;
  const claimed = await db
    .insertInto('user_storage')
    .values({ user_id: userId, import_claimed_until: until, import_window_start: at, import_count: 1 })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({
          import_claimed_until: until,
          import_window_start: sql`case when ${newWindow} then ${at} else user_storage.import_window_start end`,
          import_count: sql`case when ${newWindow} then 1 else user_storage.import_count + 1 end`,
        })
        .where(
          sql<boolean>`(user_storage.import_claimed_until is null or user_storage.import_claimed_until <= ${at})
            and (${newWindow} or user_storage.import_count < ${limits.perWindow})`,
        ),
    )
    .returning('user_id')
    .executeTakeFirst();
  if (claimed) return { claimed: true, until };
  const held = await db
    .selectFrom('user_storage')
    .select(['import_claimed_until', 'import_window_start'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const running = held?.import_claimed_until && held.import_claimed_until > at;
  const windowLeft = held?.import_window_start
    ? Date.parse(held.import_window_start) + limits.windowMs - now.getTime()
    : 0;
  return { claimed: false, retryAfterMs: Math.max(running ? limits.busyRetryMs : windowLeft, 1000) };
}

/** End the claim made until `until` (a lapsed and re-made claim is not this one). */
export async function releaseImport(db: Kysely<Database>, userId: string, until: string): Promise<void> {
  await db
    .updateTable('user_storage')
    .set({ import_claimed_until: null })
    .where('user_id', '=', userId)
    .where('import_claimed_until', '=', until)
    .execute();
}
