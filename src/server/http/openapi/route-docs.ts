import { Type } from 'typebox';
import { ErrorSchema } from '../../../shared/api-schemas.js';
import * as ex from './examples.js';

/**
 * What the route schemas cannot say, per operation (`METHOD /url pattern`): a summary, examples,
 * and the responses a route writes itself (HTML, SSE, files, the seed routes' hand-made bodies).
 * Merged into the OpenAPI document only; Fastify never validates or serializes with it. The
 * OpenAPI test fails for a running route without an entry here, and for an example that does not
 * match its schema.
 */

export interface MediaDoc {
  schema: object;
  example: unknown;
}

export interface RouteDoc {
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Request body example (checked against the route's body schema, or `bodySchema`). */
  body?: unknown;
  /** For routes that parse their own body (the seed route). */
  bodySchema?: object;
  /** JSON response examples by status (checked against the route's response schemas, or `schemas`). */
  responses?: Record<number, unknown>;
  /** Response schemas for routes that declare none. */
  schemas?: Record<number, object>;
  /** Non-JSON responses (HTML, SSE, text, files) by status and content type, besides any JSON one. */
  content?: Record<number, Record<string, MediaDoc>>;
  descriptions?: Record<number, string>;
}

export const TAGS = [
  { name: 'Seed', description: 'The original Flask chat app’s contract, kept exactly.' },
  { name: 'Auth', description: 'Accounts and sessions.' },
  { name: 'Tokens', description: 'API tokens for scripts and OpenAI clients.' },
  { name: 'Admin', description: 'Accounts, roles, quotas and invites (admins only).' },
  { name: 'Conversations', description: 'Conversations and their messages.' },
  { name: 'Runs', description: 'Replies as server-side runs: start, watch (SSE), resume, stop.' },
  { name: 'Events', description: 'The user’s live events (SSE).' },
  { name: 'Search', description: 'Full-text search over the caller’s conversations.' },
  { name: 'Export', description: 'Export and import of conversations.' },
  { name: 'Files', description: 'Attachments: upload, read, preview, delete; a message names them.' },
  { name: 'Shares', description: 'Read-only share links of a conversation’s current branch (`/s/<id>`).' },
  { name: 'Tools', description: 'Tools from the operator’s MCP servers (MCP_FILE).' },
  { name: 'Usage', description: 'Tokens and cost per day, model and user; quota standing.' },
  { name: 'Models', description: 'Configured models.' },
  { name: 'OpenAI', description: 'OpenAI-compatible API (API tokens only).' },
  { name: 'Operations', description: 'Health, readiness, metrics and this contract.' },
];

const text = Type.String();
const sse = (example: string): Record<string, MediaDoc> => ({
  'text/event-stream': {
    schema: Type.String({
      description: 'Server-sent events: `id:` lines and one JSON object per `data:` line',
    }),
    example,
  },
});
const SeedError = Type.Object({ error: Type.String() });
const WEB_SHELL =
  '<!doctype html><html lang="en"><head>…<script type="module" src="/assets/index-3f9a1c.js"></script>…';

/** The single-page app's client routes all answer with its HTML shell. */
function webShell(operationId: string, summary: string): RouteDoc {
  return {
    operationId,
    summary,
    tag: 'Seed',
    content: { 200: { 'text/html': { schema: text, example: WEB_SHELL } } },
    schemas: { 304: Type.Null() },
    descriptions: { 304: 'Not modified (If-None-Match matched the ETag)' },
  };
}
const SHARE_EXAMPLE = {
  id: 'q2VfR8kLx0bT4mZs9PjW1cYa',
  url: '/s/q2VfR8kLx0bT4mZs9PjW1cYa',
  visibility: 'public',
  title: 'Explain server-sent events',
  createdAt: '2026-05-04T09:31:00.000Z',
  messageCount: 2,
};
const SeedErrorWithCode = Type.Object({ error: Type.String(), code: Type.String() });

const RUN_STREAM_NOTE =
  'With `Accept: text/event-stream` the answer is the run’s SSE stream (AI SDK UI message stream ' +
  'protocol, header `x-vercel-ai-ui-message-stream: v1`; every event has `id: <sequence>`; a normal end ' +
  'is `data: [DONE]`); otherwise `202` with the ids to follow it.';

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  // ---- Seed contract ------------------------------------------------------------------------------
  'GET /': webShell('webApp', 'The web UI (the seed’s `GET /`)'),
  'GET /c/:id': webShell('webAppConversation', 'The web UI, opened on a conversation'),
  'GET /settings': webShell('webAppSettings', 'The web UI, settings page'),
  'GET /admin': webShell(
    'webAppAdmin',
    'The web UI, admin console (the page checks the role; its data routes are admin only)',
  ),
  'GET /admin/*': webShell('webAppAdminSection', 'The web UI, a section of the admin console'),
  'GET /login': webShell('webAppLogin', 'The web UI, sign-in page'),
  'GET /signup': webShell('webAppSignup', 'The web UI, sign-up page'),
  'GET /reset': webShell('webAppReset', 'The web UI, password reset page (from an admin’s reset link)'),
  'GET /s/:id': webShell(
    'webAppShare',
    'The web UI, a shared conversation (read-only; readable signed out when public)',
  ),
  'GET /assets/*': {
    operationId: 'webAsset',
    summary: 'A built file of the web UI (hashed names, cached for a year)',
    tag: 'Seed',
    content: {
      200: {
        'text/javascript': { schema: text, example: 'import{r as e}from"./react-3f9a1c.js";…' },
        'text/css': { schema: text, example: ':root{color-scheme:light dark}…' },
      },
    },
    schemas: { 404: ErrorSchema },
    responses: { 404: ex.error('not_found', 'No such file.') },
  },
  'GET /favicon.svg': {
    operationId: 'favicon',
    summary: 'The web UI’s icon',
    tag: 'Seed',
    content: {
      200: { 'image/svg+xml': { schema: text, example: '<svg xmlns="http://www.w3.org/2000/svg" …</svg>' } },
    },
  },
  'POST /chat/message': {
    operationId: 'seedSendMessage',
    summary: 'Send a message to your default conversation; answers when the reply is complete',
    description:
      'Needs a session or API token (401 otherwise), except with `AUTH_MODE=none`, or with ' +
      '`GUEST_ACCESS=on`, where each anonymous browser gets its own guest (a `parley_guest` cookie) ' +
      'limited to `GUEST_MODELS`, its own rate limit and daily token quota. The body must be JSON ' +
      '(`application/json`): anything that is not a JSON object with a string `message` → ' +
      '`Invalid request format`.',
    tag: 'Seed',
    bodySchema: Type.Object({ message: Type.String({ maxLength: 100_000 }) }),
    body: { message: 'Hello, AI!' },
    schemas: {
      200: Type.Object({
        status: Type.Literal('success'),
        response: Type.String(),
        conversationId: Type.String(),
        messageId: Type.String(),
      }),
      400: SeedError,
      401: ErrorSchema,
      413: SeedErrorWithCode,
      429: ErrorSchema,
      502: SeedErrorWithCode,
    },
    responses: {
      401: ex.error('unauthorized', 'Sign in first (or send an API token as Authorization: Bearer ...).'),
      429: ex.error(
        'quota_exceeded',
        'You have used your 20000 tokens for today; the quota resets at 00:00 UTC.',
      ),
      200: {
        status: 'success',
        response: 'Hi there! …',
        conversationId: ex.ids.CONVERSATION_ID,
        messageId: ex.ids.REPLY_ID,
      },
      400: { error: 'Message cannot be empty' },
      413: { error: 'Message is too long (at most 100000 characters)', code: 'payload_too_large' },
      502: { error: 'The model failed to answer', code: 'model_error' },
    },
    descriptions: {
      400: '`Invalid request format` (no JSON object with a string `message`) or `Message cannot be empty`',
      502: 'The model failed',
    },
  },
  'GET /chat/history': {
    operationId: 'seedHistory',
    summary: 'The last MAX_MESSAGES messages of your default conversation, oldest first',
    tag: 'Seed',
    schemas: {
      200: Type.Array(
        Type.Object({
          user: Type.Union([Type.Literal('User'), Type.Literal('AI')]),
          message: Type.String(),
          timestamp: Type.String({ format: 'date-time' }),
        }),
      ),
    },
    responses: {
      200: [
        { user: 'User', message: 'Hello, AI!', timestamp: '2026-05-04T09:30:12.345Z' },
        { user: 'AI', message: 'Hi there! …', timestamp: '2026-05-04T09:30:12.346Z' },
      ],
    },
  },

