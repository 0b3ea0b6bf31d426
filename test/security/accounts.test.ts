import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { MemoryCounterStore } from '../../src/server/auth/counters.js';
import { LoginThrottle } from '../../src/server/auth/login-throttle.js';
import { hashPassword } from '../../src/server/auth/passwords.js';
import { sha256 } from '../../src/server/auth/secrets.js';
import { parseConfig } from '../../src/server/config.js';
import { AppError } from '../../src/server/errors.js';
import { Client } from '../helpers/clients.js';
import { createPostgresDatabase, type TestDatabase } from '../helpers/databases.js';
import { captureLogs } from '../helpers/logs.js';
import { postgresTestUrl, redisTestUrl, uniquePrefix } from '../helpers/redis.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app.js';

/**
 * Accounts from the attacker's side: password guessing (throttle, lockout of the owner), hashing
 * as a denial of service, taking over a fresh public install, and what password change, "sign out
 * everywhere" and reset links must end.
 */

const PASSWORD = 'correct horse battery';
const redisUrl = redisTestUrl();

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(options: TestAppOptions = {}) {
  const logs = captureLogs();
  t = await createTestApp({ logger: logs.logger, ...options, env: { AUTH_MODE: 'local', ...options.env } });
  return { app: t.app, lines: logs.lines };
}

/** A sign-in from a given address (app.inject's remoteAddress; no proxy is trusted). */
function login(app: TestApp['app'], username: string, password: string, remoteAddress: string) {
  return app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password },
    remoteAddress,
  });
}

/** Audit lines of one event (the log is the observable of what was verified). */
function audits(lines: string[], event: string): Record<string, unknown>[] {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.audit === event);
}

function setupCodeFrom(lines: string[]): string | undefined {
  return /setup code (setup_[A-Za-z0-9_-]+)/.exec(lines.join(''))?.[1];
}

async function burstOfGuesses(app: TestApp['app'], lines: string[]) {
  await new Client(app).signup('alice');
  const attacker = '203.0.113.7';
  const guesses = Array.from({ length: 200 }, (_, i) =>
    login(app, 'alice', i === 100 ? PASSWORD : `wrong guess ${i}`, attacker),
  );
  const answers = await Promise.all(guesses);
  const verified = audits(lines, 'login.failed').length + audits(lines, 'login').length;
  expect(verified).toBeLessThanOrEqual(5);
  expect(answers.filter((res) => res.statusCode === 200)).toEqual([]);
  expect(answers[100]?.statusCode).toBe(429);
  expect(answers[100]?.headers['retry-after']).toBeDefined();
  expect(new Set(answers.map((res) => res.statusCode))).toEqual(new Set([401, 429]));
  // The owner, from their own address, is not locked out by the stranger.
  expect((await login(app, 'alice', PASSWORD, '198.51.100.20')).statusCode).toBe(200);
}

