import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, GroupMemberSource, GroupsTable } from './schema.js';
import { usagePeriods } from './usage-repo.js';

export type GroupRow = Selectable<GroupsTable>;

/** A group's row with the numbers as numbers (pg returns bigint columns as strings). */
export interface Group {
  id: string;
  name: string;
  token_quota_daily: number | null;
  token_quota_monthly: number | null;
  /** Parsed: null = the group sets nothing (every model / every tool the role allows). */
  models: string[] | null;
  tools: string[] | null;
  created_at: string;
}

export interface GroupMember {
  user_id: string;
  username: string;
  display_name: string;
  source: GroupMemberSource;
  created_at: string;
}

function list(value: string | null): string[] | null {
  if (value === null) return null;
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : null;
}

function normalize(row: GroupRow): Group {
  return {
    id: row.id,
    name: row.name,
    token_quota_daily: row.token_quota_daily === null ? null : Number(row.token_quota_daily),
    token_quota_monthly: row.token_quota_monthly === null ? null : Number(row.token_quota_monthly),
    models: list(row.models),
    tools: list(row.tools),
    created_at: row.created_at,
  };
}

/** What a new or changed group stores (lists as JSON; null = the group sets nothing). */
export interface GroupValues {
  name?: string;
  token_quota_daily?: number | null;
  token_quota_monthly?: number | null;
  models?: string[] | null;
  tools?: string[] | null;
}

/** The stored form: lists as JSON text. */
function encode(values: GroupValues) {
  const { models, tools, ...rest } = values;
  return {
    ...rest,
    ...(models !== undefined ? { models: models === null ? null : JSON.stringify(models) } : {}),
    ...(tools !== undefined ? { tools: tools === null ? null : JSON.stringify(tools) } : {}),
  };
}

/** One group by id. */
export async function findGroup(db: Kysely<Database>, id: string): Promise<Group | undefined> {
  const row = await db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
  return row && normalize(row);
}

/** A group whose name matches case-insensitively (names are unique that way). */
export async function findGroupByName(db: Kysely<Database>, name: string): Promise<Group | undefined> {
  const row = await db
    .selectFrom('groups')
    .selectAll()
    .where(sql<boolean>`lower(name) = ${name.toLowerCase()}`)
    .executeTakeFirst();
  return row && normalize(row);
}

/** Groups by name (case-insensitive order), at most `limit`. */
export async function listGroups(db: Kysely<Database>, limit: number): Promise<Group[]> {
  const rows = await db
    .selectFrom('groups')
    .selectAll()
    .orderBy(sql`lower(name)`)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(normalize);
}

export async function insertGroup(
  db: Kysely<Database>,
  row: { id: string; name: string; created_at: string } & GroupValues,
): Promise<void> {
  await db
    .insertInto('groups')
    .values({
      id: row.id,
      name: row.name,
      created_at: row.created_at,
      token_quota_daily: row.token_quota_daily ?? null,
      token_quota_monthly: row.token_quota_monthly ?? null,
      models: row.models ? JSON.stringify(row.models) : null,
      tools: row.tools ? JSON.stringify(row.tools) : null,
    })
    .execute();
}

export async function updateGroup(db: Kysely<Database>, id: string, values: GroupValues): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('groups').set(encode(values)).where('id', '=', id).execute();
}