  // ---- Accounts -------------------------------------------------------------------------------------
  'POST /api/auth/signup': {
    operationId: 'signup',
    summary: 'Create an account and sign in (the first account is the admin)',
    description:
      'Sets the `parley_session` cookie. On a public address the first account needs the one-time ' +
      '`setupCode` from the server log. After the first account, SIGNUP decides: approval (202, no ' +
      'session until an admin approves), open, invite or closed.',
    tag: 'Auth',
    body: { username: 'alice', password: 'correct horse battery', displayName: 'Alice' },
    responses: {
      201: { user: ex.user, csrfToken: 'k1Zb4mE9qT0vX2sR7yN5wA' },
      202: {
        user: { ...ex.user, role: 'user', pending: true },
        status: 'pending',
        message: 'Your account was created and is waiting for an admin to approve it; sign in after that.',
      },
      403: ex.error(
        'setup_required',
        'This server has no admin yet: enter the one-time setup code that the server printed in its log (API field setupCode).',
      ),
      409: ex.error('conflict', 'That username is taken.'),
    },
  },
  'POST /api/auth/login': {
    operationId: 'login',
    summary: 'Sign in',
    description:
      'Sets the `parley_session` cookie. Repeated failures are throttled (429 with Retry-After). A ' +
      'disabled or not yet approved account is named (403) only after its right password.',
    tag: 'Auth',
    body: { username: 'alice', password: 'correct horse battery' },
    responses: {
      200: { user: ex.user, csrfToken: 'k1Zb4mE9qT0vX2sR7yN5wA' },
      401: ex.error('invalid_credentials', 'Wrong username or password.'),
      403: ex.error('account_disabled', 'This account is disabled; ask an admin.'),
    },
  },
  'POST /api/auth/logout': {
    operationId: 'logout',
    summary: 'Sign out (the session ends at once)',
    description:
      'A session from single sign-on, at a provider with RP-initiated logout (end_session_endpoint): ' +
      '200 with the URL to send the browser to, to end the provider session too. Otherwise 204.',
    tag: 'Auth',
    responses: {
      200: {
        endSessionUrl:
          'https://id.example.com/realms/acme/protocol/openid-connect/logout?client_id=parley&post_logout_redirect_uri=https%3A%2F%2Fchat.example.com%2F',
      },
      401: ex.error('unauthorized', 'Sign in first (or send an API token as Authorization: Bearer ...).'),
    },
  },
  'POST /api/auth/password': {
    operationId: 'changePassword',
    summary: 'Change your password (your other sessions end)',
    description: 'Needs the current password; throttled like sign-in. API tokens keep working.',
    tag: 'Auth',
    body: { currentPassword: 'correct horse battery', newPassword: 'a new long passphrase' },
    responses: { 403: ex.error('forbidden', 'The current password is wrong.') },
  },
  'GET /api/auth/sessions': {
    operationId: 'listSessions',
    summary: 'Your signed-in sessions, newest first',
    tag: 'Auth',
    responses: {
      200: {
        items: [
          {
            id: '9f2c41d07be3a6c8',
            createdAt: '2026-05-01T08:00:00.000Z',
            expiresAt: '2026-05-31T08:00:00.000Z',
            lastSeenAt: '2026-05-04T09:30:12.345Z',
            userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/135.0',
            current: true,
          },
        ],
      },
    },
  },
  'DELETE /api/auth/sessions': {
    operationId: 'endAllSessions',
    summary: 'Sign out everywhere (this session too; API tokens stay)',
    tag: 'Auth',
    responses: {
      401: ex.error('unauthorized', 'Sign in first (or send an API token as Authorization: Bearer ...).'),
    },
  },
  'POST /api/auth/reset': {
    operationId: 'resetPassword',
    summary: 'Set a new password with an admin’s one-time reset link (every session of the user ends)',
    tag: 'Auth',
    body: { token: 'rst_Yp3Kq8vX2mR7sT4wZ6bN1cD5eF0gH9jL', newPassword: 'a new long passphrase' },
    responses: {
      400: ex.error(
        'bad_request',
        'This reset link is not valid: it was used, replaced or has expired. Ask an admin for a new one.',
      ),
    },
  },
  'GET /api/auth/providers': {
    operationId: 'authProviders',
    summary: 'How to sign in: single sign-on, and whether the password form is offered (public)',
    description:
      '`signup` is the SIGNUP setting (the page offers no "Create one" when `closed`); `firstAccount` is ' +
      'true while the install has no account (the next sign-up creates the admin), `setupCodeRequired` ' +
      'when that sign-up needs the one-time setup code from the server log.',
    tag: 'Auth',
    responses: {
      200: {
        oidc: { enabled: true, label: 'Acme SSO' },
        localSignIn: false,
        localSignUp: false,
        signup: 'closed',
        firstAccount: false,
        setupCodeRequired: false,
      },
    },
  },
  'GET /api/auth/oidc/login': {
    operationId: 'oidcLogin',
    summary: 'Start single sign-on: 302 to the OpenID provider (public)',
    description:
      'Authorization code flow with PKCE (S256), state and nonce; they are kept for 10 minutes in the ' +
      'signed, HTTP-only `parley_oidc` cookie (path /api/auth/oidc). `returnTo`: a path on this site ' +
      'to land on afterwards (anything else means `/`). 404 when OIDC_ISSUER is not set.',
    tag: 'Auth',
    descriptions: { 302: 'To the provider’s authorization endpoint.' },
    responses: {
      404: ex.error('not_found', 'Single sign-on is not configured on this server (OIDC_ISSUER).'),
      503: ex.error('unavailable', 'The single sign-on provider cannot be reached; try again in a moment.'),
    },
  },
  'GET /api/auth/oidc/callback': {
    operationId: 'oidcCallback',
    summary: 'Where the provider sends the browser back: signs in, 302 to the app (public)',
    description:
      'Checks state, exchanges the code with the PKCE verifier, verifies the ID token (signature, issuer, ' +
      'audience, nonce), links the account by issuer + subject (never by email), sets the `parley_session` ' +
      'cookie and redirects to `/` (or `returnTo`). Works once. On failure: 302 to ' +
      '`/login?ssoError=<sso_expired|sso_failed|sso_cancelled|account_disabled|account_pending|signup_closed|provider_unavailable>`, no session.',
    tag: 'Auth',
    descriptions: { 302: 'To the app (signed in), or to /login?ssoError=... (refused).' },
    responses: {
      404: ex.error('not_found', 'Single sign-on is not configured on this server (OIDC_ISSUER).'),
    },
  },
  'GET /api/auth/me': {
    operationId: 'me',
    summary: 'Who you are, and the CSRF token of your session',
    tag: 'Auth',
    responses: {
      200: {
        user: ex.user,
        csrfToken: 'k1Zb4mE9qT0vX2sR7yN5wA',
        authMode: 'local',
        via: 'session',
        hasPassword: true,
      },
    },
  },
  'PATCH /api/auth/me': {
    operationId: 'updateProfile',
    summary: 'Change your display name',
    tag: 'Auth',
    body: { displayName: 'Alice Liddell' },
    responses: {
      200: { user: { ...ex.user, displayName: 'Alice Liddell' } },
      403: ex.error('forbidden', 'This built-in user has no profile to change.'),
    },
  },
  'DELETE /api/auth/me': {
    operationId: 'deleteAccount',
    summary: 'Delete your account and everything in it (conversations, files, tokens, sessions)',
    description:
      'Send `password` (accounts with one) or `confirm` with your username (single sign-on accounts). ' +
      'Every session and token ends and open streams close; the session cookie is cleared. ' +
      'Needs a signed-in session (an API token gets 403). The last admin gets 409.',
    tag: 'Auth',
    body: { password: 'correct horse battery' },
    responses: {
      401: ex.error('invalid_credentials', 'The password is wrong; nothing was deleted.'),
      403: ex.error('forbidden', 'An API token cannot delete its account; sign in to the web app.'),
      409: ex.error('conflict', 'You are the last admin: make someone else admin first.'),
    },
  },

