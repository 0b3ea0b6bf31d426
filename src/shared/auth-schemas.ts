import { Type } from 'typebox';

/** Request and response shapes of accounts, tokens and the admin API. */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const Username = Type.String({ minLength: 3, maxLength: 40, pattern: '^[A-Za-z0-9_.-]+$' });
export const Password = Type.String({ minLength: 8, maxLength: 200 });

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('user')]),
  disabled: Type.Boolean(),
  /** Waiting for an admin's approval (SIGNUP=approval): cannot sign in yet. */
  pending: Type.Boolean(),
  createdAt: Type.String(),
  tokenQuotaDaily: Nullable(Type.Integer()),
  tokenQuotaMonthly: Nullable(Type.Integer()),
});

export const SignupBody = Type.Object(
  {
    username: Username,
    password: Password,
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    inviteCode: Type.Optional(Type.String({ maxLength: 200 })),
    /** The one-time code from the server log: needed by the first account on a public address. */
    setupCode: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 200 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const SessionResponse = Type.Object({ user: User, csrfToken: Type.String() });

/** SIGNUP=approval: the account exists but has no session until an admin approves it. */
export const PendingSignupResponse = Type.Object({
  user: User,
  status: Type.Literal('pending'),
  message: Type.String(),
});

export const PasswordChangeBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 200 }),
    newPassword: Password,
  },
  { additionalProperties: false },
);

export const PasswordResetBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    newPassword: Password,
  },
  { additionalProperties: false },
);

export const SessionInfo = Type.Object({
  /** Tells sessions apart; not the cookie (and not usable as one). */
  id: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  lastSeenAt: Nullable(Type.String()),
  userAgent: Nullable(Type.String()),
  /** The session this request came with. */
  current: Type.Boolean(),
});

export const SessionList = Type.Object({ items: Type.Array(SessionInfo) });

export const ResetLink = Type.Object({ url: Type.String(), expiresAt: Type.String() });

export const MeResponse = Type.Object({
  user: User,
  /** Send as x-csrf-token with cookie-authenticated writes; null when not signed in by cookie. */
  csrfToken: Nullable(Type.String()),
  authMode: Type.Union([Type.Literal('local'), Type.Literal('none')]),
  via: Type.String(),
  /** The account has a password (false: single sign-on only, or a built-in user): what deleting it asks for. */
  hasPassword: Type.Optional(Type.Boolean()),
});

export const ApiToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Nullable(Type.String()),
  /** Tokens (input + output) spent through this API token. */
  tokensUsed: Type.Integer(),
  /** At most this many tokens a UTC day through this token; null: only the account's limits. */
  dailyTokenBudget: Nullable(Type.Integer()),
  /** Tokens spent through this token today (UTC). */
  usedToday: Type.Integer(),
});

export const CreatedApiToken = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Nullable(Type.String()),
  tokensUsed: Type.Integer(),
  dailyTokenBudget: Nullable(Type.Integer()),
  usedToday: Type.Integer(),
  /** Shown once: only its hash is stored. */
  token: Type.String(),
});

/** A token's daily budget in tokens; null clears it. */
const DailyTokenBudget = Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 }));

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    dailyTokenBudget: Type.Optional(DailyTokenBudget),
  },
  { additionalProperties: false },
);

export const TokenPatchBody = Type.Object(
  { dailyTokenBudget: DailyTokenBudget },
  { additionalProperties: false },
);

// ---- Account self-service: profile and deletion ----

export const ProfilePatchBody = Type.Object(
  { displayName: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);

export const ProfileResponse = Type.Object({ user: User });

/** `password` for an account that has one; `confirm` (the username, typed) for a single sign-on account. */
export const DeleteAccountBody = Type.Object(
  {
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    confirm: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** A user as the admin sees them: the account plus this day's and month's token usage. */
export const AdminUser = Type.Object({
  ...User.properties,
  usage: Type.Object({ day: Type.Integer(), month: Type.Integer() }),
  /** The groups the user is in, by name. */
  groups: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
});

export const AdminUserPage = Type.Object({
  items: Type.Array(AdminUser),
  nextCursor: Nullable(Type.String()),
});

export const AdminUserPatch = Type.Object(
  {
    disabled: Type.Optional(Type.Boolean()),
    /** true approves a pending account (SIGNUP=approval); false sends it back to pending. */
    approved: Type.Optional(Type.Boolean()),
    role: Type.Optional(Type.Union([Type.Literal('admin'), Type.Literal('user')])),
    tokenQuotaDaily: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    tokenQuotaMonthly: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  },
  { additionalProperties: false, minProperties: 1 },
);

const InviteRole = Type.Union([Type.Literal('user'), Type.Literal('admin')]);

/** A new invite: its code is shown this once (only its hash is stored). */
export const Invite = Type.Object({
  id: Type.String(),
  code: Type.String(),
  role: InviteRole,
  expiresAt: Type.String(),
});

// ---- Admin console: invites, user search, models, audit log (issue 17) ----

export const CreateInviteBody = Type.Object(
  {
    role: Type.Optional(InviteRole),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
  },
  { additionalProperties: false },
);

export const InviteInfo = Type.Object({
  id: Type.String(),
  role: InviteRole,
  createdAt: Type.String(),
  expiresAt: Type.String(),
  usedAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  createdBy: Type.String(),
});

export const InviteList = Type.Object({ items: Type.Array(InviteInfo) });

export const AdminUsersQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  /** A part of the username or display name (case-insensitive). */
  q: Type.Optional(Type.String({ maxLength: 100 })),
});

export const AdminModel = Type.Object({
  id: Type.String(),
  name: Type.String(),
  provider: Type.String(),
  available: Type.Boolean(),
  breaker: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')]),
  retryInMs: Nullable(Type.Integer()),
  /** The last 15 minutes on this instance. */
  recent: Type.Object({
    requests: Type.Integer(),
    errors: Type.Integer(),
    errorRate: Nullable(Type.Number()),
    ttftMsP50: Nullable(Type.Integer()),
  }),
});

export const AdminModelList = Type.Object({ models: Type.Array(AdminModel) });

export const AuditQuery = Type.Object({
  type: Type.Optional(Type.String({ maxLength: 40 })),
  /** Entries where this user is the actor or the target. */
  userId: Type.Optional(Type.String({ maxLength: 64 })),
  /** The `nextCursor` of the previous page. */
  before: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});

export const AuditEvent = Type.Object({
  id: Type.String(),
  at: Type.String(),
  type: Type.String(),
  actorId: Nullable(Type.String()),
  actorName: Nullable(Type.String()),
  targetId: Nullable(Type.String()),
  targetName: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

export const AuditPage = Type.Object({ items: Type.Array(AuditEvent), nextCursor: Nullable(Type.String()) });
