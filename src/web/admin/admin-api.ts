import type { Static } from 'typebox';
import type {
  AuditEvent as AuditEventSchema,
  AuditPage as AuditPageSchema,
} from '../../shared/auth-schemas.js';
import type { GroupMember as GroupMemberSchema, Group as GroupSchema } from '../../shared/group-schemas.js';
import { ApiError, request } from '../api.js';

/**
 * The admin console's own API calls (the console is a separate chunk, so these stay out of the
 * chat bundle). Shapes follow the issue 17 contract; a route this server does not have yet answers
 * 404, which the console shows as "not available".
 */

export type Breaker = 'closed' | 'open' | 'half-open';

export interface AdminModel {
  id: string;
  name: string;
  provider: string;
  available: boolean;
  breaker: Breaker;
  retryInMs: number | null;
  recent: { requests: number; errors: number; errorRate: number | null; ttftMsP50: number | null };
}

export interface AdminInvite {
  id: string;
  role: 'user' | 'admin';
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  revokedAt: string | null;
  createdBy: string;
}

/** An invite as created: its code is shown this once. */
export interface CreatedInvite {
  id?: string;
  code: string;
  role?: 'user' | 'admin';
  expiresAt: string;
}

export interface UsageRow {
  day?: string;
  model?: string;
  userId?: string;
  username?: string | null;
  groupId?: string;
  groupName?: string;
  inputTokens: number;
  outputTokens: number;
  requests: number;
  costUsd: number | null;
}

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  requests: number;
  costUsd: number | null;
}

export interface UsageReport {
  from: string;
  to: string;
  groupBy: string[];
  rows: UsageRow[];
  totals: UsageTotals;
}

/** A group of users (`GET /api/admin/groups`): shared quotas, allowed models and tools (null: none set). */
export type AdminGroup = Static<typeof GroupSchema>;

/** The body of a create (every field) or an edit (any of them). */
export interface GroupInput {
  name: string;
  tokenQuotaDaily: number | null;
  tokenQuotaMonthly: number | null;
  models: string[] | null;
  tools: string[] | null;
}

/** A member; `source` `oidc`: from the SSO groups claim (the next sign-in may change it), `admin`: added here. */
export type GroupMember = Static<typeof GroupMemberSchema>;

/** The audit log's shapes, from the server's own schemas (src/shared/auth-schemas.ts). */
export type AuditEvent = Static<typeof AuditEventSchema>;
export type AuditPage = Static<typeof AuditPageSchema>;

export { AUDIT_TYPES } from '../../shared/audit-types.js';

export interface UsageQuery {
  from: string;
  to: string;
  groupBy: string;
}

const enc = encodeURIComponent;

/** `?from&to&groupBy[&format=csv]`: the same query for the JSON the chart reads and the CSV link. */
export function usageUrl(query: UsageQuery, format?: 'csv'): string {
  const params = new URLSearchParams({ from: query.from, to: query.to, groupBy: query.groupBy });
  if (format) params.set('format', format);
  return `/api/admin/usage?${params.toString()}`;
}

export function auditUrl(filter: {
  type?: string;
  userId?: string;
  before?: string;
  limit?: number;
}): string {
  const params = new URLSearchParams();
  if (filter.type) params.set('type', filter.type);
  if (filter.userId) params.set('userId', filter.userId);
  if (filter.before) params.set('before', filter.before);
  params.set('limit', String(filter.limit ?? 50));
  return `/api/admin/audit?${params.toString()}`;
}

export const adminApi = {
  models: () => request<{ models: AdminModel[] }>('GET', '/api/admin/models'),
  invites: () => request<{ items: AdminInvite[] }>('GET', '/api/admin/invites'),
  createInvite: (body: { role: 'user' | 'admin'; expiresInDays: number }) =>
    request<CreatedInvite>('POST', '/api/admin/invites', body),
  revokeInvite: (id: string) => request<void>('DELETE', `/api/admin/invites/${enc(id)}`),
  usage: (query: UsageQuery) => request<UsageReport>('GET', usageUrl(query)),
  audit: (filter: { type?: string; userId?: string; before?: string }) =>
    request<AuditPage>('GET', auditUrl(filter)),
  groups: () => request<{ items: AdminGroup[] }>('GET', '/api/admin/groups'),
  createGroup: (body: GroupInput) => request<AdminGroup>('POST', '/api/admin/groups', body),
  updateGroup: (id: string, body: Partial<GroupInput>) =>
    request<AdminGroup>('PATCH', `/api/admin/groups/${enc(id)}`, body),
  deleteGroup: (id: string) => request<void>('DELETE', `/api/admin/groups/${enc(id)}`),
  groupMembers: (id: string) =>
    request<{ items: GroupMember[] }>('GET', `/api/admin/groups/${enc(id)}/members`),
  addGroupMember: (id: string, userId: string) =>
    request<void>('PUT', `/api/admin/groups/${enc(id)}/members/${enc(userId)}`),
  removeGroupMember: (id: string, userId: string) =>
    request<void>('DELETE', `/api/admin/groups/${enc(id)}/members/${enc(userId)}`),
};

/** The groups an account is in, as the admin user list gives them (none on a server without groups). */
export const groupsOf = (user: object): { id: string; name: string }[] =>
  (user as { groups?: { id: string; name: string }[] }).groups ?? [];

/** A route this server does not have (yet): a 404 that is not about a missing object. */
export const isUnavailable = (error: unknown) => error instanceof ApiError && error.status === 404;