  // ---- Tokens -----------------------------------------------------------------------------------------
  'GET /api/tokens': {
    operationId: 'listTokens',
    summary: 'Your API tokens (never the secret itself)',
    tag: 'Tokens',
    responses: { 200: { items: [ex.apiToken] } },
  },
  'POST /api/tokens': {
    operationId: 'createToken',
    summary: 'Create an API token; the token is shown this once',
    tag: 'Tokens',
    description:
      '`dailyTokenBudget` (optional): at most this many tokens a UTC day through this token; runs and ' +
      '/v1 calls made with it are refused with 429 `quota_exceeded` once it is used up.',
    body: { name: 'laptop script', dailyTokenBudget: 50000 },
    responses: { 201: { ...ex.apiToken, token: 'pk_3fA9Qx7LmN2vR8sT4wY6zB1cD5eF0gH' } },
  },
  'PATCH /api/tokens/:id': {
    operationId: 'updateToken',
    summary: 'Set or clear (null) an API token’s daily token budget',
    description: 'From a signed-in session only: an API token cannot change budgets (403).',
    tag: 'Tokens',
    body: { dailyTokenBudget: 100000 },
    responses: {
      200: { ...ex.apiToken, dailyTokenBudget: 100000, usedToday: 1520 },
      403: ex.error('forbidden', 'An API token cannot change a budget; sign in to the web app to do it.'),
      404: ex.error('not_found', 'No such token.'),
    },
  },
  'DELETE /api/tokens/:id': {
    operationId: 'revokeToken',
    summary: 'Revoke an API token (it stops working at once)',
    tag: 'Tokens',
    responses: { 404: ex.error('not_found', 'No such token.') },
  },

  // ---- Admin ------------------------------------------------------------------------------------------
  'GET /api/admin/users': {
    operationId: 'listUsers',
    summary: 'Accounts with their usage; `q` searches usernames and display names (admin)',
    tag: 'Admin',
    responses: {
      200: {
        items: [
          {
            ...ex.user,
            usage: { day: 1520, month: 48213 },
            groups: [{ id: '0196a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a20', name: 'Research' }],
          },
        ],
        nextCursor: null,
      },
    },
  },
  'PATCH /api/admin/users/:id': {
    operationId: 'updateUser',
    summary: 'Disable, promote or set the quotas of an account (admin)',
    description:
      'Disabling ends the user’s sessions and tokens at once; the last admin cannot be demoted or disabled.',
    tag: 'Admin',
    body: { tokenQuotaDaily: 200000, disabled: false },
    responses: {
      200: { ...ex.user, tokenQuotaDaily: 200000 },
      409: ex.error('conflict', 'The last admin cannot be demoted or disabled.'),
    },
  },
  'POST /api/admin/users/:id/reset-link': {
    operationId: 'createResetLink',
    summary: 'Create a one-time password reset link for an account (1 hour; admin)',
    description: 'A newer link replaces the older one; only its hash is stored. Send the link to the user.',
    tag: 'Admin',
    responses: {
      201: {
        url: 'https://chat.example.com/reset#token=rst_Yp3Kq8vX2mR7sT4wZ6bN1cD5eF0gH9jL',
        expiresAt: '2026-05-04T10:30:12.345Z',
      },
      404: ex.error('not_found', 'User not found.'),
    },
  },
  'POST /api/admin/invites': {
    operationId: 'createInvite',
    summary: 'Create a single-use invite code (admin); the body is optional',
    description:
      '`role` (default `user`; an `admin` invite makes an admin) and `expiresInDays` (1–30, default 7). ' +
      'The code is shown this once: only its hash is stored. Needed with SIGNUP=invite; with open or ' +
      'approval sign-up a valid code still grants its role and skips approval.',
    tag: 'Admin',
    body: { role: 'user', expiresInDays: 7 },
    responses: {
      201: {
        id: '0196a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b',
        code: 'inv_9xQ2mT7bK4vP',
        role: 'user',
        expiresAt: '2026-05-11T09:30:12.345Z',
      },
    },
  },
  'GET /api/admin/invites': {
    operationId: 'listInvites',
    summary: 'The newest invites, used, revoked or open (never their codes; admin)',
    tag: 'Admin',
    responses: {
      200: {
        items: [
          {
            id: '0196a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b',
            role: 'user',
            createdAt: '2026-05-04T09:30:12.345Z',
            expiresAt: '2026-05-11T09:30:12.345Z',
            usedAt: null,
            revokedAt: null,
            createdBy: '0196a1b2-0000-7000-8000-000000000001',
          },
        ],
      },
    },
  },
  'DELETE /api/admin/invites/:id': {
    operationId: 'revokeInvite',
    summary: 'Revoke an unused invite (admin)',
    tag: 'Admin',
    responses: {
      404: ex.error('not_found', 'Invite not found.'),
      409: ex.error('conflict', 'This invite was already used; it cannot be revoked.'),
    },
  },
  // ---- Groups (admin) -----------------------------------------------------------------------------------
  'GET /api/admin/groups': {
    operationId: 'listGroups',
    summary: 'Groups by name, with members and their usage today and this month (admin)',
    description:
      'A group shares a token quota among its current members (their tokens summed per UTC day and month) ' +
      'and limits the models and tools they may use; null fields set nothing. At most 500 groups.',
    tag: 'Admin',
    responses: {
      200: {
        items: [
          {
            id: '0196a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a20',
            name: 'Research',
            tokenQuotaDaily: 500000,
            tokenQuotaMonthly: null,
            models: ['demo', 'openai/gpt-4o-mini'],
            tools: null,
            memberCount: 4,
            createdAt: '2026-05-01T08:00:00.000Z',
            usage: { day: 120480, month: 981200 },
          },
        ],
      },
    },
  },
  'POST /api/admin/groups': {
    operationId: 'createGroup',
    summary: 'Create a group (admin)',
    description:
      'Names are unique case-insensitively (409). `models` must be configured models (400 unknown_model), ' +
      '`tools` tool ids `<server>/<tool>` of configured MCP servers (400 unknown_tool). A quota of 0 is no limit.',
    tag: 'Admin',
    body: { name: 'Research', tokenQuotaDaily: 500000, models: ['demo', 'openai/gpt-4o-mini'] },
    responses: {
      201: {
        id: '0196a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a20',
        name: 'Research',
        tokenQuotaDaily: 500000,
        tokenQuotaMonthly: null,
        models: ['demo', 'openai/gpt-4o-mini'],
        tools: null,
        memberCount: 0,
        createdAt: '2026-05-01T08:00:00.000Z',
        usage: { day: 0, month: 0 },
      },
      400: ex.error('unknown_model', 'The model "gpt-9" is not configured on this server.'),
      409: ex.error('conflict', 'There is already a group named "Research".'),
    },
  },
  'PATCH /api/admin/groups/:id': {
    operationId: 'updateGroup',
    summary: 'Change a group’s name, quotas, models or tools (admin)',
    description: 'Changes count for members at their next request.',
    tag: 'Admin',
    body: { tokenQuotaDaily: 750000, tools: ['everything/echo'] },
    responses: {
      200: {
        id: '0196a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a20',
        name: 'Research',
        tokenQuotaDaily: 750000,
        tokenQuotaMonthly: null,
        models: ['demo', 'openai/gpt-4o-mini'],
        tools: ['everything/echo'],
        memberCount: 4,
        createdAt: '2026-05-01T08:00:00.000Z',
        usage: { day: 120480, month: 981200 },
      },
      404: ex.error('not_found', 'Group not found.'),
    },
  },
  'DELETE /api/admin/groups/:id': {
    operationId: 'deleteGroup',
    summary: 'Delete a group and its memberships (admin)',
    tag: 'Admin',
    responses: { 404: ex.error('not_found', 'Group not found.') },
  },
  'GET /api/admin/groups/:id/members': {
    operationId: 'listGroupMembers',
    summary: 'A group’s members by username (at most 1,000; admin)',
    description:
      '`source` is `admin` (added here) or `oidc` (from the provider’s groups claim, kept in step at each sign-in).',
    tag: 'Admin',
    responses: {
      200: {
        items: [
          {
            userId: ex.ids.USER_ID,
            username: 'alice',
            displayName: 'Alice',
            source: 'admin',
            addedAt: '2026-05-01T08:05:00.000Z',
          },
        ],
      },
      404: ex.error('not_found', 'Group not found.'),
    },
  },
  'PUT /api/admin/groups/:id/members/:userId': {
    operationId: 'addGroupMember',
    summary: 'Add a user to a group (idempotent; admin)',
    description:
      'An existing membership from single sign-on becomes an admin’s (sign-ins leave it alone then).',
    tag: 'Admin',
    responses: { 404: ex.error('not_found', 'User not found.') },
  },
  'DELETE /api/admin/groups/:id/members/:userId': {
    operationId: 'removeGroupMember',
    summary: 'Remove a user from a group (admin)',
    tag: 'Admin',
    responses: { 404: ex.error('not_found', 'Membership not found.') },
  },
  'GET /api/admin/audit': {
    operationId: 'listAuditEvents',
    summary: 'The audit log, newest first: sign-ins, failures, role and quota changes, tokens (admin)',
    description:
      'Filters: `type`, `userId` (the actor or the target), `before` (the previous page’s `nextCursor`), ' +
      '`limit` (1–200, default 50). Entries are kept 90 days; `detail` never holds a secret.',
    tag: 'Admin',
    responses: {
      200: {
        items: [
          {
            id: '0196a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1c',
            at: '2026-05-04T09:31:02.120Z',
            type: 'sign-in-failed',
            actorId: null,
            actorName: null,
            targetId: '0196a1b2-0000-7000-8000-000000000002',
            targetName: 'alice',
            ip: '203.0.113.7',
            detail: { username: 'alice', reason: 'bad password' },
          },
        ],
        nextCursor: 'MjAyNi0wNS0wNFQwOTozMTowMi4xMjBafDAxOTZhMWIy',
      },
      400: ex.error('validation_error', 'The cursor "before" is not one this server gave out.'),
    },
  },
  'GET /api/admin/models': {
    operationId: 'listAdminModels',
    summary: 'Models with their provider’s breaker and this instance’s last 15 minutes (admin)',
    tag: 'Admin',
    responses: {
      200: {
        models: [
          {
            id: 'openai/gpt-4o-mini',
            name: 'GPT-4o mini',
            provider: 'openai',
            available: true,
            breaker: 'open',
            retryInMs: 21450,
            recent: { requests: 42, errors: 5, errorRate: 0.119, ttftMsP50: 640 },
          },
        ],
      },
    },
  },

