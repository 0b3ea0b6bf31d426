import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { multipartFile } from './helpers/multipart.js';
import { readSse } from './helpers/sse.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Every route, called as anonymous, user B and an admin against objects owned by user A, then as
 * A. Nobody but A may read, change, stream, stop or export A's data: other users get 404 (ids
 * leak nothing), anonymous callers 401, and no answer to them contains anything of A's. A route
 * added without an entry here fails the first test.
 */

type Role = 'anonymous' | 'b' | 'admin' | 'a';

interface Fixture {
  t: TestApp;
  base: string;
  clients: Record<Role, Client>;
  conversationId: string;
  userMessageId: string;
  replyId: string;
  stoppedReplyId: string;
  tokenId: string;
  /** An image A uploaded. */
  fileId: string;
  /** A's folder, holding A's conversation. */
  folderId: string;
  /** A's share (visibility `users`) of another conversation of A's, with an attached image. */
  share: { id: string; fileId: string };
  /** Strings only A may ever see. */
  secrets: string[];
}

interface Entry {
  /** Set up what the call needs in this fixture's own app (before A's data is snapshotted). */
  prepare?: (f: Fixture) => Promise<void>;
  call: (f: Fixture, who: Client, role: Role) => Promise<{ statusCode: number; body: string }>;
  expect: Record<Role, number | number[]>;
}

const SECRET = 'alice-private-note-7f3a';

const objectRoute = (a: number | number[]): Record<Role, number | number[]> => ({
  anonymous: 401,
  b: 404,
  admin: 404,
  a,
});

/**
 * A reply of A's streamed by this fixture's app: run logs live in the process that ran them, and
 * the seeded replies ran in the template's.
 */
async function replyInThisApp(f: Fixture): Promise<void> {
  const sent = await f.clients.a.request('POST', `/api/conversations/${f.conversationId}/messages`, {
    content: `${SECRET} 3`,
  });
  await f.t.app.parley.runs.get(sent.json().runId)?.done;
}

/** A fresh group the admin made, setting nothing (for the group routes' entries). */
async function matrixGroup(f: Fixture): Promise<string> {
  const created = await f.clients.admin.request('POST', '/api/admin/groups', {
    name: `matrix-${Math.random()}`,
  });
  return created.json().id;
}

