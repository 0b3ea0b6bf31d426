import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { type AccountContext, now, type Principal } from './account-context.js';
import { randomSecret, sha256 } from './secrets.js';

/** The UTC day usage events are filed under (`YYYY-MM-DD`, as usage/usage-event.ts writes it). */
const today = () => new Date().toISOString().slice(0, 10);

/**
 * A token may not give itself (or a new token) more room than it has: budgets and new tokens are
 * the signed-in user's decisions, made in the web app, not a script's.
 */
function requireSession(principal: Principal, what: string): void {
  if (principal.via === 'token') {
    throw new AppError('forbidden', `An API token cannot ${what}; sign in to the web app to do it.`);
  }
}

export async function createApiToken(
  ctx: AccountContext,
  principal: Principal,
  input: { name: string; dailyTokenBudget?: number | null },
  ip?: string,
) {
  const { userId } = principal;
  // A budgeted token minting an unbudgeted one would step around its budget.
  if (principal.tokenId && (await ctx.repos.tokens.findApiTokenBudget(principal.tokenId))?.budget != null) {
    requireSession(principal, 'create tokens while it has a daily budget');
  }
  if (input.dailyTokenBudget != null) requireSession(principal, 'set a daily budget');
  const token = randomSecret('pk_');
  const row = {
    id: newId(),
    user_id: userId,
    name: input.name.trim(),
    token_hash: sha256(token),
    prefix: token.slice(0, 10),
    created_at: now(),
    last_used_at: null,
    daily_token_budget: input.dailyTokenBudget ?? null,
  };
  await ctx.repos.tokens.insertApiToken(row);
  ctx.audit('token.created', { userId, tokenId: row.id, name: row.name });
  // No detail: the token's id, prefix and name are the user's, not the admins' (see the authorization matrix).
  await ctx.record('token-created', { actorId: userId, targetId: userId, ip });
  return { token, ...tokenDto(row, 0) };
}

export async function listApiTokens(ctx: AccountContext, userId: string) {
  const [rows, used] = await Promise.all([
    ctx.repos.tokens.listApiTokens(userId),
    ctx.repos.tokens.apiTokensUsageOn(userId, today()),
  ]);
  return rows.map((row) => tokenDto(row, used.get(row.id) ?? 0));
}

/** Set or clear (null) a token's daily budget; another user's token is a 404. */
export async function setApiTokenBudget(
  ctx: AccountContext,
  principal: Principal,
  id: string,
  budget: number | null,
) {
  requireSession(principal, 'change a budget');
  const { userId } = principal;
  if (!(await ctx.repos.tokens.setApiTokenBudget(userId, id, budget))) throw notFound('Token');
  const row = await ctx.repos.tokens.findUserApiToken(userId, id);
  if (!row) throw notFound('Token');
  ctx.audit('token.budget_changed', { userId, tokenId: id, dailyTokenBudget: budget });
  return tokenDto(row, await ctx.repos.tokens.apiTokenUsageOn(id, today()));
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

function tokenDto(
  row: {
    id: string;
    name: string;
    prefix: string;
    created_at: string;
    last_used_at: string | null;
    tokens_used?: number | string;
    daily_token_budget?: number | string | null;
  },
  usedToday: number,
) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    // pg returns bigint as a string.
    tokensUsed: Number(row.tokens_used ?? 0),
    dailyTokenBudget: row.daily_token_budget == null ? null : Number(row.daily_token_budget),
    usedToday,
  };
}