  'GET /api/admin/users/:id/sessions': {
    operationId: 'listUserSessions',
    summary: 'A user’s signed-in sessions, newest first (admin)',
    tag: 'Admin',
    responses: {
      200: {
        items: [
          {
            id: '9f2c41d07be3a6c8',
            createdAt: '2026-05-01T08:00:00.000Z',
            expiresAt: '2026-05-31T08:00:00.000Z',
            lastSeenAt: '2026-05-04T09:30:12.345Z',
            userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/135.0',
          },
        ],
      },
      404: ex.error('not_found', 'User not found.'),
    },
  },
  'DELETE /api/admin/users/:id/sessions': {
    operationId: 'signOutUser',
    summary: 'Sign a user out everywhere: every session ends, open streams close; API tokens stay (admin)',
    tag: 'Admin',
    responses: { 404: ex.error('not_found', 'User not found.') },
  },
  'GET /api/admin/models/history': {
    operationId: 'getModelHistory',
    summary: 'Each model’s calls, failures and median time to first token per hour or day (admin)',
    description:
      '`bucket` `hour` (range at most 31 days) or `day` (default; at most 366), `from`/`to` UTC days ' +
      '(inclusive; default the last 30 days, or yesterday and today for hours). From the usage events of ' +
      'runs and /v1 calls on every instance; buckets without calls are left out. `format=csv` downloads ' +
      'the items (header model,at,requests,errors,error_rate,ttft_ms_p50).',
    tag: 'Admin',
    responses: {
      200: {
        bucket: 'hour',
        from: '2026-05-03',
        to: '2026-05-04',
        items: [
          {
            model: 'openai/gpt-4o-mini',
            at: '2026-05-04T09:00:00.000Z',
            requests: 40,
            errors: 2,
            errorRate: 0.05,
            ttftMsP50: 640,
          },
        ],
      },
      400: ex.error(
        'validation_error',
        'The range covers more than 31 days, the most for hour buckets; ask for a shorter one.',
      ),
    },
    content: {
      200: {
        'text/csv': {
          schema: text,
          example:
            'model,at,requests,errors,error_rate,ttft_ms_p50\r\nopenai/gpt-4o-mini,2026-05-04T09:00:00.000Z,40,2,0.05,640\r\n',
        },
      },
    },
  },

