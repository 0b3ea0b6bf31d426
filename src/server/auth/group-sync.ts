import type { Repositories } from '../store/repositories.js';
import { MAX_GROUPS } from './groups-service.js';

/**
 * Memberships from the OpenID provider's groups claim (OIDC_GROUPS_CLAIM), kept in step at each
 * sign-in: claim values name existing Parley groups (case-insensitively; groups are never created
 * here); the user gets an `oidc` membership of each named group and loses the `oidc` memberships
 * the claim no longer names. Memberships an admin made are never touched.
 */
export async function syncClaimedGroups(
  repos: Pick<Repositories, 'groups'>,
  userId: string,
  claim: readonly string[],
  at: string,
): Promise<{ added: { id: string; name: string }[]; removed: { id: string; name: string }[] }> {
  const named = new Set(claim.map((value) => value.trim().toLowerCase()));
  const [groups, current] = await Promise.all([
    repos.groups.listGroups(MAX_GROUPS),
    repos.groups.groupsOfUser(userId),
  ]);
  const wanted = groups.filter((group) => named.has(group.name.toLowerCase()));
  const wantedIds = new Set(wanted.map((group) => group.id));
  const currentIds = new Set(current.map((group) => group.id));
  const added: { id: string; name: string }[] = [];
  const removed: { id: string; name: string }[] = [];
  for (const group of wanted) {
    if (currentIds.has(group.id)) continue;
    if (await repos.groups.upsertMembership(group.id, userId, 'oidc', at)) {
      added.push({ id: group.id, name: group.name });
    }
  }
  for (const group of current) {
    if (group.source !== 'oidc' || wantedIds.has(group.id)) continue;
    if (await repos.groups.deleteMembership(group.id, userId))
      removed.push({ id: group.id, name: group.name });
  }
  return { added, removed };
}
