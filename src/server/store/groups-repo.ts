import type { Kysely, Selectable } from 'kysely';
import type { Database, GroupsTable } from './schema.js';

export type GroupRow = Selectable<GroupsTable>;

/** One group by id. */
export async function findGroup(db: Kysely<Database>, id: string): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
}