  // ---- Conversations ----------------------------------------------------------------------------------
  'POST /api/conversations': {
    operationId: 'createConversation',
    summary: 'Create a conversation (the body is optional)',
    tag: 'Conversations',
    body: { title: 'Explain server-sent events', model: 'demo' },
    responses: {
      201: { ...ex.conversation, updatedAt: ex.conversation.createdAt },
      400: ex.error('unknown_model', 'The model "gpt-9" is not configured on this server.'),
    },
  },
  'GET /api/conversations': {
    operationId: 'listConversations',
    summary: 'Your conversations, pinned first, then most recently active first (cursor pages)',
    description:
      'Archived conversations are left out unless `?archived=true` (which lists only them); `?folderId=` lists one of your folders (another user’s folder is a 404).',
    tag: 'Conversations',
    responses: {
      200: { items: [{ ...ex.conversation, pinned: true, folderId: ex.folder.id }], nextCursor: null },
      404: ex.error('not_found', 'Folder not found.'),
    },
  },
  'GET /api/conversations/:id': {
    operationId: 'getConversation',
    summary: 'One conversation, with its active run if a reply is streaming',
    tag: 'Conversations',
    responses: {
      200: { ...ex.conversation, activeRun: { id: ex.ids.RUN_ID, messageId: ex.ids.REPLY_ID } },
      404: ex.error('not_found', 'No such conversation.'),
    },
  },
  'PATCH /api/conversations/:id': {
    operationId: 'updateConversation',
    summary:
      'Rename, change the model, system prompt, temperature or max output tokens; pin, archive or file it in a folder',
    description:
      '`folderId` (null: out of any folder), `pinned` and `archived` organise it without changing `updatedAt`. `temperature` (0..2) and `maxOutputTokens` (1..100000, and at most the model’s context window) go with every reply’s model call; null clears them back to the provider’s default.',
    tag: 'Conversations',
    body: {
      title: 'SSE explained',
      systemPrompt: 'Answer briefly.',
      temperature: 0.7,
      maxOutputTokens: 1000,
      pinned: true,
    },
    responses: {
      200: {
        ...ex.conversation,
        title: 'SSE explained',
        systemPrompt: 'Answer briefly.',
        temperature: 0.7,
        maxOutputTokens: 1000,
        pinned: true,
      },
      400: ex.error('validation_error', 'Invalid request: body/temperature must be <= 2.'),
      404: ex.error('not_found', 'Folder not found.'),
    },
  },
  'POST /api/conversations/bulk': {
    operationId: 'bulkConversations',
    summary: 'Delete, archive, unarchive or move (`folderId`) up to 200 of your conversations at once',
    description:
      'All or nothing: if any id is not one of your conversations the answer is 404 and nothing changes.',
    tag: 'Conversations',
    body: { ids: [ex.ids.CONVERSATION_ID], action: 'move', folderId: ex.folder.id },
    responses: {
      200: { action: 'move', count: 1 },
      404: ex.error('not_found', 'Conversation not found.'),
    },
  },
  'GET /api/folders': {
    operationId: 'listFolders',
    summary: 'Your folders, by name',
    tag: 'Conversations',
    responses: { 200: { items: [ex.folder] } },
  },
  'POST /api/folders': {
    operationId: 'createFolder',
    summary: 'Create a folder (at most 100)',
    tag: 'Conversations',
    body: { name: 'Research' },
    responses: {
      201: ex.folder,
      409: ex.error('conflict', 'You have 100 folders already: delete one first.'),
    },
  },
  'PATCH /api/folders/:id': {
    operationId: 'renameFolder',
    summary: 'Rename a folder',
    tag: 'Conversations',
    body: { name: 'Papers' },
    responses: {
      200: { ...ex.folder, name: 'Papers' },
      404: ex.error('not_found', 'Folder not found.'),
    },
  },
  'DELETE /api/folders/:id': {
    operationId: 'deleteFolder',
    summary: 'Delete a folder; its conversations stay, out of any folder',
    tag: 'Conversations',
    responses: { 404: ex.error('not_found', 'Folder not found.') },
  },
  'POST /api/conversations/:id/title': {
    operationId: 'regenerateTitle',
    summary: 'Write the title again with the title model (TITLE_MODEL, else the conversation’s model)',
    description:
      'From the first user message (its first 2,000 characters), now: the answer comes when the title is written (at most 20 s). A rename that lands meanwhile wins (409). The tokens count in your quota as usage `source: title`. With `TITLE_MODEL=off` the title goes back to the message’s first words.',
    tag: 'Conversations',
    responses: {
      200: { ...ex.conversation, title: 'Server-Sent Events Explained' },
      404: ex.error('not_found', 'Conversation not found.'),
      409: ex.error('conflict', 'A title for this conversation is being written right now; wait a moment.'),
      502: ex.error(
        'model_error',
        'The model openai/gpt-4o-mini could not write a title: OpenAI answered 500.',
      ),
      503: ex.error('unavailable', 'The model openai/gpt-4o-mini did not write a title within 20s.'),
    },
  },
  'DELETE /api/conversations/:id': {
    operationId: 'deleteConversation',
    summary: 'Delete a conversation (stops its run, deletes its messages)',
    tag: 'Conversations',
    responses: { 404: ex.error('not_found', 'No such conversation.') },
  },
  'GET /api/conversations/:id/messages': {
    operationId: 'listMessages',
    summary: 'Messages, newest page first (oldest first within a page); `before` for older pages',
    tag: 'Conversations',
    responses: { 200: { items: [ex.userMessage, ex.reply], nextCursor: null } },
  },

