import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../src/server/ai/models.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { parseConfig } from '../src/server/config.js';
import { ModelStats } from '../src/server/observability/model-stats.js';
import { openStore } from '../src/server/store/database.js';
import { Client } from './helpers/clients.js';
import { storeTargets } from './helpers/databases.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

// The server side of the admin console: the audit log, invites with a role, user search and the
// models' breakers with this instance's recent figures.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

let current: TestApp;

async function start(options: TestAppOptions = {}): Promise<ParleyApp> {
  const t: TestApp = await createTestApp({ ...options, env: { AUTH_MODE: 'local', ...options.env } });
  cleanup.push(() => t.close());
  current = t;
  return t.app;
}

interface AuditItem {
  id: string;
  at: string;
  type: string;
  actorId: string | null;
  actorName: string | null;
  targetId: string | null;
  targetName: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

async function auditOf(admin: Client, query = ''): Promise<AuditItem[]> {
  const res = await admin.request('GET', `/api/admin/audit?limit=200${query}`);
  expect(res.statusCode).toBe(200);
  return res.json().items;
}

const PASSWORD = 'correct horse battery';

describe('audit log', () => {
  it('records each account event with its actor and target, and never a secret', async () => {
    const app = await start({ env: { SIGNUP: 'approval' } });
    const admin = new Client(app);
    await admin.signup('root-admin');
    const bob = new Client(app);
    const pending = await bob.request('POST', '/api/auth/signup', { username: 'bob', password: PASSWORD });
    expect(pending.statusCode).toBe(202);
    const bobId: string = pending.json().user.id;

    const patch = (body: object) => admin.request('PATCH', `/api/admin/users/${bobId}`, body);
    expect((await patch({ approved: true })).statusCode).toBe(200);
    const wrong = await new Client(app).request('POST', '/api/auth/login', {
      username: 'bob',
      password: 'not-the-password-42',
    });
    expect(wrong.statusCode).toBe(401);
    expect((await bob.login('bob')).statusCode).toBe(200);
    const token = await bob.request('POST', '/api/tokens', { name: 'script' });
    expect(token.statusCode).toBe(201);
    const tokenSecret: string = token.json().token;
    expect((await bob.request('DELETE', `/api/tokens/${token.json().id}`)).statusCode).toBe(204);
    const newPassword = 'a brand new passphrase';
    expect(
      (await bob.request('POST', '/api/auth/password', { currentPassword: PASSWORD, newPassword }))
        .statusCode,
    ).toBe(204);
    expect((await bob.request('POST', '/api/auth/logout')).statusCode).toBe(204);
    expect((await patch({ role: 'admin' })).statusCode).toBe(200);
    expect((await patch({ role: 'user', tokenQuotaDaily: 5000 })).statusCode).toBe(200);
    expect((await patch({ disabled: true })).statusCode).toBe(200);
    expect((await patch({ disabled: false })).statusCode).toBe(200);
    const reset = await admin.request('POST', `/api/admin/users/${bobId}/reset-link`);
    expect(reset.statusCode).toBe(201);
    const invite = await admin.request('POST', '/api/admin/invites', { role: 'admin' });
    expect(invite.statusCode).toBe(201);
    expect((await admin.request('DELETE', `/api/admin/invites/${invite.json().id}`)).statusCode).toBe(204);

    const items = await auditOf(admin);
    const one = (type: string) => {
      const found = items.filter((item) => item.type === type);
      expect(found, type).not.toHaveLength(0);
      return found[0] as AuditItem;
    };
    const adminId = admin.userId;
    expect(one('user-approved')).toMatchObject({
      actorId: adminId,
      actorName: 'root-admin',
      targetName: 'bob',
    });
    expect(one('sign-in-failed')).toMatchObject({
      actorId: null,
      targetId: bobId,
      detail: { username: 'bob', reason: 'bad password' },
    });
    expect(one('sign-in-failed').ip).toBeTruthy();
    expect(items.find((i) => i.type === 'sign-in' && i.targetId === bobId)).toMatchObject({
      actorId: bobId,
      actorName: 'bob',
    });
    // The token's id, prefix and name are bob's own: the log says only that he made one.
    expect(one('token-created')).toMatchObject({ actorId: bobId, targetId: bobId, detail: {} });
    expect(one('token-revoked')).toMatchObject({ actorId: bobId, targetId: bobId, detail: {} });
    expect(one('password-changed')).toMatchObject({
      actorId: bobId,
      targetId: bobId,
      detail: { via: 'settings' },
    });
    expect(one('sign-out')).toMatchObject({ actorId: bobId, targetId: bobId });
    const roles = items.filter((i) => i.type === 'role-changed').map((i) => i.detail);
    expect(roles).toEqual([
      { from: 'admin', to: 'user' },
      { from: 'user', to: 'admin' },
    ]);
    expect(one('quota-changed')).toMatchObject({
      actorId: adminId,
      targetId: bobId,
      detail: { daily: { from: null, to: 5000 } },
    });
    expect(one('user-disabled')).toMatchObject({ actorId: adminId, targetId: bobId });
    expect(one('user-enabled')).toMatchObject({ actorId: adminId, targetId: bobId });
    expect(one('reset-link-created')).toMatchObject({ actorId: adminId, targetId: bobId });
    expect(one('invite-created')).toMatchObject({ actorId: adminId, detail: { role: 'admin' } });
    expect(one('invite-revoked')).toMatchObject({ actorId: adminId, detail: { inviteId: invite.json().id } });

    // Newest first.
    const times = items.map((i) => i.at);
    expect([...times].sort().reverse()).toEqual(times);
    // No secret anywhere in the log.
    const everything = JSON.stringify(items);
    const resetToken = /token=([^&]+)/.exec(reset.json().url)?.[1] as string;
    for (const secret of [
      PASSWORD,
      'not-the-password-42',
      newPassword,
      tokenSecret,
      token.json().prefix,
      token.json().id,
      'script',
      invite.json().code,
      resetToken,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('filters by type and user, pages with a cursor, and refuses a forged cursor', async () => {
    const app = await start();
    const admin = new Client(app);
    await admin.signup('root-admin');
    const carol = new Client(app);
    await carol.signup('carol');
    for (let i = 0; i < 3; i++) {
      await new Client(app).request('POST', '/api/auth/login', {
        username: 'carol',
        password: `wrong-${i}-pass`,
      });
      await carol.login('carol');
    }
    const failed = await auditOf(admin, '&type=sign-in-failed');
    expect(failed).toHaveLength(3);
    expect(failed.every((i) => i.type === 'sign-in-failed')).toBe(true);

    // carol as actor or target: her sign-ins and the failures against her account.
    const carols = await auditOf(admin, `&userId=${carol.userId}`);
    expect(carols.map((i) => i.type).sort()).toEqual(
      [...Array(3).fill('sign-in'), ...Array(3).fill('sign-in-failed')].sort(),
    );
    const admins = await auditOf(admin, `&userId=${admin.userId}`);
    expect(admins.some((i) => i.targetId === carol.userId)).toBe(false);

    // Pages of 2 walk every entry exactly once, newest first.
    const all = await auditOf(admin);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await admin.request(
        'GET',
        `/api/admin/audit?limit=2${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.items.map((i: AuditItem) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all.map((i) => i.id));

    expect((await admin.request('GET', '/api/admin/audit?before=bm90LWEtY3Vyc29y')).statusCode).toBe(400);
    expect((await admin.request('GET', '/api/admin/audit?limit=201')).statusCode).toBe(400);
  });

  it('a failed write never fails the request', async () => {
    const app = await start();
    const admin = new Client(app);
    await admin.signup('root-admin');
    await current.store.db.schema.dropTable('audit_events').execute();
    expect((await new Client(app).login('root-admin')).statusCode).toBe(200);
    expect((await new Client(app).login('root-admin', 'wrong password!')).statusCode).toBe(401);
  });
});

describe('invites', () => {
  it('lists, creates with a role and expiry, revokes unused ones only; an admin invite makes an admin', async () => {
    const app = await start({ env: { SIGNUP: 'invite' } });
    const admin = new Client(app);
    await admin.signup('root-admin');

    // No body: a 7-day invite for a user (the old behaviour).
    const plain = await admin.request('POST', '/api/admin/invites');
    expect(plain.statusCode).toBe(201);
    expect(plain.json()).toMatchObject({ role: 'user' });
    const days = (Date.parse(plain.json().expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);

    const adminInvite = await admin.request('POST', '/api/admin/invites', {
      role: 'admin',
      expiresInDays: 2,
    });
    expect(adminInvite.statusCode).toBe(201);
    expect((Date.parse(adminInvite.json().expiresAt) - Date.now()) / 86_400_000).toBeCloseTo(2, 1);
    for (const body of [{ expiresInDays: 0 }, { expiresInDays: 31 }, { role: 'owner' }, { extra: true }]) {
      expect((await admin.request('POST', '/api/admin/invites', body)).statusCode).toBe(400);
    }

    const list = await admin.request('GET', '/api/admin/invites');
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(2);
    expect(list.json().items[0]).toEqual({
      id: adminInvite.json().id,
      role: 'admin',
      createdAt: expect.any(String),
      expiresAt: adminInvite.json().expiresAt,
      usedAt: null,
      revokedAt: null,
      createdBy: admin.userId,
    });
    // The code is shown once: never in the list.
    expect(list.body).not.toContain(plain.json().code);
    expect(list.body).not.toContain(adminInvite.json().code);

    const dave = new Client(app);
    expect(
      (await dave.signup('dave', PASSWORD, { inviteCode: adminInvite.json().code })).json().user.role,
    ).toBe('admin');
    expect((await dave.request('GET', '/api/admin/users')).statusCode).toBe(200);
    const used = (await admin.request('GET', '/api/admin/invites')).json().items[0];
    expect(used.usedAt).not.toBeNull();
    const revokeUsed = await admin.request('DELETE', `/api/admin/invites/${adminInvite.json().id}`);
    expect(revokeUsed.statusCode).toBe(409);
    expect(revokeUsed.json().code).toBe('conflict');
    expect(
      (await admin.request('DELETE', '/api/admin/invites/0190a0b0-0000-7000-8000-000000000000')).statusCode,
    ).toBe(404);

    expect((await admin.request('DELETE', `/api/admin/invites/${plain.json().id}`)).statusCode).toBe(204);
    // A revoked invite no longer signs anyone up.
    const eve = await new Client(app).request('POST', '/api/auth/signup', {
      username: 'eve',
      password: PASSWORD,
      inviteCode: plain.json().code,
    });
    expect(eve.statusCode).toBe(403);
    const revoked = (await admin.request('GET', '/api/admin/invites')).json().items[1];
    expect(revoked.revokedAt).not.toBeNull();

    // An ordinary invite makes an ordinary user.
    const userInvite = (await admin.request('POST', '/api/admin/invites', { role: 'user' })).json();
    expect(
      (await new Client(app).signup('frank', PASSWORD, { inviteCode: userInvite.code })).json().user.role,
    ).toBe('user');
  });
});

describe('user search', () => {
  it('finds users by a part of their username or display name, case-insensitive, with paging', async () => {
    const app = await start();
    const admin = new Client(app);
    await admin.signup('root-admin');
    await new Client(app).signup('alice', PASSWORD, { displayName: 'Alice Martin' });
    await new Client(app).signup('bob', PASSWORD, { displayName: 'Robert MARTINEZ' });
    await new Client(app).signup('carol', PASSWORD, { displayName: 'Carol 100%' });
    const names = async (q: string, extra = '') => {
      const res = await admin.request('GET', `/api/admin/users?q=${encodeURIComponent(q)}${extra}`);
      expect(res.statusCode).toBe(200);
      return res.json().items.map((u: { username: string }) => u.username);
    };
    expect(await names('martin')).toEqual(['alice', 'bob']);
    expect(await names('ALI')).toEqual(['alice']);
    expect(await names('%')).toEqual(['carol']);
    expect(await names('_')).toEqual([]);
    expect(await names('nobody')).toEqual([]);
    const first = await admin.request('GET', '/api/admin/users?q=martin&limit=1');
    expect(first.json().items).toHaveLength(1);
    const second = await admin.request(
      'GET',
      `/api/admin/users?q=martin&limit=1&cursor=${first.json().nextCursor}`,
    );
    expect(second.json().items.map((u: { username: string }) => u.username)).toEqual(['bob']);
    expect((await admin.request('GET', `/api/admin/users?q=${'x'.repeat(101)}`)).statusCode).toBe(400);
  });
});

describe('models', () => {
  it('shows the breaker open after provider failures, and recent requests, errors and TTFT', async () => {
    const openai = await startFakeOpenAI();
    cleanup.push(() => openai.close());
    openai.script({ status: 500, error: { message: 'upstream exploded', type: 'server_error' } });
    const env = {
      DATABASE_URL: 'sqlite::memory:',
      LOG_LEVEL: 'silent',
      AUTH_MODE: 'local',
      DEMO_DELAY_MS: '0',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: openai.baseURL,
      MODEL_MAX_RETRIES: '0',
    };
    const config = parseConfig(env);
    const logger = pino({ level: 'silent' });
    const models = await createModelRegistry(config, { logger, env });
    const store = await openStore(config.databaseUrl);
    const app = await buildApp({ config, store, models, logger });
    cleanup.push(async () => {
      await app.close();
      await store.close();
    });
    const admin = new Client(app);
    await admin.signup('root-admin');

    const ask = async (model: string) => {
      const conversation = (await admin.request('POST', '/api/conversations', { model })).json();
      expect(
        (await admin.request('POST', `/api/conversations/${conversation.id}/messages`, { content: 'hi' }))
          .statusCode,
      ).toBe(202);
      for (let i = 0; i < 200; i++) {
        const items = (await admin.request('GET', `/api/conversations/${conversation.id}/messages`)).json()
          .items as { role: string; status: string }[];
        const reply = items.find((m) => m.role === 'assistant');
        if (reply && reply.status !== 'streaming') return reply.status;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('the reply did not end');
    };
    const listed = async () => {
      const res = await admin.request('GET', '/api/admin/models');
      expect(res.statusCode).toBe(200);
      return res.json().models as {
        id: string;
        provider: string;
        breaker: string;
        retryInMs: number | null;
        recent: { requests: number; errors: number; errorRate: number | null; ttftMsP50: number | null };
      }[];
    };
    const before = await listed();
    expect(before.find((m) => m.id === 'openai/gpt-4o-mini')).toMatchObject({
      provider: 'openai',
      breaker: 'closed',
      retryInMs: null,
      recent: { requests: 0, errors: 0, errorRate: null, ttftMsP50: null },
    });

    for (let i = 0; i < 5; i++) expect(await ask('openai/gpt-4o-mini')).toBe('error');
    expect(await ask('demo')).toBe('complete');
    expect(await ask('demo')).toBe('complete');

    const after = await listed();
    const mini = after.find((m) => m.id === 'openai/gpt-4o-mini');
    expect(mini).toMatchObject({
      breaker: 'open',
      recent: { requests: 5, errors: 5, errorRate: 1, ttftMsP50: null },
    });
    expect(mini?.retryInMs).toBeGreaterThan(0);
    // The breaker is the provider's: its other models show it too.
    expect(after.find((m) => m.id === 'openai/gpt-4o')?.breaker).toBe('open');
    const demo = after.find((m) => m.id === 'demo');
    expect(demo).toMatchObject({
      breaker: 'closed',
      retryInMs: null,
      recent: { requests: 2, errors: 0, errorRate: 0 },
    });
    expect(demo?.recent.ttftMsP50).toEqual(expect.any(Number));
  });

  it('keeps 15 minutes of one-minute buckets with a bounded sample', () => {
    let now = Date.parse('2026-05-04T10:00:00Z');
    const stats = new ModelStats(() => now);
    for (let i = 0; i < 1000; i++) {
      stats.record('m', {
        status: i % 4 === 0 ? 'error' : 'complete',
        startedAt: 0,
        firstTokenAt: 100 + (i % 3),
      });
    }
    expect(stats.recent('m')).toEqual({ requests: 1000, errors: 250, errorRate: 0.25, ttftMsP50: 101 });
    now += 10 * 60_000;
    stats.record('m', { status: 'complete', startedAt: 0, firstTokenAt: undefined });
    expect(stats.recent('m').requests).toBe(1001);
    now += 6 * 60_000;
    expect(stats.recent('m')).toMatchObject({ requests: 1, errors: 0, errorRate: 0, ttftMsP50: null });
    now += 15 * 60_000;
    expect(stats.recent('m')).toEqual({ requests: 0, errors: 0, errorRate: null, ttftMsP50: null });
    expect(stats.recent('unknown').requests).toBe(0);
  });
});

describe('admin routes are for admins', () => {
  it('answers 401 to anonymous callers and 403 to users', async () => {
    const app = await start();
    const admin = new Client(app);
    await admin.signup('root-admin');
    const user = new Client(app);
    await user.signup('plain-user');
    const routes: [method: 'GET' | 'POST' | 'DELETE', url: string][] = [
      ['GET', '/api/admin/audit'],
      ['GET', '/api/admin/invites'],
      ['POST', '/api/admin/invites'],
      ['DELETE', '/api/admin/invites/0190a0b0-0000-7000-8000-000000000000'],
      ['GET', '/api/admin/users?q=a'],
      ['GET', '/api/admin/models'],
    ];
    for (const [method, url] of routes) {
      expect((await new Client(app).request(method, url)).statusCode, `${method} ${url}`).toBe(401);
      expect((await user.request(method, url)).statusCode, `${method} ${url}`).toBe(403);
    }
  });
});

describe.each(storeTargets())('on $name', (target) => {
  it('audit pages, invites with a role and user search work on this database', async () => {
    const db = await target.create();
    cleanup.push(() => db.drop());
    const app = await start({ env: { DATABASE_URL: db.url, SIGNUP: 'invite' } });
    const admin = new Client(app);
    await admin.signup('root-admin');
    const invite = (await admin.request('POST', '/api/admin/invites', { role: 'admin' })).json();
    const other = (await admin.request('POST', '/api/admin/invites')).json();
    const zoe = new Client(app);
    expect(
      (await zoe.signup('zoe', PASSWORD, { inviteCode: invite.code, displayName: 'Zoë 50%_off' })).json().user
        .role,
    ).toBe('admin');
    expect((await admin.request('DELETE', `/api/admin/invites/${invite.id}`)).statusCode).toBe(409);
    expect((await admin.request('DELETE', `/api/admin/invites/${other.id}`)).statusCode).toBe(204);
    await new Client(app).request('POST', '/api/auth/login', { username: 'zoe', password: 'wrong password' });
    const names = async (q: string) =>
      (await admin.request('GET', `/api/admin/users?q=${encodeURIComponent(q)}`))
        .json()
        .items.map((u: { username: string }) => u.username);
    expect(await names('50%_')).toEqual(['zoe']);
    expect(await names('ZO')).toEqual(['zoe']);
    expect(await names('5_%')).toEqual([]);
    const failed = (
      await admin.request('GET', `/api/admin/audit?type=sign-in-failed&userId=${zoe.userId}`)
    ).json();
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({
      targetName: 'zoe',
      detail: { username: 'zoe', reason: 'bad password' },
    });
    const all = (await admin.request('GET', '/api/admin/audit'))
      .json()
      .items.map((i: { id: string }) => i.id);
    const first = (await admin.request('GET', '/api/admin/audit?limit=1')).json();
    const rest = (
      await admin.request('GET', `/api/admin/audit?before=${encodeURIComponent(first.nextCursor)}`)
    ).json();
    expect([first.items[0].id, ...rest.items.map((i: { id: string }) => i.id)]).toEqual(all);
  });
});
