import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Kept in the database (hashed) so any instance accepts the code another instance printed. */
export async function insertSetupCode(
  db: Kysely<Database>,
  row: { code_hash: string; created_at: string; expires_at: string },
): Promise<void> {
  await db.insertInto('setup_codes').values(row).execute();
}

export async function findSetupCode(db: Kysely<Database>, codeHash: string, now: string): Promise<boolean> {
  const row = await db
    .selectFrom('setup_codes')
    .select('code_hash')
    .where('code_hash', '=', codeHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/** Use up a setup code (one statement: of two parallel uses exactly one succeeds). */
export async function claimSetupCode(db: Kysely<Database>, codeHash: string, now: string): Promise<boolean> {
  const result = await db
    .deleteFrom('setup_codes')
    .where('code_hash', '=', codeHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Once there is an admin no setup code may work; expired ones go too. */
export async function deleteSetupCodes(db: Kysely<Database>, expiredBefore?: string): Promise<number> {
  let query = db.deleteFrom('setup_codes');
  if (expiredBefore !== undefined) query = query.where('expires_at', '<=', expiredBefore);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}