  // ---- Runs -------------------------------------------------------------------------------------------
  'POST /api/conversations/:id/messages': {
    operationId: 'sendMessage',
    summary: 'Send a message: starts a run that writes the reply',
    description: `The user message, the pending reply and the run are committed before the model is called. ${RUN_STREAM_NOTE}`,
    tag: 'Runs',
    body: { content: 'Explain server-sent events in one paragraph.', model: 'demo' },
    responses: {
      202: ex.runAccepted,
      409: ex.error('conflict', 'You already have 4 replies streaming; wait for one to finish.'),
    },
    content: { 200: sse(ex.runStream) },
    descriptions: { 200: 'The run’s SSE stream (with `Accept: text/event-stream`)' },
  },
  'POST /api/conversations/start': {
    operationId: 'startConversation',
    summary: 'Start a new conversation with its first message (nothing is created if it is refused)',
    description: `Admission (rate limit, quota, model) comes first: a refused first message (429, 403, 400) creates no conversation. ${RUN_STREAM_NOTE}`,
    tag: 'Runs',
    body: { content: 'Explain server-sent events in one paragraph.', model: 'demo' },
    responses: {
      202: ex.runAccepted,
      429: ex.error('rate_limited', 'Too many messages; try again in a minute.'),
    },
    content: { 200: sse(ex.runStream) },
    descriptions: { 200: 'The run’s SSE stream (with `Accept: text/event-stream`)' },
  },
  'POST /api/messages/:id/regenerate': {
    operationId: 'regenerate',
    summary: 'A new reply to the same user message (a sibling of the old one)',
    description: RUN_STREAM_NOTE,
    tag: 'Runs',
    body: { model: 'demo' },
    responses: { 202: { ...ex.runAccepted, userMessage: null } },
    content: { 200: sse(ex.runStream) },
    descriptions: { 200: 'The run’s SSE stream (with `Accept: text/event-stream`)' },
  },
  'POST /api/messages/:id/continue': {
    operationId: 'continueReply',
    summary: 'Continue an interrupted, stopped, failed or cut-off reply (text is appended)',
    description: RUN_STREAM_NOTE,
    tag: 'Runs',
    body: {},
    responses: {
      202: { ...ex.runAccepted, userMessage: null },
      409: ex.error(
        'not_continuable',
        'This reply is complete; only interrupted, stopped or failed replies continue.',
      ),
    },
    content: { 200: sse(ex.runStream) },
    descriptions: { 200: 'The run’s SSE stream (with `Accept: text/event-stream`)' },
  },
  'GET /api/conversations/:id/stream': {
    operationId: 'followRun',
    summary: 'Follow (or resume) the active run’s stream',
    description:
      'From the event after `Last-Event-ID` (header, wins) or `?after=N`: exactly the missed events, ' +
      'no duplicates, no gaps. `204` when no run is active.',
    tag: 'Runs',
    content: { 200: sse(ex.runStream) },
    responses: { 404: ex.error('not_found', 'No such conversation.') },
    descriptions: { 200: 'The run’s SSE stream', 204: 'No run is active' },
  },
  'POST /api/conversations/:id/approvals': {
    operationId: 'answerApproval',
    summary: 'Approve or deny a tool call that waits for approval (the last answer resumes the reply)',
    description:
      'A reply whose tool call needs approval ends its run `waiting`. Answer each waiting call; the ' +
      'answer that closes the last one starts a `resume` run on the same message (`runId`; follow it ' +
      'with `GET /api/conversations/{id}/stream`). Works on any instance and after a restart; a call ' +
      'left unanswered for TOOL_APPROVAL_TIMEOUT_S is denied and the reply resumes.',
    tag: 'Runs',
    body: { toolCallId: 'call_demo_2', approved: true },
    responses: {
      200: { toolCallId: 'call_demo_2', approved: true, runId: ex.ids.RUN_ID, messageId: ex.ids.REPLY_ID },
      404: ex.error('not_found', 'No tool call call_demo_2 waits for approval in this conversation.'),
      409: ex.error('already_decided', 'The call call_demo_2 was answered already.'),
    },
  },
  'POST /api/conversations/:id/stop': {
    operationId: 'stopRun',
    summary: 'Stop the active run (on whatever instance it runs); the partial reply is kept',
    tag: 'Runs',
    responses: { 200: { stopped: true, runIds: [ex.ids.RUN_ID] } },
  },
  'POST /api/chat': {
    operationId: 'aiSdkChat',
    summary: 'The AI SDK chat request (`useChat`, `Chat`): a send or a regenerate in a conversation',
    description:
      'For `DefaultChatTransport` (or `ParleyChatTransport`) with `api: "/api/chat"`: `id` is the ' +
      'conversation, the last of `messages` is the new user message (`submit-message`; text parts, and ' +
      'file parts naming files uploaded with `POST /api/files`), or `messageId` the reply to regenerate ' +
      '(`regenerate-message`; none: the newest message). Earlier messages are ignored: Parley keeps the ' +
      'history. The same checks as the send and regenerate routes. The answer is always the run’s SSE ' +
      'stream, whatever `Accept` says; stop it with `POST /api/conversations/{id}/stop`.',
    tag: 'Runs',
    body: {
      id: ex.ids.CONVERSATION_ID,
      trigger: 'submit-message',
      messages: [
        { id: 'msg_client_1', role: 'user', parts: [{ type: 'text', text: 'Explain SSE briefly.' }] },
      ],
    },
    responses: {
      404: ex.error('not_found', 'Conversation not found.'),
      409: ex.error('conflict', 'You already have 4 replies streaming; wait for one to finish.'),
    },
    content: { 200: sse(ex.runStream) },
    descriptions: { 200: 'The run’s SSE stream' },
  },
  'GET /api/chat/:id/stream': {
    operationId: 'aiSdkChatResume',
    summary: 'useChat’s `resumeStream()`: the active run, as `GET /api/conversations/{id}/stream` sends it',
    description:
      'From the start of the run (useChat replays it), or after `Last-Event-ID` / `?after=N`. ' +
      '`204` when no run is active.',
    tag: 'Runs',
    content: { 200: sse(ex.runStream) },
    responses: { 404: ex.error('not_found', 'Conversation not found.') },
    descriptions: { 200: 'The run’s SSE stream', 204: 'No run is active' },
  },

  // ---- Events, search, export -------------------------------------------------------------------------
  'GET /api/events': {
    operationId: 'liveEvents',
    summary: 'Your live events: conversations created/renamed/deleted, runs started/finished',
    tag: 'Events',
    content: { 200: sse(ex.eventStream) },
    descriptions: { 200: 'SSE; the first event is `{"type":"ready"}`' },
  },
  'GET /api/search': {
    operationId: 'search',
    summary: 'Full-text search over your conversation titles and messages, best first',
    tag: 'Search',
    responses: {
      200: {
        items: [
          {
            conversationId: ex.ids.CONVERSATION_ID,
            conversationTitle: 'Explain server-sent events',
            messageId: ex.ids.REPLY_ID,
            role: 'assistant',
            snippet: '…keep one HTTP response open and write events…',
            highlights: [{ start: 29, end: 37 }],
            score: 3.2,
            createdAt: '2026-05-04T09:30:14.802Z',
          },
        ],
        nextCursor: null,
      },
    },
  },
  // ---- Tools -------------------------------------------------------------------------------------------
  'GET /api/tools': {
    operationId: 'listTools',
    summary: 'MCP servers the caller may use, their state, and their tools',
    tag: 'Tools',
    responses: {
      200: {
        servers: [
          {
            name: 'everything',
            state: 'ready',
            error: null,
            tools: [
              {
                id: 'everything/echo',
                name: 'echo',
                description: 'Echoes back the input string',
                inputSchema: {
                  type: 'object',
                  properties: { message: { type: 'string' } },
                  required: ['message'],
                },
                requiresApproval: true,
              },
            ],
          },
        ],
      },
    },
  },
  // ---- Usage --------------------------------------------------------------------------------------------
  'GET /api/usage': {
    operationId: 'getMyUsage',
    summary: 'Your own tokens and cost per day and/or model, and your quota standing',
    description:
      '`from`/`to` are UTC days (YYYY-MM-DD, both included; default: the last 30 days, at most 366); ' +
      '`groupBy` is `day` (default), `model` or `day,model`. Cost is priced when the tokens were spent ' +
      '(MODELS_FILE `price`, else the built-in list prices; the demo and local models cost 0); ' +
      '`costUsd` is null when no event of the row had a price. `quota.*.used` are the counters quotas are enforced with; ' +
      '`quota.*.source` says where the limit comes from: your own quota (`user`), a group’s shared quota ' +
      '(`group`, named by `groupName`; of several groups the most generous), the server’s default (`server`), or none (null).',
    tag: 'Usage',
    responses: {
      200: {
        from: '2026-04-05',
        to: '2026-05-04',
        groupBy: ['day'],
        rows: [
          { day: '2026-05-03', inputTokens: 12840, outputTokens: 3310, requests: 14, costUsd: 0.0651 },
          { day: '2026-05-04', inputTokens: 1520, outputTokens: 488, requests: 3, costUsd: 0.00868 },
        ],
        totals: { inputTokens: 14360, outputTokens: 3798, requests: 17, costUsd: 0.07378 },
        quota: {
          daily: { limit: 500000, used: 120480, source: 'group', groupName: 'Research' },
          monthly: { limit: null, used: 18158, source: null, groupName: null },
        },
      },
      400: ex.error('validation_error', 'The range covers more than 366 days; ask for a shorter one.'),
    },
  },
  'GET /api/admin/usage': {
    operationId: 'getUsage',
    summary: 'Everyone’s tokens and cost per user, model and/or day, as JSON or CSV (admin)',
    description:
      '`groupBy`: one or two of `user`, `model`, `day`, `group` (default `day`), comma-separated. Grouped by ' +
      'group, rows gain `groupId` and `groupName`: a user in two groups counts in both, users in none are not ' +
      'listed (memberships as they are now). Grouped by user: at most 1,000 rows, the most tokens first; ' +
      '`totals` always cover the whole range. `format=csv` downloads the rows (header: the grouped ' +
      'columns of day, model, user, group, then input_tokens, output_tokens, requests, cost_usd; a cell that ' +
      'starts with = + - @ gets a leading quote).',
    tag: 'Usage',
    responses: {
      200: {
        from: '2026-05-01',
        to: '2026-05-04',
        groupBy: ['user', 'model'],
        rows: [
          {
            userId: ex.ids.USER_ID,
            username: 'alice',
            model: 'openai/gpt-4o-mini',
            inputTokens: 48213,
            outputTokens: 9120,
            requests: 41,
            costUsd: 0.012704,
          },
          {
            userId: ex.ids.USER_ID,
            username: 'alice',
            model: 'demo',
            inputTokens: 940,
            outputTokens: 312,
            requests: 6,
            costUsd: 0,
          },
        ],
        totals: { inputTokens: 49153, outputTokens: 9432, requests: 47, costUsd: 0.012704 },
      },
      400: ex.error('validation_error', 'groupBy takes one or two groupings, comma-separated.'),
    },
    content: {
      200: {
        'text/csv': {
          schema: text,
          example:
            'model,user,input_tokens,output_tokens,requests,cost_usd\r\nopenai/gpt-4o-mini,alice,48213,9120,41,0.012704\r\ndemo,alice,940,312,6,0\r\n',
        },
      },
    },
  },
  // ---- Files --------------------------------------------------------------------------------------------
  'POST /api/files': {
    operationId: 'uploadFile',
    summary: 'Upload an attachment (multipart/form-data, field `file`)',
    description:
      'The type is detected from the bytes, not the name: images (PNG, JPEG, GIF, WebP), PDF, Word ' +
      '(.docx) and UTF-8 text files are accepted, anything else is a 415. At most `MAX_FILE_MB` ' +
      "(413 `payload_too_large`); the user's files, messages and imports together stay under " +
      '`STORAGE_QUOTA_MB` (413 `storage_quota_exceeded`). A file never sent in a message expires after a day.',
    tag: 'Files',
    responses: {
      201: ex.fileInfo,
      413: ex.error('payload_too_large', 'Files can be at most 20 MB (MAX_FILE_MB).'),
      415: ex.error('unsupported_media_type', 'This file is an ELF executable; accepted are images, PDF, …'),
    },
  },
  'GET /api/files/:id': {
    operationId: 'getFile',
    summary: 'Download an attachment (its uploader only)',
    description:
      'Served with the type detected at upload (text of any kind as text/plain), `nosniff` and a ' +
      'sandboxing Content-Security-Policy; images and PDFs inline, everything else as a download.',
    tag: 'Files',
    content: {
      200: {
        'application/octet-stream': { schema: Type.String({ format: 'binary' }), example: '(the bytes)' },
      },
    },
    responses: { 404: ex.error('not_found', 'File not found.') },
  },
  'GET /api/files/:id/preview': {
    operationId: 'getFilePreview',
    summary: "An image attachment's thumbnail (WebP, at most 256 px)",
    tag: 'Files',
    content: { 200: { 'image/webp': { schema: Type.String({ format: 'binary' }), example: '(the bytes)' } } },
    responses: { 404: ex.error('not_found', 'Preview not found.') },
  },
  'DELETE /api/files/:id': {
    operationId: 'deleteFile',
    summary: 'Delete an attachment (messages that named it show it as no longer available)',
    tag: 'Files',
    responses: { 404: ex.error('not_found', 'File not found.') },
  },

