/**
 * The pure rule of what limits a user: their own quota, else their groups' pools, else the
 * server's default; and which models and tools their groups allow. No store here: group-limits.ts
 * reads the facts, this decides (and is unit-tested on its own).
 */

/** Where a window's limit comes from, as GET /api/usage reports it; null: nothing limits it. */
export type QuotaSource = 'user' | 'group' | 'server' | null;

/** One candidate limit for a window and the tokens counted against it. */
export interface QuotaPool {
  /** Tokens allowed; null: unlimited. */
  limit: number | null;
  used: number;
  source: QuotaSource;
  groupName: string | null;
}

export interface GroupQuotaFacts {
  name: string;
  /** The group's quota for this window: null sets nothing, 0 is "no limit" (as for users). */
  quota: number | null;
  /** The tokens its current members used in the window. */
  used: number;
}

export interface WindowFacts {
  /** The user's own quota for the window (null: not set; 0: no limit). */
  own: number | null;
  /** The user's own usage in the window. */
  ownUsed: number;
  /** TOKEN_QUOTA_* (undefined or 0: no default). */
  serverDefault: number | undefined;
  /** The user's groups, by name. */
  groups: GroupQuotaFacts[];
}

const limitOf = (value: number | null | undefined) => (value ? value : null);
const room = (pool: QuotaPool) => (pool.limit === null ? Number.POSITIVE_INFINITY : pool.limit - pool.used);

/**
 * The pools a window is judged by: the user's own quota alone when set; else one per group
 * (its shared quota, or the server default against the user's own usage when it sets none);
 * else the server default.
 */
export function quotaPools(facts: WindowFacts): QuotaPool[] {
  if (facts.own !== null) {
    return [{ limit: limitOf(facts.own), used: facts.ownUsed, source: 'user', groupName: null }];
  }
  const server: QuotaPool = {
    limit: limitOf(facts.serverDefault),
    used: facts.ownUsed,
    source: limitOf(facts.serverDefault) === null ? null : 'server',
    groupName: null,
  };
  if (facts.groups.length === 0) return [server];
  return facts.groups.map((group) =>
    group.quota === null
      ? server
      : { limit: limitOf(group.quota), used: group.used, source: 'group', groupName: group.name },
  );
}

/**
 * The pool that decides: the most generous (the most room left; the first on a tie). A run is
 * admitted when it has room; when it has none, it names what was used up.
 */
export function decidingPool(facts: WindowFacts): QuotaPool {
  const pools = quotaPools(facts);
  let best = pools[0] as QuotaPool;
  for (const pool of pools.slice(1)) if (room(pool) > room(best)) best = pool;
  return best;
}

export const hasRoom = (pool: QuotaPool) => room(pool) > 0;

/**
 * What the user's groups allow of models or tools: null (no restriction) when the user is in no
 * group or any group sets no list; else the union of the groups' lists.
 */
export function allowedByGroups(lists: (readonly string[] | null)[]): Set<string> | null {
  if (lists.length === 0 || lists.some((list) => list === null)) return null;
  return new Set(lists.flatMap((list) => list ?? []));
}