describe('password guessing', () => {
  it('200 parallel guesses for one account: at most the limit verified, the right one inside the burst refused', async () => {
    const { app, lines } = await start();
    await burstOfGuesses(app, lines);
  });

  it.skipIf(!redisUrl)('the same burst with the Redis counters (several instances share them)', async () => {
    const { app, lines } = await start({
      env: { REDIS_URL: redisUrl as string, REDIS_KEY_PREFIX: uniquePrefix() },
    });
    await burstOfGuesses(app, lines);
  });

  it('wrong passwords from one address do not lock the owner out at another', async () => {
    const { app } = await start();
    await new Client(app).signup('alice');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push((await login(app, 'alice', 'not the password', '203.0.113.9')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // The stranger's address is locked even with the right password …
    expect((await login(app, 'alice', PASSWORD, '203.0.113.9')).statusCode).toBe(429);
    // … the owner elsewhere is not.
    expect((await login(app, 'alice', PASSWORD, '198.51.100.20')).statusCode).toBe(200);
  });

  it('each lockout lasts longer than the one before (1 min, 2 min, …); the right password clears it', async () => {
    // The throttle alone, on a clock we move: no hashing, no waiting.
    let clock = Date.parse('2026-05-04T09:00:00Z');
    const throttle = new LoginThrottle(new MemoryCounterStore(() => clock));
    const lockout = async () => {
      for (let i = 0; i < 5; i++) await throttle.reserve('login', 'alice', '203.0.113.9');
      const refused = await throttle.reserve('login', 'alice', '203.0.113.9').catch((error) => error);
      expect(refused).toBeInstanceOf(AppError);
      expect(refused.code).toBe('rate_limited');
      return refused.retryAfterSeconds as number;
    };
    expect(await lockout()).toBe(60);
    clock += 61_000;
    expect(await lockout()).toBe(120);
    clock += 121_000;
    expect(await lockout()).toBe(240);
    // The owner elsewhere was never affected; a success clears this address's lockout history.
    await throttle.reserve('login', 'alice', '198.51.100.20');
    // (past the per-address window too: this address made 18 guesses)
    clock += 15 * 60_000;
    await throttle.reserve('login', 'alice', '203.0.113.9');
    await throttle.succeeded('login', 'alice', '203.0.113.9');
    expect(await lockout()).toBe(60);
  });
});

describe('hashing cannot be used to stall the server', () => {
  it('40 parallel sign-ups of a taken name are refused before hashing; a sign-in meanwhile is prompt', async () => {
    const { app } = await start();
    await new Client(app).signup('alice');
    const accounts = app.parley.accounts;
    const hashesBefore = accounts.hashes.started;
    const signups = Array.from({ length: 40 }, (_, i) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { username: 'alice', password: `another password ${i}` },
        remoteAddress: `203.0.113.${i + 1}`,
      }),
    );
    // Counted, not timed: the most hashes waiting for a turn while all of this ran.
    let mostWaiting = 0;
    const run = accounts.hashes.run.bind(accounts.hashes);
    accounts.hashes.run = (task) => {
      mostWaiting = Math.max(mostWaiting, accounts.hashes.size.waiting);
      return run(task);
    };
    const [answers, owner] = await Promise.all([
      Promise.all(signups),
      login(app, 'alice', PASSWORD, '198.51.100.20'),
    ]);
    expect(answers.map((res) => res.statusCode)).toEqual(Array(40).fill(409));
    expect(answers[0]?.json().code).toBe('conflict');
    expect(owner.statusCode).toBe(200);
    // Only the owner's sign-in was hashed, so it never queued behind anyone's hash: prompt by
    // construction, however busy the machine.
    expect(accounts.hashes.started - hashesBefore).toBe(1);
    expect(mostWaiting).toBe(0);
  });

  it('beyond the hash queue, sign-ins get 503 with Retry-After at once instead of waiting without bound', async () => {
    const { app } = await start();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(app, `nobody${i}`, 'some password', `203.0.113.${i + 1}`)),
    );
    const busy = answers.filter((res) => res.statusCode === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]?.json()).toMatchObject({ code: 'unavailable' });
    expect(Number(busy[0]?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(answers.every((res) => res.statusCode === 401 || res.statusCode === 503)).toBe(true);
    // At most 2 running and 16 waiting: 18 verified.
    expect(answers.filter((res) => res.statusCode === 401).length).toBeLessThanOrEqual(18);
    // Up to 18 real 128 MiB hashes, two at a time: minutes on a busy 2-core machine (hang guard).
  }, 180_000);

  it('a hash with older, weaker parameters is upgraded to N=2^17 at the next sign-in', async () => {
    const { app, lines } = await start();
    const alice = new Client(app);
    await alice.signup('alice');
    const weak = await hashPassword(PASSWORD, { N: 2 ** 15, r: 8, p: 1 });
    await t?.store.db
      .updateTable('users')
      .set({ password_hash: weak })
      .where('username', '=', 'alice')
      .execute();
    expect((await login(app, 'alice', PASSWORD, '198.51.100.20')).statusCode).toBe(200);
    const row = await t?.store.db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', 'alice')
      .executeTakeFirstOrThrow();
    expect(row?.password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(audits(lines, 'password.rehashed').length).toBe(1);
    expect((await login(app, 'alice', PASSWORD, '198.51.100.20')).statusCode).toBe(200);
  }, 120_000);
});

