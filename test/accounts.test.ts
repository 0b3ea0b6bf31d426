import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { captureLogs } from './helpers/logs.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

let t: TestApp;
afterEach(async () => t?.close());

async function start(options: TestAppOptions = {}) {
  t = await createTestApp({ ...options, env: { AUTH_MODE: 'local', ...options.env } });
  return t.app;
}

describe('accounts', () => {
  it('the first account is admin, later ones are users; me, logout and the cookie', async () => {
    // A public address: the first admin needs the setup code from the log (test/security/accounts).
    const { logger, lines } = captureLogs('debug');
    const app = await start({ env: { PUBLIC_URL: 'https://chat.example.com' }, logger });
    const setupCode = /setup code (setup_\S+)/.exec(lines.join(''))?.[1];
    const anonymous = new Client(app);
    expect((await anonymous.request('GET', '/api/auth/me')).statusCode).toBe(401);

    const alice = new Client(app);
    const signup = await alice.signup('Alice', undefined, { setupCode });
    expect(signup.json().user).toMatchObject({ username: 'alice', role: 'admin', disabled: false });
    const cookie = [signup.headers['set-cookie']].flat().join(';');
    expect(cookie).toMatch(/parley_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Secure/i);
    expect(signup.headers['strict-transport-security']).toMatch(/max-age=/);

    const bob = new Client(app);
    expect((await bob.signup('bob')).json().user.role).toBe('user');
    const me = await bob.request('GET', '/api/auth/me');
    expect(me.json()).toMatchObject({ user: { username: 'bob' }, authMode: 'local', via: 'session' });
    expect(me.json().csrfToken).toBe(bob.csrfToken);

    expect((await new Client(app).signup('carol')).statusCode).toBe(201);
    expect(
      (
        await new Client(app).request('POST', '/api/auth/signup', {
          username: 'bob',
          password: 'another password',
        })
      ).statusCode,
    ).toBe(409);

    // Log-out ends the session at once: the old cookie no longer works.
    const oldCookie = bob.cookie;
    expect((await bob.request('POST', '/api/auth/logout')).statusCode).toBe(204);
    const replay = new Client(app);
    replay.cookie = oldCookie;
    expect((await replay.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await replay.request('GET', '/api/conversations')).statusCode).toBe(401);
  });

  it('logs in with the right password only, with a generic error', async () => {
    const app = await start();
    await new Client(app).signup('alice');
    const client = new Client(app);
    const wrong = await client.login('alice', 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: 'Wrong username or password.', code: 'invalid_credentials' });
    const unknown = await client.login('nobody', 'whatever password');
    expect(unknown.json()).toEqual(wrong.json());
    expect((await client.login('ALICE')).statusCode).toBe(200);
    expect((await client.request('GET', '/api/conversations')).statusCode).toBe(200);
  });

  it('never stores or logs a password in clear', async () => {
    const { logger, lines } = captureLogs('debug');
    const app = await start({ logger });
    const password = 'sup3r-secret-passw0rd';
    await new Client(app).signup('alice', password);
    await new Client(app).login('alice', password);
    await new Client(app).login('alice', `${password}-wrong`);
    const users = await t.store.db.selectFrom('users').selectAll().execute();
    const alice = users.find((user) => user.username === 'alice');
    expect(alice?.password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(users)).not.toContain(password);
    const sessions = await t.store.db.selectFrom('sessions').selectAll().execute();
    expect(sessions.length).toBe(2);
    const logs = lines.join('');
    expect(logs).not.toContain(password);
    expect(logs).toContain('"audit":"login"');
    expect(logs).toContain('"audit":"login.failed"');
  });

  it('refuses a cookie-authenticated write without the CSRF token; tokens need none', async () => {
    const app = await start();
    const alice = new Client(app);
    await alice.signup('alice');
    const noCsrf = await alice.request('POST', '/api/conversations', {}, { 'x-csrf-token': '' });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().code).toBe('csrf_failed');
    const wrong = await alice.request('POST', '/api/conversations', {}, { 'x-csrf-token': 'forged' });
    expect(wrong.statusCode).toBe(403);
    expect((await alice.request('GET', '/api/conversations')).json().items).toEqual([]);
    expect((await alice.request('POST', '/api/conversations', {})).statusCode).toBe(201);

    const created = await alice.request('POST', '/api/tokens', { name: 'script' });
    const script = new Client(app);
    script.bearer = created.json().token;
    expect((await script.request('POST', '/api/conversations', {})).statusCode).toBe(201);
  });

  it('API tokens: shown once, stored hashed, listed, revoked at once', async () => {
    const app = await start();
    const alice = new Client(app);
    await alice.signup('alice');
    const created = await alice.request('POST', '/api/tokens', { name: 'laptop' });
    expect(created.statusCode).toBe(201);
    const { token, id, prefix } = created.json();
    expect(token).toMatch(/^pk_/);
    expect(token.startsWith(prefix)).toBe(true);
    const stored = await t.store.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);

    const list = (await alice.request('GET', '/api/tokens')).json().items;
    expect(list).toEqual([expect.objectContaining({ id, name: 'laptop', prefix })]);
    expect(JSON.stringify(list)).not.toContain(token);

    const script = new Client(app);
    script.bearer = token;
    expect((await script.request('GET', '/api/auth/me')).json()).toMatchObject({
      user: { username: 'alice' },
      via: 'token',
    });
    expect((await alice.request('DELETE', `/api/tokens/${id}`)).statusCode).toBe(204);
    const revoked = await script.request('GET', '/api/conversations');
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().code).toBe('unauthorized');
    const garbage = new Client(app);
    garbage.bearer = 'pk_not-a-token';
    expect((await garbage.request('GET', '/chat/history')).statusCode).toBe(401);
  });

  it('disabling a user ends their sessions and tokens at once; enabling lets them log in again', async () => {
    const app = await start();
    const admin = new Client(app);
    await admin.signup('admin1');
    const bob = new Client(app);
    await bob.signup('bob');
    const token = (await bob.request('POST', '/api/tokens', { name: 't' })).json().token;
    const script = new Client(app);
    script.bearer = token;

    const disabled = await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().disabled).toBe(true);
    expect((await bob.request('GET', '/api/conversations')).statusCode).toBe(401);
    expect((await script.request('GET', '/api/conversations')).statusCode).toBe(401);
    // The right password learns the account is disabled (a wrong one gets invalid_credentials).
    expect((await new Client(app).login('bob')).json().code).toBe('account_disabled');

    await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled: false });
    expect((await new Client(app).login('bob')).statusCode).toBe(200);
  });

  it('admin API: list users with usage, change role and quota; users cannot use it; the last admin stays', async () => {
    const app = await start();
    const admin = new Client(app);
    await admin.signup('admin1');
    const bob = new Client(app);
    await bob.signup('bob');
    expect((await bob.request('GET', '/api/admin/users')).statusCode).toBe(403);
    expect((await bob.request('PATCH', `/api/admin/users/${bob.userId}`, { role: 'admin' })).statusCode).toBe(
      403,
    );

    const users = (await admin.request('GET', '/api/admin/users')).json().items;
    expect(users.map((u: { username: string }) => u.username)).toEqual(['admin1', 'bob']);
    expect(users[1].usage).toEqual({ day: 0, month: 0 });

    const quota = await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { tokenQuotaDaily: 1000 });
    expect(quota.json().tokenQuotaDaily).toBe(1000);
    const demoted = await admin.request('PATCH', `/api/admin/users/${admin.userId}`, { role: 'user' });
    expect(demoted.statusCode).toBe(409);
    expect(
      (await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { role: 'admin' })).json().role,
    ).toBe('admin');
    expect(
      (await admin.request('PATCH', `/api/admin/users/${admin.userId}`, { role: 'user' })).statusCode,
    ).toBe(200);
  });

  it('sign-up can be closed or invite-only after the first account', async () => {
    let app = await start({ env: { SIGNUP: 'closed' } });
    await new Client(app).signup('admin1');
    const closed = await new Client(app).request('POST', '/api/auth/signup', {
      username: 'bob',
      password: 'long enough',
    });
    expect(closed.statusCode).toBe(403);
    expect(closed.json().code).toBe('signup_closed');
    await t.close();

    app = await start({ env: { SIGNUP: 'invite' } });
    const admin = new Client(app);
    await admin.signup('admin1');
    const noInvite = await new Client(app).request('POST', '/api/auth/signup', {
      username: 'bob',
      password: 'long enough',
    });
    expect(noInvite.statusCode).toBe(403);
    const invite = (await admin.request('POST', '/api/admin/invites')).json();
    expect(invite.code).toMatch(/^inv_/);
    expect((await new Client(app).signup('bob', 'long enough', { inviteCode: invite.code })).statusCode).toBe(
      201,
    );
    const reused = await new Client(app).request('POST', '/api/auth/signup', {
      username: 'carol',
      password: 'long enough',
      inviteCode: invite.code,
    });
    expect(reused.statusCode).toBe(403);
  });

  it('with GUEST_ACCESS=on keeps the seed routes working for anonymous callers as guests, separate from accounts', async () => {
    const app = await start({ env: { GUEST_ACCESS: 'on' } });
    const alice = new Client(app);
    await alice.signup('alice');
    await alice.request('POST', '/chat/message', { message: 'alice private' });
    const anonymous = new Client(app);
    const sent = await anonymous.request('POST', '/chat/message', { message: 'hello from nobody' });
    expect(sent.statusCode).toBe(200);
    expect(sent.json().status).toBe('success');
    // The browser keeps its guest cookie (test/security/guests.test.ts covers guests in depth).
    anonymous.cookie = [sent.headers['set-cookie'] ?? []]
      .flat()
      .find((c) => c.startsWith('parley_guest='))
      ?.split(';')[0];
    const history = (await anonymous.request('GET', '/chat/history')).json();
    expect(history.map((h: { message: string }) => h.message)[0]).toBe('hello from nobody');
    expect(JSON.stringify(history)).not.toContain('alice private');
    expect(JSON.stringify((await alice.request('GET', '/chat/history')).json())).not.toContain(
      'hello from nobody',
    );
  });

  it('AUTH_MODE=none: no login, everything acts as the local user, account routes say so', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'none' } });
    const client = new Client(t.app);
    expect((await client.request('GET', '/api/auth/me')).json()).toMatchObject({
      authMode: 'none',
      user: { role: 'admin' },
    });
    const signup = await client.request('POST', '/api/auth/signup', {
      username: 'alice',
      password: 'long enough',
    });
    expect(signup.statusCode).toBe(409);
    expect(signup.json().code).toBe('auth_disabled');
    expect((await client.request('POST', '/api/conversations', {})).statusCode).toBe(201);
  });

  it('the first account keeps what was written before accounts existed', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'none' } });
    await t.app.inject({ method: 'POST', url: '/api/conversations', payload: { title: 'from before' } });
    const app = await buildLocalOnSameStore();
    const alice = new Client(app);
    await alice.signup('alice');
    const titles = (await alice.request('GET', '/api/conversations'))
      .json()
      .items.map((c: { title: string }) => c.title);
    expect(titles).toEqual(['from before']);
  });
});

/** The same database, reopened with accounts on (as after changing AUTH_MODE and restarting). */
async function buildLocalOnSameStore() {
  const { buildApp } = await import('../src/server/app.js');
  const { parseConfig } = await import('../src/server/config.js');
  const config = parseConfig({ DATABASE_URL: 'sqlite::memory:', AUTH_MODE: 'local', LOG_LEVEL: 'silent' });
  const app = await buildApp({
    config,
    store: t.store,
    models: t.app.parley.models,
    logger: pino({ level: 'silent' }),
  });
  const close = t.close;
  t.close = async () => {
    await app.close();
    await close();
  };
  return app;
}
