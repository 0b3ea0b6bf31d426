/** What the audit log records; the server writes these and the admin console filters on them. */
export const AUDIT_TYPES = [
  'sign-in',
  'sign-in-failed',
  'sign-out',
  'user-approved',
  'role-changed',
  'quota-changed',
  'user-disabled',
  'user-enabled',
  'token-created',
  'token-revoked',
  'invite-created',
  'invite-revoked',
  'password-changed',
  'reset-link-created',
  'oidc-sign-in',
  'group-created',
  'group-updated',
  'group-deleted',
  'group-member-added',
  'group-member-removed',
  'account-deleted',
] as const;

export type AuditType = (typeof AUDIT_TYPES)[number];