describe('a fresh public install cannot be taken over', () => {
  const PUBLIC = { PUBLIC_URL: 'https://chat.example.com', SIGNUP: 'approval' };

  it('the first sign-up needs the setup code from the log; the code works once', async () => {
    const { app, lines } = await start({ env: PUBLIC });
    const code = setupCodeFrom(lines);
    expect(code).toBeDefined();
    // Printed once, as a warning; stored only hashed.
    expect(lines.filter((line) => line.includes(code as string))).toHaveLength(1);
    expect(JSON.parse(lines.find((line) => line.includes(code as string)) as string).level).toBe(40);
    const stored = await t?.store.db.selectFrom('setup_codes').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(code);

    const stranger = await new Client(app).request('POST', '/api/auth/signup', {
      username: 'mallory',
      password: 'long enough pw',
    });
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json().code).toBe('setup_required');
    const guessed = await new Client(app).request('POST', '/api/auth/signup', {
      username: 'mallory',
      password: 'long enough pw',
      setupCode: 'setup_guess',
    });
    expect(guessed.statusCode).toBe(403);
    expect(
      await t?.store.db.selectFrom('users').select('id').where('username', '=', 'mallory').execute(),
    ).toEqual([]);

    // Two parallel sign-ups with the code: exactly one admin.
    const [first, second] = await Promise.all(
      ['owner', 'racer'].map((username) =>
        new Client(app).request('POST', '/api/auth/signup', {
          username,
          password: PASSWORD,
          setupCode: code,
        }),
      ),
    );
    const statuses = [first?.statusCode, second?.statusCode].sort();
    expect(statuses).toEqual([201, 403]);
    const admin = [first, second].find((res) => res?.statusCode === 201);
    expect(admin?.json().user.role).toBe('admin');

    // Used up: it grants nothing any more (this is an ordinary sign-up, waiting for approval).
    const again = await new Client(app).request('POST', '/api/auth/signup', {
      username: 'mallory',
      password: 'long enough pw',
      setupCode: code,
    });
    expect(again.statusCode).toBe(202);
    expect(again.json().user).toMatchObject({ role: 'user', pending: true });
    expect(await t?.store.db.selectFrom('setup_codes').selectAll().execute()).toEqual([]);
  });

  it('ADMIN_USERNAME/ADMIN_PASSWORD create the admin at start; no setup code is printed', async () => {
    const { app, lines } = await start({
      env: { ...PUBLIC, ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'a long admin password' },
    });
    expect(setupCodeFrom(lines)).toBeUndefined();
    const boss = new Client(app);
    expect((await boss.login('boss', 'a long admin password')).statusCode).toBe(200);
    expect((await boss.request('GET', '/api/auth/me')).json().user.role).toBe('admin');
    const stranger = await new Client(app).request('POST', '/api/auth/signup', {
      username: 'mallory',
      password: 'long enough pw',
    });
    expect(stranger.statusCode).toBe(202);
    expect(stranger.json().user.role).toBe('user');
  });

  it('on a loopback address the first account still becomes admin, without a code', async () => {
    const { app, lines } = await start({ env: { SIGNUP: 'approval' } });
    expect(setupCodeFrom(lines)).toBeUndefined();
    expect((await new Client(app).signup('alice')).json().user.role).toBe('admin');
  });
});

describe('SIGNUP=approval', () => {
  it('a new account waits: no session, cannot sign in until an admin approves it', async () => {
    const { app } = await start({ env: { SIGNUP: 'approval' } });
    const admin = new Client(app);
    await admin.signup('admin1');
    const bob = new Client(app);
    const pending = await bob.request('POST', '/api/auth/signup', { username: 'bob', password: PASSWORD });
    expect(pending.statusCode).toBe(202);
    expect(pending.json()).toMatchObject({ status: 'pending', user: { username: 'bob', pending: true } });
    expect(pending.headers['set-cookie']).toBeUndefined();

    const refused = await bob.login('bob');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('account_pending');
    // A wrong password says nothing about the account's state.
    expect((await bob.login('bob', 'wrong password')).json().code).toBe('invalid_credentials');

    const users = (await admin.request('GET', '/api/admin/users')).json().items;
    const listed = users.find((u: { username: string }) => u.username === 'bob');
    expect(listed.pending).toBe(true);
    const approved = await admin.request('PATCH', `/api/admin/users/${listed.id}`, { approved: true });
    expect(approved.json().pending).toBe(false);
    expect((await bob.login('bob')).statusCode).toBe(200);
    expect((await bob.request('GET', '/api/conversations')).statusCode).toBe(200);
  });
});

