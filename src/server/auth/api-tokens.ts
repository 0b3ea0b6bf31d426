import { notFound } from '../errors.js';
import { newId } from '../ids.js';
import { type AccountContext, now, type Principal } from './account-context.js';
import { randomSecret, sha256 } from './secrets.js';

export async function createApiToken(ctx: AccountContext, userId: string, name: string, ip?: string) {
  const token = randomSecret('pk_');
  const row = {
    id: newId(),
    user_id: userId,
    name: name.trim(),
    token_hash: sha256(token),
    prefix: token.slice(0, 10),
    created_at: now(),
    last_used_at: null,
  };
  await ctx.repos.tokens.insertApiToken(row);
  ctx.audit('token.created', { userId, tokenId: row.id, name: row.name });
  // No detail: the token's id, prefix and name are the user's, not the admins' (see the authorization matrix).
  await ctx.record('token-created', { actorId: userId, targetId: userId, ip });
  return { token, ...tokenDto(row) };
}

export async function listApiTokens(ctx: AccountContext, userId: string) {
  return (await ctx.repos.tokens.listApiTokens(userId)).map(tokenDto);
}

export async function revokeApiToken(
  ctx: AccountContext,
  userId: string,
  id: string,
  ip?: string,
): Promise<void> {
  if (!(await ctx.repos.tokens.deleteApiToken(userId, id))) throw notFound('Token');
  ctx.audit('token.revoked', { userId, tokenId: id });
  await ctx.record('token-revoked', { actorId: userId, targetId: userId, ip });
  await ctx.revoked({ userId, tokenId: id });
}

/** The principal behind an API token; undefined if revoked or the user is disabled. */
export async function fromApiToken(ctx: AccountContext, token: string): Promise<Principal | undefined> {
  const row = await ctx.repos.tokens.findApiTokenByHash(sha256(token));
  if (!row) return undefined;
  const user = await ctx.repos.users.findUser(row.user_id);
  if (!user || user.disabled === 1 || user.pending === 1) return undefined;
  // Recording every use would be a write per request; once a minute is enough to show activity.
  if (!row.last_used_at || Date.now() - Date.parse(row.last_used_at) > 60_000) {
    await ctx.repos.tokens.touchApiToken(row.id, now());
  }
  return { userId: user.id, role: user.role, via: 'token', tokenId: row.id };
}

function tokenDto(row: {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  tokens_used?: number | string;
}) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    // pg returns bigint as a string.
    tokensUsed: Number(row.tokens_used ?? 0),
  };
}