const matrix: Record<string, Entry> = {
  'GET /': { call: (_f, c) => c.request('GET', '/'), expect: { anonymous: 200, b: 200, admin: 200, a: 200 } },
  // The web UI's shell for its client routes (public: the app signs in over the API). Built
  // assets are public files too; a name that is not one of them is a 404 for everyone.
  'GET /c/:id': {
    call: (f, c) => c.request('GET', `/c/${f.conversationId}`),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /settings': {
    call: (_f, c) => c.request('GET', '/settings'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /admin': {
    call: (_f, c) => c.request('GET', '/admin'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /admin/*': {
    call: (_f, c) => c.request('GET', '/admin/usage'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /login': {
    call: (_f, c) => c.request('GET', '/login'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /signup': {
    call: (_f, c) => c.request('GET', '/signup'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /reset': {
    call: (_f, c) => c.request('GET', '/reset'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /s/:id': {
    call: (f, c) => c.request('GET', `/s/${f.share.id}`),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  // Share links: only A makes, lists and revokes A's; a `users` share is read (snapshot, its files,
  // a copy) by any signed-in user, and what they get is that snapshot alone: none of A's secrets.
  'POST /api/conversations/:id/share': {
    call: (f, c) =>
      c.request('POST', `/api/conversations/${f.conversationId}/share`, { visibility: 'public' }),
    expect: objectRoute(201),
  },
  'GET /api/shares': {
    call: async (f, c, role) => {
      const res = await c.request('GET', '/api/shares');
      if (role !== 'a' && res.body.includes(f.share.id)) throw new Error(`${role} listed A's share`);
      return res;
    },
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'GET /api/shares/:id': {
    call: async (f, c, role) => {
      const res = await c.request('GET', `/api/shares/${f.share.id}`);
      // Not even who shared it.
      if (role !== 'a' && res.body.includes(f.clients.a.userId as string)) throw new Error("leaked A's id");
      return res;
    },
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'DELETE /api/shares/:id': {
    call: (f, c) => c.request('DELETE', `/api/shares/${f.share.id}`),
    expect: objectRoute(204),
  },
  'GET /api/shares/:id/files/:fileId': {
    call: async (f, c) => {
      // A file of A's that is not in the snapshot is never served through it.
      const other = await c.request('GET', `/api/shares/${f.share.id}/files/${f.fileId}`);
      if (other.statusCode === 200) throw new Error('served a file outside the snapshot');
      return c.request('GET', `/api/shares/${f.share.id}/files/${f.share.fileId}`);
    },
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'POST /api/shares/:id/continue': {
    call: (f, c) => c.request('POST', `/api/shares/${f.share.id}/continue`),
    expect: { anonymous: 401, b: 201, admin: 201, a: 201 },
  },
  'GET /assets/*': {
    call: (_f, c) => c.request('GET', '/assets/not-a-built-file.js'),
    expect: { anonymous: 404, b: 404, admin: 404, a: 404 },
  },
  'GET /favicon.svg': {
    call: (_f, c) => c.request('GET', '/favicon.svg'),
    expect: { anonymous: [200, 404], b: [200, 404], admin: [200, 404], a: [200, 404] },
  },
  'GET /healthz': {
    call: (_f, c) => c.request('GET', '/healthz'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /readyz': {
    call: (_f, c) => c.request('GET', '/readyz'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  // Operations: public (METRICS_TOKEN, when set, guards /metrics: see metrics.test.ts). Metrics are
  // labelled by route pattern and model, so they carry no one's ids or words.
  'GET /metrics': {
    call: (_f, c) => c.request('GET', '/metrics'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /openapi.json': {
    call: (_f, c) => c.request('GET', '/openapi.json'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /docs': {
    call: (_f, c) => c.request('GET', '/docs'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  'GET /docs/assets/:file': {
    call: (_f, c) => c.request('GET', '/docs/assets/docs.js'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  // The seed routes act on the caller's own default conversation; anonymous callers need
  // GUEST_ACCESS=on (off by default; test/security/guests.test.ts covers guests).
  'GET /chat/history': {
    call: (_f, c) => c.request('GET', '/chat/history'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'POST /chat/message': {
    call: (_f, c) => c.request('POST', '/chat/message', { message: 'hello' }),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'POST /api/auth/signup': {
    call: (_f, c, role) =>
      c.request('POST', '/api/auth/signup', { username: `new-${role}`, password: 'long enough pw' }),
    expect: { anonymous: 201, b: 201, admin: 201, a: 201 },
  },
  'POST /api/auth/login': {
    call: (_f, c) =>
      c.request('POST', '/api/auth/login', { username: 'alice', password: 'a wrong password' }),
    expect: { anonymous: 401, b: 401, admin: 401, a: 401 },
  },
  'POST /api/auth/logout': {
    call: (_f, c) => c.request('POST', '/api/auth/logout'),
    expect: { anonymous: 401, b: 204, admin: 204, a: 204 },
  },
  'GET /api/auth/me': {
    call: (_f, c) => c.request('GET', '/api/auth/me'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  // Account self-service acts on the caller's own account only (A's data is untouched by B's
  // deletion; the only admin may not delete theirs).
  'PATCH /api/auth/me': {
    call: (_f, c) => c.request('PATCH', '/api/auth/me', { displayName: 'Renamed' }),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'DELETE /api/auth/me': {
    call: (_f, c) => c.request('DELETE', '/api/auth/me', { password: 'correct horse battery' }),
    expect: { anonymous: 401, b: 204, admin: 409, a: 204 },
  },
  // Each caller changes, lists or ends only their own password and sessions.
  'POST /api/auth/password': {
    call: (_f, c) =>
      c.request('POST', '/api/auth/password', {
        currentPassword: 'correct horse battery',
        newPassword: 'another long password',
      }),
    expect: { anonymous: 401, b: 204, admin: 204, a: 204 },
  },
  'GET /api/auth/sessions': {
    call: (_f, c) => c.request('GET', '/api/auth/sessions'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'DELETE /api/auth/sessions': {
    call: (_f, c) => c.request('DELETE', '/api/auth/sessions'),
    expect: { anonymous: 401, b: 204, admin: 204, a: 204 },
  },
  'POST /api/auth/reset': {
    call: (_f, c) =>
      c.request('POST', '/api/auth/reset', { token: 'rst_not-a-real-token', newPassword: 'long enough pw' }),
    expect: { anonymous: 400, b: 400, admin: 400, a: 400 },
  },
  // Public: how to sign in (single sign-on on or off, password form shown or not).
  'GET /api/auth/providers': {
    call: (_f, c) => c.request('GET', '/api/auth/providers'),
    expect: { anonymous: 200, b: 200, admin: 200, a: 200 },
  },
  // Public (the browser is on its way to or from the provider); without OIDC_ISSUER, as here,
  // 404 for everyone. test/oidc.test.ts covers them against a real OpenID provider.
  'GET /api/auth/oidc/login': {
    call: (_f, c) => c.request('GET', '/api/auth/oidc/login'),
    expect: { anonymous: 404, b: 404, admin: 404, a: 404 },
  },
  'GET /api/auth/oidc/callback': {
    call: (_f, c) => c.request('GET', '/api/auth/oidc/callback?code=abc&state=def'),
    expect: { anonymous: 404, b: 404, admin: 404, a: 404 },
  },
  'GET /api/models': {
    call: (_f, c) => c.request('GET', '/api/models'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'GET /api/tokens': {
    call: (_f, c) => c.request('GET', '/api/tokens'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'POST /api/tokens': {
    call: (_f, c) => c.request('POST', '/api/tokens', { name: 'another' }),
    expect: { anonymous: 401, b: 201, admin: 201, a: 201 },
  },
  'PATCH /api/tokens/:id': {
    call: (f, c) => c.request('PATCH', `/api/tokens/${f.tokenId}`, { dailyTokenBudget: 1000 }),
    expect: objectRoute(200),
  },
  'DELETE /api/tokens/:id': {
    call: (f, c) => c.request('DELETE', `/api/tokens/${f.tokenId}`),
    expect: objectRoute(204),
  },
  'GET /api/admin/users': {
    call: (_f, c) => c.request('GET', '/api/admin/users'),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  'PATCH /api/admin/users/:id': {
    call: (f, c) => c.request('PATCH', `/api/admin/users/${f.clients.a.userId}`, { tokenQuotaDaily: 123456 }),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  'POST /api/admin/invites': {
    call: (_f, c) => c.request('POST', '/api/admin/invites'),
    expect: { anonymous: 401, b: 403, admin: 201, a: 403 },
  },
  'GET /api/admin/invites': {
    call: (_f, c) => c.request('GET', '/api/admin/invites'),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  'DELETE /api/admin/invites/:id': {
    // A fresh unused invite for each caller (an admin revokes it: 204).
    call: async (f, c) => {
      const invite = await f.clients.admin.request('POST', '/api/admin/invites', { role: 'admin' });
      return c.request('DELETE', `/api/admin/invites/${invite.json().id}`);
    },
    expect: { anonymous: 401, b: 403, admin: 204, a: 403 },
  },
  'GET /api/admin/audit': {
    call: (f, c) => c.request('GET', `/api/admin/audit?userId=${f.clients.a.userId}`),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  'GET /api/admin/models': {
    call: (_f, c) => c.request('GET', '/api/admin/models'),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  'GET /api/admin/users/:id/sessions': {
    call: (f, c) => c.request('GET', `/api/admin/users/${f.clients.a.userId}/sessions`),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  // An unknown user: signing A out would end the session the rest of the matrix runs with.
  'DELETE /api/admin/users/:id/sessions': {
    call: (_f, c) => c.request('DELETE', '/api/admin/users/no-such-user/sessions'),
    expect: { anonymous: 401, b: 403, admin: 404, a: 403 },
  },
  'GET /api/admin/models/history': {
    call: (_f, c) => c.request('GET', '/api/admin/models/history?bucket=hour&format=csv'),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  // Groups: admins only. Each call that acts on a group gets a fresh one the admin made (a group
  // that sets nothing: A's models, tools and quota stay as they were).
  'GET /api/admin/groups': {
    call: (_f, c) => c.request('GET', '/api/admin/groups'),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  'POST /api/admin/groups': {
    call: (_f, c) => c.request('POST', '/api/admin/groups', { name: `matrix-${Math.random()}` }),
    expect: { anonymous: 401, b: 403, admin: 201, a: 403 },
  },
  'PATCH /api/admin/groups/:id': {
    call: async (f, c) =>
      c.request('PATCH', `/api/admin/groups/${await matrixGroup(f)}`, { tokenQuotaDaily: 5 }),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  'DELETE /api/admin/groups/:id': {
    call: async (f, c) => c.request('DELETE', `/api/admin/groups/${await matrixGroup(f)}`),
    expect: { anonymous: 401, b: 403, admin: 204, a: 403 },
  },
  'GET /api/admin/groups/:id/members': {
    call: async (f, c) => c.request('GET', `/api/admin/groups/${await matrixGroup(f)}/members`),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  'PUT /api/admin/groups/:id/members/:userId': {
    call: async (f, c) =>
      c.request('PUT', `/api/admin/groups/${await matrixGroup(f)}/members/${f.clients.a.userId}`),
    expect: { anonymous: 401, b: 403, admin: 204, a: 403 },
  },
  'DELETE /api/admin/groups/:id/members/:userId': {
    call: async (f, c) => {
      const id = await matrixGroup(f);
      await f.clients.admin.request('PUT', `/api/admin/groups/${id}/members/${f.clients.a.userId}`);
      return c.request('DELETE', `/api/admin/groups/${id}/members/${f.clients.a.userId}`);
    },
    expect: { anonymous: 401, b: 403, admin: 204, a: 403 },
  },
  'POST /api/admin/users/:id/reset-link': {
    call: (f, c) => c.request('POST', `/api/admin/users/${f.clients.a.userId}/reset-link`),
    expect: { anonymous: 401, b: 403, admin: 201, a: 403 },
  },
  'POST /api/conversations': {
    call: (_f, c) => c.request('POST', '/api/conversations', { title: 'mine' }),
    expect: { anonymous: 401, b: 201, admin: 201, a: 201 },
  },
  'GET /api/conversations': {
    call: (_f, c) => c.request('GET', '/api/conversations'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'GET /api/conversations/:id': {
    call: (f, c) => c.request('GET', `/api/conversations/${f.conversationId}`),
    expect: objectRoute(200),
  },
  'PATCH /api/conversations/:id': {
    call: (f, c) => c.request('PATCH', `/api/conversations/${f.conversationId}`, { title: 'hijacked' }),
    expect: objectRoute(200),
  },
  'DELETE /api/conversations/:id': {
    call: (f, c) => c.request('DELETE', `/api/conversations/${f.conversationId}`),
    expect: objectRoute(204),
  },
  // The title model rewrites A's title: only for A (nobody else's call reaches the model).
  'POST /api/conversations/:id/title': {
    call: (f, c) => c.request('POST', `/api/conversations/${f.conversationId}/title`),
    expect: objectRoute(200),
  },
  // Organise: folders are per user, and a bulk action naming A's conversation changes nothing.
  'POST /api/conversations/bulk': {
    call: (f, c) =>
      c.request('POST', '/api/conversations/bulk', {
        ids: [f.conversationId],
        action: 'move',
        folderId: null,
      }),
    expect: objectRoute(200),
  },
  // A new conversation of the caller's own: nothing of A's is named, read or changed.
  'POST /api/conversations/start': {
    call: (_f, c) => c.request('POST', '/api/conversations/start', { content: 'hello' }),
    expect: { anonymous: 401, b: 202, admin: 202, a: 202 },
  },
  'GET /api/folders': {
    call: (_f, c) => c.request('GET', '/api/folders'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'POST /api/folders': {
    call: (_f, c) => c.request('POST', '/api/folders', { name: 'mine' }),
    expect: { anonymous: 401, b: 201, admin: 201, a: 201 },
  },
  'PATCH /api/folders/:id': {
    call: (f, c) => c.request('PATCH', `/api/folders/${f.folderId}`, { name: 'hijacked' }),
    expect: objectRoute(200),
  },
  'DELETE /api/folders/:id': {
    call: (f, c) => c.request('DELETE', `/api/folders/${f.folderId}`),
    expect: objectRoute(204),
  },
  'GET /api/conversations/:id/messages': {
    call: (f, c) => c.request('GET', `/api/conversations/${f.conversationId}/messages`),
    expect: objectRoute(200),
  },
  'POST /api/conversations/:id/messages': {
    call: (f, c) =>
      c.request('POST', `/api/conversations/${f.conversationId}/messages`, { content: 'injected' }),
    expect: objectRoute(202),
  },
  'POST /api/messages/:id/regenerate': {
    call: (f, c) => c.request('POST', `/api/messages/${f.replyId}/regenerate`),
    expect: objectRoute(202),
  },
  'POST /api/messages/:id/continue': {
    call: (f, c) => c.request('POST', `/api/messages/${f.stoppedReplyId}/continue`),
    expect: objectRoute(202),
  },
  'GET /api/conversations/:id/stream': {
    // Resume from the start of A's last run: its log is still kept.
    prepare: replyInThisApp,
    call: async (f, c) => {
      const res = await fetch(`${f.base}/api/conversations/${f.conversationId}/stream?after=0`, {
        headers: headersOf(c),
      });
      return {
        statusCode: res.status,
        body: res.status === 200 ? JSON.stringify(await readSse(res)) : await res.text(),
      };
    },
    expect: objectRoute(200),
  },
  // useChat's request (the AI SDK chat body) naming A's conversation: only A starts a run there.
  'POST /api/chat': {
    call: async (f, c) => {
      const res = await fetch(`${f.base}/api/chat`, {
        method: 'POST',
        headers: {
          ...headersOf(c),
          ...(c.csrfToken ? { 'x-csrf-token': c.csrfToken } : {}),
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          id: f.conversationId,
          trigger: 'submit-message',
          messages: [{ id: 'client-1', role: 'user', parts: [{ type: 'text', text: 'injected' }] }],
        }),
      });
      return {
        statusCode: res.status,
        body: res.status === 200 ? JSON.stringify(await readSse(res)) : await res.text(),
      };
    },
    expect: objectRoute(200),
  },
  'GET /api/chat/:id/stream': {
    // useChat's resumeStream() address for A's conversation, from the start of A's last run.
    prepare: replyInThisApp,
    call: async (f, c) => {
      const res = await fetch(`${f.base}/api/chat/${f.conversationId}/stream?after=0`, {
        headers: headersOf(c),
      });
      return {
        statusCode: res.status,
        body: res.status === 200 ? JSON.stringify(await readSse(res)) : await res.text(),
      };
    },
    expect: objectRoute(200),
  },
  // Answering A's tool approvals: only A (who has none waiting here, so 404 for A too).
  'POST /api/conversations/:id/approvals': {
    call: (f, c) =>
      c.request('POST', `/api/conversations/${f.conversationId}/approvals`, {
        toolCallId: 'call_1',
        approved: true,
      }),
    expect: objectRoute(404),
  },
  'POST /api/conversations/:id/stop': {
    call: (f, c) => c.request('POST', `/api/conversations/${f.conversationId}/stop`),
    expect: objectRoute(200),
  },
  // Search covers the caller's own conversations only: A's words find nothing for anyone else.
  'GET /api/search': {
    call: (_f, c) => c.request('GET', `/api/search?q=${encodeURIComponent(SECRET)}`),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  // Tools of the operator's MCP servers, filtered by the caller's role.
  'GET /api/tools': {
    call: (_f, c) => c.request('GET', '/api/tools'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  // Usage and cost: each caller their own (A's runs never show in B's); everyone's for admins only.
  'GET /api/usage': {
    call: (_f, c) => c.request('GET', '/api/usage?groupBy=day,model'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'GET /api/admin/usage': {
    call: (_f, c) => c.request('GET', '/api/admin/usage?groupBy=user,model&format=csv'),
    expect: { anonymous: 401, b: 403, admin: 200, a: 403 },
  },
  // A file is its uploader's alone; anyone signed in may upload their own.
  'POST /api/files': {
    call: async (_f, c) => {
      const { payload, headers } = multipartFile(Buffer.from('my own notes'), 'notes.txt');
      return c.request('POST', '/api/files', payload, headers);
    },
    expect: { anonymous: 401, b: 201, admin: 201, a: 201 },
  },
  'GET /api/files/:id': {
    call: (f, c) => c.request('GET', `/api/files/${f.fileId}`),
    expect: objectRoute(200),
  },
  'GET /api/files/:id/preview': {
    call: (f, c) => c.request('GET', `/api/files/${f.fileId}/preview`),
    expect: objectRoute(200),
  },
  'DELETE /api/files/:id': {
    call: (f, c) => c.request('DELETE', `/api/files/${f.fileId}`),
    expect: objectRoute(204),
  },
  'GET /api/conversations/:id/export': {
    call: (f, c) => c.request('GET', `/api/conversations/${f.conversationId}/export`),
    expect: objectRoute(200),
  },
  // An import always lands in the caller's own account.
  'POST /api/conversations/import': {
    call: (_f, c) =>
      c.request('POST', '/api/conversations/import', {
        format: 'parley.conversation',
        version: 1,
        conversation: { title: 'imported' },
        messages: [{ id: 'm1', parentId: null, role: 'user', content: 'hello' }],
      }),
    expect: { anonymous: 401, b: 201, admin: 201, a: 201 },
  },
  'GET /api/events': {
    // Everyone gets their own stream; what A does must not show up in B's or the admin's.
    call: async (f, c, role) => {
      const controller = new AbortController();
      const res = await fetch(`${f.base}/api/events`, { headers: headersOf(c), signal: controller.signal });
      if (res.status !== 200) return { statusCode: res.status, body: await res.text() };
      const events = readSse(res).catch(() => []);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A acts while the others listen.
      if (role !== 'a')
        await f.clients.a.request('PATCH', `/api/conversations/${f.conversationId}`, { title: SECRET });
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort();
      return { statusCode: 200, body: JSON.stringify(await events) };
    },
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  // The OpenAI-compatible API takes API tokens only: each caller uses a token of their own.
  'GET /v1/models': {
    call: async (_f, c) => (await withToken(c)).request('GET', '/v1/models'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'GET /v1/models/*': {
    call: async (_f, c) => (await withToken(c)).request('GET', '/v1/models/demo'),
    expect: { anonymous: 401, b: 200, admin: 200, a: 200 },
  },
  'POST /v1/chat/completions': {
    // Recording the exchange into A's conversation: only A may.
    call: async (f, c) =>
      (await withToken(c)).request(
        'POST',
        '/v1/chat/completions',
        { model: 'demo', messages: [{ role: 'user', content: 'injected' }] },
        { 'x-parley-conversation': f.conversationId },
      ),
    expect: objectRoute(200),
  },
  'POST /v1/responses': {
    // The same recording rule as chat completions.
    call: async (f, c) =>
      (await withToken(c)).request(
        'POST',
        '/v1/responses',
        { model: 'demo', input: 'injected' },
        { 'x-parley-conversation': f.conversationId },
      ),
    expect: objectRoute(200),
  },
};

/** A cookie-less caller with an API token of the client's own (anonymous callers get none). */
async function withToken(client: Client): Promise<Client> {
  const caller = new Client(client.app);
  const res = await client.request('POST', '/api/tokens', { name: 'openai client' });
  if (res.statusCode === 201) caller.bearer = res.json().token;
  return caller;
}

function headersOf(client: Client): Record<string, string> {
  const headers: Record<string, string> = {};
  if (client.cookie) headers.cookie = client.cookie;
  if (client.bearer) headers.authorization = `Bearer ${client.bearer}`;
  return headers;
}

/** What every route's fixture shares: A's data and everyone's credentials, seeded once. */
interface Template {
  dir: string;
  file: string;
  credentials: Record<Role, Pick<Client, 'cookie' | 'csrfToken' | 'bearer' | 'userId'>>;
  data: Omit<Fixture, 't' | 'base' | 'clients'>;
}

const ROLES: Role[] = ['anonymous', 'admin', 'a', 'b'];
// A fixed secret, so the sessions seeded in the template are valid in every copy of it.
const ENV = {
  AUTH_MODE: 'local',
  DEMO_DELAY_MS: '0',
  SESSION_SECRET: 'matrix-session-secret-0123456789abcdef',
};

/**
 * Seed A's data once (three sign-ups are three deliberately slow password hashes, plus replies,
 * uploads and a share) into a SQLite file; each route then gets a fresh copy of that file, so no
 * route's calls can affect another's, without seeding ~150 times.
 */
async function seedTemplate(): Promise<Template> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-matrix-'));
  const file = path.join(dir, 'template.db');
  const t = await createTestApp({ env: { ...ENV, DATABASE_URL: `sqlite:${file}` } });
  try {
    const clients: Record<Role, Client> = {
      anonymous: new Client(t.app),
      admin: new Client(t.app),
      a: new Client(t.app),
      b: new Client(t.app),
    };
    await clients.admin.signup('admin1');
    await clients.a.signup('alice');
    await clients.b.signup('bob');
    const a = clients.a;
    const conversation = (await a.request('POST', '/api/conversations', { title: SECRET })).json();
    const first = (
      await a.request('POST', `/api/conversations/${conversation.id}/messages`, { content: SECRET })
    ).json();
    await t.app.parley.runs.get(first.runId)?.done;
    const second = (
      await a.request('POST', `/api/conversations/${conversation.id}/messages`, { content: `${SECRET} 2` })
    ).json();
    await a.request('POST', `/api/conversations/${conversation.id}/stop`);
    await t.app.parley.runs.get(second.runId)?.done;
    // A's seed history too.
    await a.request('POST', '/chat/message', { message: `${SECRET} seed` });
    await waitForNoRuns(t);
    const token = (await a.request('POST', '/api/tokens', { name: SECRET })).json();
    const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const upload = multipartFile(image, `${SECRET}.png`);
    const file_ = (await a.request('POST', '/api/files', upload.payload, upload.headers)).json();
    const folder = (await a.request('POST', '/api/folders', { name: `${SECRET} folder` })).json();
    await a.request('PATCH', `/api/conversations/${conversation.id}`, { folderId: folder.id, pinned: true });
    // A shares another conversation (nothing secret in it), with an image, with signed-in users.
    const sharedImage = multipartFile(image, 'shared.png');
    const sharedFile = (
      await a.request('POST', '/api/files', sharedImage.payload, sharedImage.headers)
    ).json();
    const shared = (await a.request('POST', '/api/conversations', { title: 'Shared plan' })).json();
    const sharedRun = (
      await a.request('POST', `/api/conversations/${shared.id}/messages`, {
        content: 'shared words',
        files: [sharedFile.id],
      })
    ).json();
    await t.app.parley.runs.get(sharedRun.runId)?.done;
    const share = (await a.request('POST', `/api/conversations/${shared.id}/share`, {})).json();
    await waitForNoRuns(t);
    const credentials = Object.fromEntries(
      ROLES.map((role) => {
        const { cookie, csrfToken, bearer, userId } = clients[role];
        return [role, { cookie, csrfToken, bearer, userId }];
      }),
    ) as Template['credentials'];
    return {
      dir,
      file,
      credentials,
      data: {
        conversationId: conversation.id,
        userMessageId: first.userMessage.id,
        replyId: first.assistantMessage.id,
        stoppedReplyId: second.assistantMessage.id,
        tokenId: token.id,
        fileId: file_.id,
        folderId: folder.id,
        share: { id: share.id, fileId: sharedFile.id },
        secrets: [
          folder.id,
          file_.id,
          SECRET,
          conversation.id,
          first.userMessage.id,
          first.assistantMessage.id,
          token.id,
          token.prefix,
        ],
      },
    };
  } finally {
    // Closing checkpoints SQLite's write-ahead log into the file, so a plain copy holds everything.
    await t.close();
  }
}

/** Replies (the title writer's too) finish before the template is closed and copied. */
async function waitForNoRuns(t: TestApp): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (t.app.parley.runs.activeCount > 0) {
    if (Date.now() > deadline) throw new Error('replies still running after 30 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let template: Promise<Template> | undefined;
let copies = 0;

async function fixture(): Promise<Fixture> {
  template ??= seedTemplate();
  const { dir, file, credentials, data } = await template;
  const copy = path.join(dir, `route-${++copies}.db`);
  copyFileSync(file, copy);
  const app = await createTestApp({ env: { ...ENV, DATABASE_URL: `sqlite:${copy}` } });
  const t: TestApp = {
    ...app,
    async close() {
      await app.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${copy}${suffix}`, { force: true });
    },
  };
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const clients = Object.fromEntries(
    ROLES.map((role) => [role, Object.assign(new Client(t.app), credentials[role])]),
  ) as Record<Role, Client>;
  return { t, base: `http://127.0.0.1:${address.port}`, clients, ...data };
}

/** A's data, to compare before and after the others' attempts. */
async function snapshotOfA(f: Fixture) {
  const rows = await f.t.store.db
    .selectFrom('messages')
    .select(['id', 'content', 'status'])
    .where('user_id', '=', f.clients.a.userId as string)
    .orderBy('id')
    .execute();
  const conversations = await f.t.store.db
    .selectFrom('conversations')
    .select(['id', 'title', 'folder_id', 'pinned', 'archived'])
    .where('user_id', '=', f.clients.a.userId as string)
    .orderBy('id')
    .execute();
  const folders = await f.t.store.db
    .selectFrom('folders')
    .select(['id', 'name'])
    .where('user_id', '=', f.clients.a.userId as string)
    .execute();
  const tokens = await f.t.store.db
    .selectFrom('api_tokens')
    .select('id')
    .where('user_id', '=', f.clients.a.userId as string)
    .execute();
  const files = await f.t.store.db
    .selectFrom('files')
    .select(['id', 'name', 'conversation_id'])
    .where('user_id', '=', f.clients.a.userId as string)
    .execute();
  const shares = await f.t.store.db
    .selectFrom('shares')
    .select(['id', 'snapshot', 'live_message_id'])
    .where('user_id', '=', f.clients.a.userId as string)
    .orderBy('id')
    .execute();
  return { rows, conversations, tokens, files, folders, shares };
}

describe('authorization matrix', () => {
  let probe: TestApp;
  beforeAll(async () => {
    probe = await createTestApp({ env: { AUTH_MODE: 'local' } });
  });
  afterAll(async () => {
    await probe?.close();
    const seeded = await template?.catch(() => undefined);
    if (seeded) rmSync(seeded.dir, { recursive: true, force: true });
  });

  it('has an entry for every route of the app', () => {
    const routes = probe.app.parley.routes.map((route) => `${route.method} ${route.url}`);
    const missing = routes.filter((route) => !(route in matrix));
    expect(missing, 'add these routes to the authorization matrix').toEqual([]);
    const stale = Object.keys(matrix).filter((route) => !routes.includes(route));
    expect(stale, 'these matrix entries name routes that no longer exist').toEqual([]);
  });

  for (const [route, entry] of Object.entries(matrix)) {
    it(route, async () => {
      const f = await fixture();
      try {
        await entry.prepare?.(f);
        const before = await snapshotOfA(f);
        for (const role of ['anonymous', 'b', 'admin'] as const) {
          const res = await entry.call(f, f.clients[role], role);
          expect([entry.expect[role]].flat(), `${route} as ${role}: ${res.body.slice(0, 200)}`).toContain(
            res.statusCode,
          );
          for (const secret of f.secrets) {
            expect(res.body.includes(secret), `${route} as ${role} leaked "${secret}"`).toBe(false);
          }
        }
        // Nothing of A's changed (the events probe renames A's conversation itself, as A).
        const after = await snapshotOfA(f);
        if (route !== 'GET /api/events') expect(after).toEqual(before);
        else expect(after.rows).toEqual(before.rows);

        const res = await entry.call(f, f.clients.a, 'a');
        expect([entry.expect.a].flat(), `${route} as a: ${res.body.slice(0, 200)}`).toContain(res.statusCode);
      } finally {
        await f.t.close();
      }
    });
  }
});