describe('password change, sessions and reset links', () => {
  it('changing the password ends the other sessions and keeps this one', async () => {
    const { app } = await start();
    const here = new Client(app);
    await here.signup('alice');
    const there = new Client(app);
    await there.login('alice');

    const wrong = await here.request('POST', '/api/auth/password', {
      currentPassword: 'not my password',
      newPassword: 'a brand new password',
    });
    expect(wrong.statusCode).toBe(403);
    expect((await there.request('GET', '/api/auth/me')).statusCode).toBe(200);

    const changed = await here.request('POST', '/api/auth/password', {
      currentPassword: PASSWORD,
      newPassword: 'a brand new password',
    });
    expect(changed.statusCode).toBe(204);
    expect((await there.request('GET', '/api/conversations')).statusCode).toBe(401);
    expect((await here.request('GET', '/api/conversations')).statusCode).toBe(200);
    expect((await new Client(app).login('alice')).statusCode).toBe(401);
    expect((await new Client(app).login('alice', 'a brand new password')).statusCode).toBe(200);
  });

  it('the ended sessions’ open event streams end at once (password change and reset)', async () => {
    const { app, lines } = await start();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const admin = new Client(app);
    await admin.signup('admin1');
    const here = new Client(app);
    await here.signup('alice');
    const stolen = new Client(app);
    await stolen.login('alice');
    const listen = async (client: Client) => {
      const res = await fetch(`http://127.0.0.1:${address.port}/api/events`, {
        headers: { cookie: client.cookie as string },
      });
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      return async () => {
        // Resolves when the server ends the stream (a thief's tab must not keep listening).
        for (;;) if ((await reader.read()).done) return true;
      };
    };
    const ended = await listen(stolen);
    const kept = await listen(here);
    await here.request('POST', '/api/auth/password', {
      currentPassword: PASSWORD,
      newPassword: 'a brand new password',
    });
    const timeout = new Promise((resolve) => setTimeout(() => resolve(false), 5_000));
    expect(await Promise.race([ended(), timeout])).toBe(true);
    expect(
      await Promise.race([kept().then(() => 'ended'), new Promise((r) => setTimeout(() => r('open'), 300))]),
    ).toBe('open');

    // A reset ends every session, this one's stream too.
    const { url } = (await admin.request('POST', `/api/admin/users/${here.userId}/reset-link`)).json();
    const token = new URL(url).hash.slice('#token='.length);
    await new Client(app).request('POST', '/api/auth/reset', { token, newPassword: 'the third password' });
    expect(await Promise.race([kept().then(() => true), timeout])).toBe(true);
    // Audited, without the token or any password.
    const log = lines.join('');
    expect(audits(lines, 'password.changed')).toHaveLength(1);
    expect(audits(lines, 'password.reset')).toHaveLength(1);
    expect(audits(lines, 'reset_link.created')).toHaveLength(1);
    for (const secret of [token, PASSWORD, 'a brand new password', 'the third password']) {
      expect(log).not.toContain(secret);
    }
  });

  it('lists this user’s sessions (no secrets) and signs out everywhere; API tokens stay', async () => {
    const { app } = await start();
    const here = new Client(app);
    await here.signup('alice');
    const there = new Client(app);
    await there
      .request(
        'POST',
        '/api/auth/login',
        { username: 'alice', password: PASSWORD },
        {
          'user-agent': 'PhoneBrowser/1.0',
        },
      )
      .then((res) => there.adopt(res));
    const bob = new Client(app);
    await bob.signup('bob');
    const token = (await here.request('POST', '/api/tokens', { name: 'script' })).json().token;

    const list = (await here.request('GET', '/api/auth/sessions')).json().items;
    expect(list).toHaveLength(2);
    expect(list.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(list.map((s: { userAgent: string | null }) => s.userAgent)).toContain('PhoneBrowser/1.0');
    const cookies = [here.cookie, there.cookie].map(
      (c) => decodeURIComponent(c?.split('=')[1] ?? '').split('.')[0],
    );
    for (const secret of [...cookies, here.csrfToken, there.csrfToken]) {
      expect(JSON.stringify(list)).not.toContain(secret);
    }

    const ended = await there.request('DELETE', '/api/auth/sessions');
    expect(ended.statusCode).toBe(204);
    expect((await here.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await there.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await bob.request('GET', '/api/auth/me')).statusCode).toBe(200);
    const script = new Client(app);
    script.bearer = token;
    expect((await script.request('GET', '/api/auth/me')).statusCode).toBe(200);
  });

  it('a reset link works once, ends every session, and only an admin can make one', async () => {
    // A public install whose admin comes from the settings.
    const { app: app2 } = await start({
      env: {
        PUBLIC_URL: 'https://chat.example.com/',
        ADMIN_USERNAME: 'boss',
        ADMIN_PASSWORD: 'a long admin password',
      },
    });
    const boss = new Client(app2);
    await boss.login('boss', 'a long admin password');
    const bob = new Client(app2);
    await bob.signup('bob');
    const bobElsewhere = new Client(app2);
    await bobElsewhere.login('bob');

    expect((await bob.request('POST', `/api/admin/users/${boss.userId}/reset-link`)).statusCode).toBe(403);
    expect(
      (await new Client(app2).request('POST', `/api/admin/users/${bob.userId}/reset-link`)).statusCode,
    ).toBe(401);

    const first = (await boss.request('POST', `/api/admin/users/${bob.userId}/reset-link`)).json();
    const link = await boss.request('POST', `/api/admin/users/${bob.userId}/reset-link`);
    expect(link.statusCode).toBe(201);
    const { url, expiresAt } = link.json();
    expect(url).toMatch(/^https:\/\/chat\.example\.com\/reset#token=rst_/);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
    const token = new URL(url).hash.slice('#token='.length);
    const stored = await (t as TestApp).store.db.selectFrom('password_resets').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);

    // The older link was replaced by the newer one.
    const oldToken = new URL(first.url).hash.slice('#token='.length);
    const replaced = await new Client(app2).request('POST', '/api/auth/reset', {
      token: oldToken,
      newPassword: 'attacker password',
    });
    expect(replaced.statusCode).toBe(400);

    const reset = await new Client(app2).request('POST', '/api/auth/reset', {
      token,
      newPassword: 'bob new password',
    });
    expect(reset.statusCode).toBe(204);
    expect((await bob.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await bobElsewhere.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await new Client(app2).login('bob', 'bob new password')).statusCode).toBe(200);

    const reused = await new Client(app2).request('POST', '/api/auth/reset', {
      token,
      newPassword: 'attacker password',
    });
    expect(reused.statusCode).toBe(400);
    expect(reused.json().code).toBe('bad_request');
    expect((await new Client(app2).login('bob', 'attacker password')).statusCode).toBe(401);
  });

  it('an expired reset link is refused', async () => {
    const { app } = await start();
    const admin = new Client(app);
    await admin.signup('admin1');
    const bob = new Client(app);
    await bob.signup('bob');
    const { url } = (await admin.request('POST', `/api/admin/users/${bob.userId}/reset-link`)).json();
    expect(url).toMatch(/^http:\/\/localhost(:\d+)?\/reset#token=/);
    await t?.store.db
      .updateTable('password_resets')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute();
    const token = new URL(url).hash.slice('#token='.length);
    const expired = await new Client(app).request('POST', '/api/auth/reset', {
      token,
      newPassword: 'bob new password',
    });
    expect(expired.statusCode).toBe(400);
    expect((await bob.request('GET', '/api/auth/me')).statusCode).toBe(200);
  });

  it('a user keeps at most 100 sessions: the oldest is dropped', async () => {
    const { app } = await start();
    const alice = new Client(app);
    await alice.signup('alice');
    const rows = Array.from({ length: 100 }, (_, i) => ({
      id: sha256(`old session ${i}`),
      user_id: alice.userId as string,
      csrf_token: `csrf${i}`,
      created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    }));
    await t?.store.db.insertInto('sessions').values(rows).execute();
    await alice.login('alice');
    const left = await t?.store.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', alice.userId as string)
      .execute();
    expect(left).toHaveLength(100);
    expect(left?.map((row) => row.id)).not.toContain(sha256('old session 0'));
    expect((await alice.request('GET', '/api/auth/sessions')).json().items).toHaveLength(100);
  });
});

describe('housekeeping', () => {
  it('expired sessions, invites and reset links are purged (at start and periodically)', async () => {
    const { app } = await start({ env: { SIGNUP: 'invite' } });
    const admin = new Client(app);
    await admin.signup('admin1');
    const stale = new Client(app);
    await stale.login('admin1');
    await admin.request('POST', '/api/admin/invites');
    await admin.request('POST', `/api/admin/users/${admin.userId}/reset-link`);
    const past = new Date(Date.now() - 1000).toISOString();
    const db = t?.store.db;
    if (!db) throw new Error('no app');
    const staleId = (
      await db.selectFrom('sessions').select('id').orderBy('created_at', 'desc').executeTakeFirstOrThrow()
    ).id;
    await db.updateTable('sessions').set({ expires_at: past }).where('id', '=', staleId).execute();
    await db.updateTable('invites').set({ expires_at: past }).execute();
    await db.updateTable('password_resets').set({ expires_at: past }).execute();
    expect((await stale.request('GET', '/api/auth/me')).statusCode).toBe(401);

    // What the hourly timer does.
    await app.parley.accounts.purgeExpired();
    expect(await db.selectFrom('sessions').select('id').where('id', '=', staleId).execute()).toEqual([]);
    expect(await db.selectFrom('invites').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('password_resets').selectAll().execute()).toEqual([]);
    expect((await admin.request('GET', '/api/auth/me')).statusCode).toBe(200);

    // And at start: another instance on the same database purges on its way up.
    await db.updateTable('sessions').set({ expires_at: past }).execute();
    const config = parseConfig({ DATABASE_URL: 'sqlite::memory:', AUTH_MODE: 'local', LOG_LEVEL: 'silent' });
    const second = await buildApp({
      config,
      store: t?.store as TestApp['store'],
      models: app.parley.models,
      logger: pino({ level: 'silent' }),
    });
    try {
      expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

const postgresUrl = postgresTestUrl();

describe.skipIf(!postgresUrl)('on PostgreSQL (real concurrent transactions)', () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await database?.drop();
    database = undefined;
  });

  it('parallel claims stay single: the setup code makes one admin, a reset link works once', async () => {
    database = await createPostgresDatabase(postgresUrl as string);
    const { app, lines } = await start({
      env: { DATABASE_URL: database.url, PUBLIC_URL: 'https://chat.example.com', SIGNUP: 'open' },
    });
    const code = setupCodeFrom(lines);
    const answers = await Promise.all(
      ['owner', 'racer1', 'racer2'].map((username) =>
        new Client(app).request('POST', '/api/auth/signup', {
          username,
          password: PASSWORD,
          setupCode: code,
        }),
      ),
    );
    expect(answers.map((res) => res.statusCode).sort()).toEqual([201, 403, 403]);
    const boss = new Client(app);
    boss.adopt(answers.find((res) => res.statusCode === 201) as (typeof answers)[number]);

    const bob = new Client(app);
    await bob.signup('bob');
    const { url } = (await boss.request('POST', `/api/admin/users/${bob.userId}/reset-link`)).json();
    const token = new URL(url).hash.slice('#token='.length);
    const resets = await Promise.all(
      [1, 2, 3].map((i) =>
        new Client(app).request('POST', '/api/auth/reset', { token, newPassword: `new password ${i}` }),
      ),
    );
    expect(resets.map((res) => res.statusCode).sort()).toEqual([204, 400, 400]);
    expect((await bob.request('GET', '/api/auth/me')).statusCode).toBe(401);
  });
});