  // ---- Shares -----------------------------------------------------------------------------------------
  'POST /api/conversations/:id/share': {
    operationId: 'shareConversation',
    summary: 'Make a read-only link to a snapshot of the conversation’s current branch',
    description:
      '`visibility`: `public` (anyone with the link, signed out too) or `users` (the default: anyone ' +
      'signed in to this Parley). The snapshot is taken now: later messages are not in it; a reply ' +
      'still streaming is followed until it ends. At most 100 links per user (409); another user’s ' +
      'conversation is a 404.',
    tag: 'Shares',
    body: { visibility: 'public' },
    responses: {
      201: SHARE_EXAMPLE,
      404: ex.error('not_found', 'Conversation not found.'),
      409: ex.error('conflict', 'You have 100 share links already: revoke one first.'),
    },
  },
  'GET /api/shares': {
    operationId: 'listShares',
    summary: 'Your share links, newest first',
    tag: 'Shares',
    responses: { 200: { items: [SHARE_EXAMPLE] } },
  },
  'GET /api/shares/:id': {
    operationId: 'getShare',
    summary: 'A share’s snapshot (public: anyone; users: signed in)',
    description:
      'The title and messages (text, files, reasoning, tool calls), never the owner or other ' +
      'conversations. `streaming: true` while a reply in it is still being written: read again in a ' +
      'second. `401` for a `users` share read signed out; `404` for a revoked or unknown link.',
    tag: 'Shares',
    responses: {
      200: {
        id: SHARE_EXAMPLE.id,
        url: SHARE_EXAMPLE.url,
        visibility: 'public',
        title: SHARE_EXAMPLE.title,
        createdAt: SHARE_EXAMPLE.createdAt,
        messages: [
          {
            role: 'user',
            content: ex.userMessage.content,
            parts: ex.userMessage.parts,
            status: 'complete',
            model: null,
            createdAt: SHARE_EXAMPLE.createdAt,
          },
        ],
        streaming: false,
      },
      401: ex.error(
        'unauthorized',
        'This conversation is shared with the users of this Parley: sign in to read it.',
      ),
      404: ex.error('not_found', 'This share link was removed or never existed.'),
    },
  },
  'DELETE /api/shares/:id': {
    operationId: 'revokeShare',
    summary: 'Revoke a share link (yours only): it is a 404 from now on',
    tag: 'Shares',
    responses: { 404: ex.error('not_found', 'This share link was removed or never existed.') },
  },
  'GET /api/shares/:id/files/:fileId': {
    operationId: 'getSharedFile',
    summary: 'An attachment of a share’s snapshot (`?preview=true`: an image’s thumbnail)',
    description:
      'Only files the snapshot names, for whoever may read the share, with the same safe headers as ' +
      '`GET /api/files/:id` and `Cache-Control: no-store`.',
    tag: 'Shares',
    content: {
      200: {
        'application/octet-stream': { schema: Type.String({ format: 'binary' }), example: '(the bytes)' },
      },
    },
    responses: { 404: ex.error('not_found', 'File not found.') },
  },
  'POST /api/shares/:id/continue': {
    operationId: 'continueShare',
    summary: 'Copy a share’s snapshot into a new conversation of yours, to carry on',
    description:
      'Written like an import: its files are copied as your own (counted in your storage quota), one ' +
      'copy or import at a time (429 otherwise).',
    tag: 'Shares',
    responses: {
      201: {
        conversationId: ex.ids.CONVERSATION_ID,
        url: `/c/${ex.ids.CONVERSATION_ID}`,
        title: SHARE_EXAMPLE.title,
        messages: 2,
      },
      401: ex.error('unauthorized', 'Sign in first (or send an API token as Authorization: Bearer ...).'),
      404: ex.error('not_found', 'This share link was removed or never existed.'),
    },
  },
  'GET /api/conversations/:id/export': {
    operationId: 'exportConversation',
    summary: 'Download a conversation: Parley JSON (every branch) or Markdown (the current branch)',
    tag: 'Export',
    content: {
      200: {
        'application/json': {
          schema: Type.Object({ format: Type.String(), version: Type.Integer() }),
          example: ex.parleyExport,
        },
        'text/markdown': {
          schema: text,
          example:
            '# Explain server-sent events\n\n## User\n\n````text\nExplain server-sent events in one paragraph.\n````\n',
        },
      },
    },
    responses: { 404: ex.error('not_found', 'No such conversation.') },
  },
  'POST /api/conversations/import': {
    operationId: 'importConversations',
    summary: 'Import a Parley export or a ChatGPT conversations.json (up to 20 MiB)',
    description:
      'A bad file is refused whole, naming the first problem; nothing is written. One import at a ' +
      'time and at most 5 a minute per user (429 with Retry-After); an import that would take the ' +
      'user past `STORAGE_QUOTA_MB` is refused with 413 `storage_quota_exceeded`.',
    tag: 'Export',
    body: ex.parleyExport,
    responses: {
      413: ex.error(
        'storage_quota_exceeded',
        'Import refused: it needs 12 MB and 4 MB of your 1024 MB storage is free. Delete conversations or import fewer.',
      ),
      429: ex.error('rate_limited', 'One import at a time and at most 5 a minute: try again in 42 s.'),
      201: {
        imported: [
          { id: '01964b80-0a1b-7c2d-8e3f-405162738495', title: 'Explain server-sent events', messages: 2 },
        ],
      },
      400: ex.error('validation_error', 'Import refused: messages[3].role must be user or assistant.'),
    },
  },