/** Deletes the group and (cascade, and explicitly for SQLite without foreign keys) its memberships. */
export async function deleteGroup(db: Kysely<Database>, id: string): Promise<boolean> {
  await db.deleteFrom('group_members').where('group_id', '=', id).execute();
  const result = await db.deleteFrom('groups').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Members per group (for the list), for the given groups. */
export async function memberCounts(db: Kysely<Database>, groupIds: string[]): Promise<Map<string, number>> {
  if (groupIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('group_members')
    .select(['group_id', sql<string>`count(*)`.as('n')])
    .where('group_id', 'in', groupIds)
    .groupBy('group_id')
    .execute();
  return new Map(rows.map((row) => [row.group_id, Number(row.n)]));
}

/**
 * The tokens each group's CURRENT members used in the UTC day and month of `at` (the quota
 * counters): a group's quota is shared by its members.
 */
export async function groupTokenUsage(
  db: Kysely<Database>,
  groupIds: string[],
  at: Date,
): Promise<Map<string, { day: number; month: number }>> {
  const usage = new Map(groupIds.map((id) => [id, { day: 0, month: 0 }]));
  if (groupIds.length === 0) return usage;
  const { day, month } = usagePeriods(at);
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('token_usage', 'token_usage.user_id', 'group_members.user_id')
    .select([
      'group_members.group_id',
      'token_usage.period',
      sql<string>`sum(token_usage.tokens)`.as('tokens'),
    ])
    .where('group_members.group_id', 'in', groupIds)
    .where('token_usage.period', 'in', [day, month])
    .groupBy(['group_members.group_id', 'token_usage.period'])
    .execute();
  for (const row of rows) {
    const entry = usage.get(row.group_id);
    if (!entry) continue;
    if (row.period === day) entry.day = Number(row.tokens);
    else entry.month = Number(row.tokens);
  }
  return usage;
}

/** A group's members by username, at most `limit`. */
export async function listMembers(
  db: Kysely<Database>,
  groupId: string,
  limit: number,
): Promise<GroupMember[]> {
  return db
    .selectFrom('group_members')
    .innerJoin('users', 'users.id', 'group_members.user_id')
    .select([
      'group_members.user_id',
      'users.username',
      'users.display_name',
      'group_members.source',
      'group_members.created_at',
    ])
    .where('group_members.group_id', '=', groupId)
    .orderBy('users.username')
    .limit(limit)
    .execute();
}

export async function findMembership(
  db: Kysely<Database>,
  groupId: string,
  userId: string,
): Promise<{ source: GroupMemberSource } | undefined> {
  return db
    .selectFrom('group_members')
    .select('source')
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/**
 * Make the user a member with `source` (idempotent). An admin's membership replaces one from the
 * provider's claim, so the next sign-in no longer removes it; a claim never downgrades an admin's.
 * Returns whether a membership was created.
 */
export async function upsertMembership(
  db: Kysely<Database>,
  groupId: string,
  userId: string,
  source: GroupMemberSource,
  at: string,
): Promise<boolean> {
  const result = await db
    .insertInto('group_members')
    .values({ group_id: groupId, user_id: userId, source, created_at: at })
    .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return true;
  if (source === 'admin') {
    await db
      .updateTable('group_members')
      .set({ source: 'admin' })
      .where('group_id', '=', groupId)
      .where('user_id', '=', userId)
      .execute();
  }
  return false;
}

export async function deleteMembership(
  db: Kysely<Database>,
  groupId: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('group_members')
    .where('group_id', '=', groupId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The groups a user is in, by name, with how they got there. */
export async function groupsOfUser(
  db: Kysely<Database>,
  userId: string,
): Promise<(Group & { source: GroupMemberSource })[]> {
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.id', 'group_members.group_id')
    .selectAll('groups')
    .select('group_members.source')
    .where('group_members.user_id', '=', userId)
    .orderBy(sql`lower(groups.name)`)
    .execute();
  return rows.map((row) => ({ ...normalize(row), source: row.source }));
}

/** The groups of many users (the admin's user list): user id → {id, name}[] by name. */
export async function groupsOfUsers(
  db: Kysely<Database>,
  userIds: string[],
): Promise<Map<string, { id: string; name: string }[]>> {
  const result = new Map<string, { id: string; name: string }[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return result;
  const rows = await db
    .selectFrom('group_members')
    .innerJoin('groups', 'groups.id', 'group_members.group_id')
    .select(['group_members.user_id', 'groups.id', 'groups.name'])
    .where('group_members.user_id', 'in', userIds)
    .orderBy(sql`lower(groups.name)`)
    .execute();
  for (const row of rows) result.get(row.user_id)?.push({ id: row.id, name: row.name });
  return result;
}