  // ---- Models and operations --------------------------------------------------------------------------
  'GET /api/models': {
    operationId: 'listModels',
    summary: 'Configured models, the default, and each provider’s circuit breaker',
    tag: 'Models',
    responses: {
      200: {
        defaultModel: 'demo',
        models: [
          {
            id: 'demo',
            provider: 'parley',
            name: 'Demo (built in)',
            contextWindow: null,
            input: ['text', 'image', 'pdf'],
            available: true,
            breaker: null,
            price: { input: 0, output: 0 },
            tools: true,
            reasoning: false,
          },
          {
            id: 'openai/gpt-4o-mini',
            provider: 'openai',
            name: 'GPT-4o mini',
            contextWindow: 128000,
            input: ['text', 'image', 'pdf'],
            available: true,
            breaker: 'closed',
            price: { input: 0.15, output: 0.6 },
            tools: true,
            reasoning: false,
          },
        ],
      },
    },
  },
  'GET /healthz': {
    operationId: 'health',
    summary: 'Liveness: the process answers',
    tag: 'Operations',
    responses: { 200: { status: 'ok' } },
  },
  'GET /readyz': {
    operationId: 'ready',
    summary: 'Readiness: database (and Redis) reachable and not shutting down',
    tag: 'Operations',
    responses: { 200: { status: 'ready' }, 503: ex.error('unavailable', 'Parley is shutting down.') },
  },
  'GET /metrics': {
    operationId: 'metrics',
    summary: 'Prometheus metrics (Bearer METRICS_TOKEN when that is set)',
    tag: 'Operations',
    content: { 200: { 'text/plain; version=0.0.4': { schema: text, example: ex.metricsText } } },
    responses: {
      401: ex.error('unauthorized', 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.'),
    },
  },
  'GET /openapi.json': {
    operationId: 'openapi',
    summary: 'This API contract (OpenAPI 3.1)',
    tag: 'Operations',
    content: {
      200: {
        'application/json': {
          schema: Type.Object({ openapi: Type.String(), info: Type.Object({}), paths: Type.Object({}) }),
          example: { openapi: '3.1.0', info: { title: 'Parley API', version: '0.1.0' }, paths: {} },
        },
      },
    },
  },
  'GET /docs': {
    operationId: 'docs',
    summary: 'Browsable API reference (Swagger UI) of this contract',
    tag: 'Operations',
    content: { 200: { 'text/html': { schema: text, example: '<!doctype html><html lang="en">…</html>' } } },
  },
  'GET /docs/assets/:file': {
    operationId: 'docsAsset',
    summary: 'A static file of the API reference page',
    tag: 'Operations',
    content: {
      200: {
        'text/javascript': { schema: text, example: 'window.onload = () => { … };' },
        'text/css': { schema: text, example: '.swagger-ui { … }' },
      },
    },
    schemas: { 404: ErrorSchema },
    responses: { 404: ex.error('not_found', 'No such file.') },
  },

  // ---- OpenAI-compatible ------------------------------------------------------------------------------
  'GET /v1/models': {
    operationId: 'openaiListModels',
    summary: 'Models in OpenAI’s list format',
    tag: 'OpenAI',
    responses: {
      200: {
        object: 'list',
        data: [{ id: 'demo', object: 'model', created: 1777887000, owned_by: 'parley' }],
      },
      401: {
        error: {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    },
  },
  'GET /v1/models/*': {
    operationId: 'openaiRetrieveModel',
    summary: 'One model in OpenAI’s retrieve-model format',
    description:
      'The path is the model id (`openai/gpt-4o-mini`), its slash encoded (`%2F`, as OpenAI SDKs send it) or not.',
    tag: 'OpenAI',
    responses: {
      200: { id: 'openai/gpt-4o-mini', object: 'model', created: 1777887000, owned_by: 'openai' },
      404: {
        error: {
          message:
            'The model `gpt-9` does not exist or you do not have access to it. GET /v1/models lists the models.',
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        },
      },
    },
  },
  'POST /v1/chat/completions': {
    operationId: 'openaiChatCompletion',
    summary: 'Chat completion, streamed (SSE, `stream: true`) or not',
    description:
      'Send `x-parley-conversation: <id>` (or `new`) to also record the exchange in a conversation. ' +
      'See docs/openai-api.md.',
    tag: 'OpenAI',
    body: { model: 'demo', messages: [{ role: 'user', content: 'Say hello' }], stream: false },
    responses: {
      200: {
        id: 'chatcmpl-01964b7e3a12',
        object: 'chat.completion',
        created: 1777887012,
        model: 'demo',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hello!', refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      },
      404: {
        error: {
          message: 'The model `gpt-9` does not exist.',
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        },
      },
      429: {
        error: {
          message:
            'OpenAI is rate-limiting requests or its quota is used up (HTTP 429). It asked to wait 7s.',
          type: 'rate_limit_error',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
      503: {
        error: {
          message: 'OpenAI is unavailable after repeated failures: circuit open; retry in 25s',
          type: 'server_error',
          param: null,
          code: 'provider_unavailable',
        },
      },
    },
    content: { 200: sse(ex.completionStream) },
  },
  'POST /v1/responses': {
    operationId: 'openaiCreateResponse',
    summary: 'Response (OpenAI Responses API), streamed (SSE events, `stream: true`) or not',
    description:
      'Function tools, `text.format` structured output, images and files. Parley keeps no response ' +
      'objects: `store` is always false and `previous_response_id` is refused. See docs/openai-api.md.',
    tag: 'OpenAI',
    body: { model: 'demo', input: 'Say hello', stream: false },
    responses: {
      200: {
        id: 'resp_01964b7e3a12',
        object: 'response',
        created_at: 1777887012,
        status: 'completed',
        error: null,
        incomplete_details: null,
        instructions: null,
        max_output_tokens: null,
        model: 'demo',
        output: [
          {
            type: 'message',
            id: 'msg_01964b7e3a13',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text: 'Hello!', annotations: [], logprobs: [] }],
          },
        ],
        parallel_tool_calls: true,
        previous_response_id: null,
        store: false,
        temperature: null,
        text: { format: { type: 'text' } },
        tool_choice: 'auto',
        tools: [],
        top_p: null,
        truncation: 'disabled',
        usage: {
          input_tokens: 3,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: 2,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 5,
        },
        user: null,
        metadata: {},
      },
      400: {
        error: {
          message:
            "Unsupported parameter: 'previous_response_id'. Parley keeps no response objects: send the whole conversation in `input` (with the AI SDK, set providerOptions.openai.store to false).",
          type: 'invalid_request_error',
          param: 'previous_response_id',
          code: 'unsupported_parameter',
        },
      },
    },
  },
};
