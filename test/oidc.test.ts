import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/server/config.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { Client } from './helpers/clients.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Single sign-on against a real OpenID provider (the `oidc-provider` package) started here: the
 * browser is played by fetch with a cookie jar, following every redirect and submitting the
 * provider's sign-in and consent forms. Parley discovers the provider, sends the browser there
 * with PKCE, state and nonce, and checks them all at the callback.
 */

const CLIENT_ID = 'parley';
const CLIENT_SECRET = 'a-client-secret-for-tests-only';
const ADMIN_PASSWORD = 'bootstrap admin pw 1';

interface AccountClaims {
  email?: string;
  name?: string;
  preferred_username?: string;
  groups?: string[];
}

/** The provider's users; tests change them between sign-ins (groups, for one). */
const people = new Map<string, AccountClaims>();

interface Idp {
  issuer: string;
  server: Server;
  /** Set once Parley's address is known (the client's redirect URI). */
  configure(parleyOrigin: string): void;
}

async function startIdp(): Promise<Idp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    server,
    configure(parleyOrigin) {
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            redirect_uris: [`${parleyOrigin}/api/auth/oidc/callback`],
            post_logout_redirect_uris: [`${parleyOrigin}/`],
            grant_types: ['authorization_code'],
            response_types: ['code'],
          },
        ],
        scopes: ['openid', 'profile', 'email', 'groups'],
        claims: {
          openid: ['sub'],
          email: ['email', 'email_verified'],
          profile: ['name', 'preferred_username'],
          groups: ['groups'],
        },
        async findAccount(_ctx, id) {
          if (!people.has(id)) return undefined;
          return {
            accountId: id,
            async claims() {
              return { sub: id, email_verified: true, ...people.get(id) };
            },
          };
        },
        features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
        pkce: { required: () => true },
        cookies: { keys: ['oidc-test-cookie-key'] },
      });
      server.removeAllListeners('request');
      server.on('request', provider.callback());
    },
  };
}

/** A browser: one cookie jar for 127.0.0.1 (cookies ignore ports), redirects followed by hand. */
class Browser {
  cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some(
        (a) =>
          /^\s*max-age=0/i.test(a) ||
          (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') < Date.now()),
      );
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /**
   * Follow redirects from `url` until Parley's callback is the next stop (returned, not
   * visited), submitting the provider's forms (sign in as `login`, then consent) on the way.
   */
  async toCallback(url: string, login: string, parleyOrigin: string): Promise<string> {
    let next = url;
    for (let hop = 0; hop < 20; hop++) {
      if (next.startsWith(`${parleyOrigin}/api/auth/oidc/callback`)) return next;
      const res = await this.fetch(next);
      const location = res.headers.get('location');
      if (location) {
        next = new URL(location, next).href;
        continue;
      }
      const html = await res.text();
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(html);
      if (!form?.[1]) throw new Error(`no form at ${next}: ${res.status} ${html.slice(0, 300)}`);
      const body = new URLSearchParams();
      for (const input of html.matchAll(
        /<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi,
      )) {
        body.set(input[1] as string, input[2] as string);
      }
      if (/name="login"/.test(html)) {
        body.set('login', login);
        body.set('password', 'any');
      }
      const posted = await this.fetch(new URL(form[1].replace(/&amp;/g, '&'), next).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const to = posted.headers.get('location');
      if (!to) throw new Error(`form at ${next} did not redirect: ${posted.status}`);
      next = new URL(to, next).href;
    }
    throw new Error('too many redirects');
  }
}

interface Parley {
  t: TestApp;
  origin: string;
}

async function startParley(
  idp: Idp,
  store: Store | undefined,
  env: Record<string, string> = {},
): Promise<Parley> {
  const t = await createTestApp({
    store,
    env: {
      AUTH_MODE: 'local',
      SIGNUP: 'open',
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_SCOPES: 'openid profile email groups',
      OIDC_ADMIN_GROUPS: 'parley-admins, ops',
      OIDC_LABEL: 'Example SSO',
      ADMIN_USERNAME: 'root-admin',
      ADMIN_PASSWORD,
      ...env,
    },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  idp.configure(origin);
  return { t, origin };
}

/** The whole sign-in of `login` in a fresh browser: returns the browser and Parley's final answer. */
async function signIn(p: Parley, idp: Idp, login: string) {
  const browser = new Browser();
  const start = await browser.fetch(`${p.origin}/api/auth/oidc/login`);
  expect(start.status).toBe(302);
  const authorize = start.headers.get('location') as string;
  expect(authorize.startsWith(`${idp.issuer}/`)).toBe(true);
  const callback = await browser.toCallback(authorize, login, p.origin);
  return { browser, callback };
}

async function finish(browser: Browser, callback: string) {
  const res = await browser.fetch(callback);
  return { status: res.status, location: res.headers.get('location') };
}

async function me(p: Parley, browser: Browser) {
  const res = await browser.fetch(`${p.origin}/api/auth/me`);
  return { status: res.status, body: res.status === 200 ? await res.json() : undefined };
}

async function userByName(p: Parley, username: string) {
  return p.t.store.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

for (const target of storeTargets()) {
  describe(`single sign-on with OpenID Connect (${target.name})`, () => {
    let idp: Idp;
    let db: TestDatabase;
    let store: Store | undefined;
    let p: Parley | undefined;

    beforeAll(async () => {
      idp = await startIdp();
    });
    afterAll(async () => {
      await new Promise((resolve) => idp.server.close(resolve));
    });
    afterEach(async () => {
      await p?.t.close();
      await store?.close();
      await db?.drop();
      p = undefined;
      store = undefined;
    });

    async function parley(env: Record<string, string> = {}) {
      db = await target.create();
      store = target.name === 'sqlite' ? undefined : await openStore(db.url);
      p = await startParley(idp, store, env);
      return p;
    }

    it('signs in through the provider: PKCE, state and nonce, a new linked account and a session', async () => {
      people.set('sub-alice', {
        email: 'alice@example.com',
        name: 'Alice Example',
        preferred_username: 'alice',
      });
      const p = await parley();
      const providers = await (await fetch(`${p.origin}/api/auth/providers`)).json();
      expect(providers).toMatchObject({
        oidc: { enabled: true, label: 'Example SSO' },
        localSignIn: true,
        localSignUp: true,
      });

      const browser = new Browser();
      const start = await browser.fetch(`${p.origin}/api/auth/oidc/login?returnTo=/c/abc`);
      const authorize = new URL(start.headers.get('location') as string);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('code_challenge')).toBeTruthy();
      expect(authorize.searchParams.get('state')).toBeTruthy();
      expect(authorize.searchParams.get('nonce')).toBeTruthy();
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${p.origin}/api/auth/oidc/callback`);
      const transient = start.headers.getSetCookie().find((c) => c.startsWith('parley_oidc='));
      expect(transient).toMatch(/HttpOnly/i);
      expect(transient).toMatch(/Path=\/api\/auth\/oidc/i);
      expect(transient).toMatch(/Max-Age=600/i);
      // The verifier never travels in the URL.
      expect(authorize.href).not.toMatch(/code_verifier/);

      const callback = await browser.toCallback(authorize.href, 'sub-alice', p.origin);
      const done = await finish(browser, callback);
      expect(done).toEqual({ status: 302, location: '/c/abc' });
      expect(browser.cookies.has('parley_session')).toBe(true);
      expect(browser.cookies.has('parley_oidc')).toBe(false);

      const who = await me(p, browser);
      expect(who.status).toBe(200);
      expect(who.body.user).toMatchObject({ username: 'alice', displayName: 'Alice Example', role: 'user' });
      expect(who.body.via).toBe('session');
      expect(who.body.csrfToken).toBeTruthy();
      // A write with the session's CSRF token works like after a password sign-in.
      const created = await browser.fetch(`${p.origin}/api/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': who.body.csrfToken },
        body: JSON.stringify({ title: 'from sso' }),
      });
      expect(created.status).toBe(201);

      const identity = await p.t.store.db.selectFrom('user_identities').selectAll().executeTakeFirstOrThrow();
      expect(identity).toMatchObject({
        issuer: idp.issuer,
        subject: 'sub-alice',
        user_id: who.body.user.id,
        email: 'alice@example.com',
      });
      // Signing in again finds the same account (no second one).
      const again = await signIn(p, idp, 'sub-alice');
      expect((await finish(again.browser, again.callback)).location).toBe('/');
      expect((await me(p, again.browser)).body.user.id).toBe(who.body.user.id);
      const count = await p.t.store.db
        .selectFrom('user_identities')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(1);
      // The audit log has the sign-in.
      const audit = await p.t.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('type', '=', 'oidc-sign-in')
        .execute();
      expect(audit.length).toBe(2);
    });

    it('maps the admin groups to the admin role at every sign-in', async () => {
      people.set('sub-dave', { preferred_username: 'dave', groups: ['staff', 'parley-admins'] });
      const p = await parley();
      const first = await signIn(p, idp, 'sub-dave');
      await finish(first.browser, first.callback);
      expect((await me(p, first.browser)).body.user.role).toBe('admin');
      const admin = await first.browser.fetch(`${p.origin}/api/admin/users`);
      expect(admin.status).toBe(200);

      // Removed from the group at the provider: a user from the next sign-in on.
      people.set('sub-dave', { preferred_username: 'dave', groups: ['staff'] });
      const second = await signIn(p, idp, 'sub-dave');
      await finish(second.browser, second.callback);
      expect((await me(p, second.browser)).body.user.role).toBe('user');
      expect((await userByName(p, 'dave'))?.role).toBe('user');
      expect((await second.browser.fetch(`${p.origin}/api/admin/users`)).status).toBe(403);
      const identity = await p.t.store.db.selectFrom('user_identities').selectAll().executeTakeFirstOrThrow();
      expect(JSON.parse(identity.groups ?? '[]')).toEqual(['staff']);
    });

    it('keeps memberships of existing groups in step with the groups claim; an admin’s stay', async () => {
      const p = await parley();
      const admin = new Client(p.t.app);
      expect((await admin.login('root-admin', ADMIN_PASSWORD)).statusCode).toBe(200);
      const make = async (name: string) =>
        (await admin.request('POST', '/api/admin/groups', { name })).json().id as string;
      const research = await make('Research');
      const design = await make('Design');
      const members = async (id: string) =>
        (await admin.request('GET', `/api/admin/groups/${id}/members`)).json().items as {
          username: string;
          source: string;
        }[];

      people.set('sub-gina', { preferred_username: 'gina', groups: ['research', 'no-such-group'] });
      const first = await signIn(p, idp, 'sub-gina');
      await finish(first.browser, first.callback);
      expect(await members(research)).toMatchObject([{ username: 'gina', source: 'oidc' }]);
      // Groups are never created from the claim.
      expect((await admin.request('GET', '/api/admin/groups')).json().items).toHaveLength(2);
      const gina = await userByName(p, 'gina');
      expect((await admin.request('PUT', `/api/admin/groups/${design}/members/${gina?.id}`)).statusCode).toBe(
        204,
      );

      // Out of Research at the provider, and named in Design: Research goes, Design stays the admin's.
      people.set('sub-gina', { preferred_username: 'gina', groups: ['DESIGN'] });
      const second = await signIn(p, idp, 'sub-gina');
      await finish(second.browser, second.callback);
      expect(await members(research)).toEqual([]);
      expect(await members(design)).toMatchObject([{ username: 'gina', source: 'admin' }]);
      people.set('sub-gina', { preferred_username: 'gina', groups: [] });
      const third = await signIn(p, idp, 'sub-gina');
      await finish(third.browser, third.callback);
      expect(await members(design)).toMatchObject([{ username: 'gina', source: 'admin' }]);
      // An admin adding a member the claim brought makes the membership the admin's: it stays.
      people.set('sub-gina', { preferred_username: 'gina', groups: ['Research'] });
      const fourth = await signIn(p, idp, 'sub-gina');
      await finish(fourth.browser, fourth.callback);
      expect(await members(research)).toMatchObject([{ username: 'gina', source: 'oidc' }]);
      expect(
        (await admin.request('PUT', `/api/admin/groups/${research}/members/${gina?.id}`)).statusCode,
      ).toBe(204);
      people.set('sub-gina', { preferred_username: 'gina', groups: [] });
      const fifth = await signIn(p, idp, 'sub-gina');
      await finish(fifth.browser, fifth.callback);
      expect(await members(research)).toMatchObject([{ username: 'gina', source: 'admin' }]);
    });

    it('refuses a callback whose state does not match', async () => {
      people.set('sub-erin', { preferred_username: 'erin' });
      const p = await parley();
      const { browser, callback } = await signIn(p, idp, 'sub-erin');
      const forged = new URL(callback);
      forged.searchParams.set('state', 'an-attackers-state');
      const done = await finish(browser, forged.href);
      expect(done).toEqual({ status: 302, location: '/login?ssoError=sso_failed' });
      expect(browser.cookies.has('parley_session')).toBe(false);
      expect(await userByName(p, 'erin')).toBeUndefined();
    });

    it('refuses an ID token whose nonce does not match the one sent', async () => {
      people.set('sub-frank', { preferred_username: 'frank' });
      const p = await parley();
      const { browser, callback } = await signIn(p, idp, 'sub-frank');
      // Rewrite the (validly signed) transient cookie with another nonce.
      const unsigned = p.t.app.unsignCookie(decodeURIComponent(browser.cookies.get('parley_oidc') as string));
      expect(unsigned.valid).toBe(true);
      const transient = JSON.parse(Buffer.from(unsigned.value as string, 'base64url').toString());
      transient.nonce = 'not-the-nonce-that-was-sent';
      browser.cookies.set(
        'parley_oidc',
        encodeURIComponent(p.t.app.signCookie(Buffer.from(JSON.stringify(transient)).toString('base64url'))),
      );
      const done = await finish(browser, callback);
      expect(done).toEqual({ status: 302, location: '/login?ssoError=sso_failed' });
      expect(browser.cookies.has('parley_session')).toBe(false);
      expect(await userByName(p, 'frank')).toBeUndefined();
    });

    it('refuses a tampered transient cookie, a callback without one, and a replayed callback', async () => {
      people.set('sub-gina', { preferred_username: 'gina' });
      const p = await parley();
      // No login step in this browser: nothing to check the answer against.
      const stranger = new Browser();
      expect(await finish(stranger, `${p.origin}/api/auth/oidc/callback?code=abc&state=def`)).toEqual({
        status: 302,
        location: '/login?ssoError=sso_expired',
      });
      // A cookie that was not signed by Parley.
      const { browser, callback } = await signIn(p, idp, 'sub-gina');
      const kept = browser.cookies.get('parley_oidc') as string;
      browser.cookies.set('parley_oidc', `${kept.slice(0, -3)}abc`);
      expect((await finish(browser, callback)).location).toBe('/login?ssoError=sso_expired');

      // Replay: the same answer with the same cookie, after it worked once.
      const ok = await signIn(p, idp, 'sub-gina');
      const cookie = ok.browser.cookies.get('parley_oidc') as string;
      expect((await finish(ok.browser, ok.callback)).location).toBe('/');
      const replayer = new Browser();
      replayer.cookies.set('parley_oidc', cookie);
      expect(await finish(replayer, ok.callback)).toEqual({
        status: 302,
        location: '/login?ssoError=sso_failed',
      });
      expect(replayer.cookies.has('parley_session')).toBe(false);
    });

    it('refuses a disabled user, whose sessions stay ended', async () => {
      people.set('sub-hank', { preferred_username: 'hank' });
      const p = await parley();
      const first = await signIn(p, idp, 'sub-hank');
      await finish(first.browser, first.callback);
      const hank = (await me(p, first.browser)).body.user;
      const admin = (await userByName(p, 'root-admin'))?.id as string;
      await p.t.app.parley.accounts.updateUser(admin, hank.id, { disabled: true });
      expect((await me(p, first.browser)).status).toBe(401);

      const again = await signIn(p, idp, 'sub-hank');
      expect(await finish(again.browser, again.callback)).toEqual({
        status: 302,
        location: '/login?ssoError=account_disabled',
      });
      expect(again.browser.cookies.has('parley_session')).toBe(false);
      const sessions = await p.t.store.db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', hank.id)
        .execute();
      expect(sessions).toEqual([]);
    });

    it('links by issuer and subject, never by email or username: a local account is not taken over', async () => {
      const p = await parley();
      const signup = await fetch(`${p.origin}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ivy', password: 'ivy local password' }),
      });
      expect(signup.status).toBe(201);
      const local = (await signup.json()).user;
      // The provider says "ivy" with ivy's email: still a new, separate account.
      people.set('sub-ivy', { preferred_username: 'ivy', email: 'ivy@example.com', name: 'Ivy' });
      const { browser, callback } = await signIn(p, idp, 'sub-ivy');
      expect((await finish(browser, callback)).location).toBe('/');
      const sso = (await me(p, browser)).body.user;
      expect(sso.id).not.toBe(local.id);
      expect(sso.username).toBe('ivy-2');
      const identity = await p.t.store.db.selectFrom('user_identities').selectAll().executeTakeFirstOrThrow();
      expect(identity.user_id).toBe(sso.id);
      // And the SSO account has no password that could be guessed.
      const login = await fetch(`${p.origin}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'ivy-2', password: '!sso' }),
      });
      expect(login.status).toBe(401);
    });

    it('logout ends the session and hands back the provider logout URL', async () => {
      people.set('sub-jo', { preferred_username: 'jo' });
      const p = await parley();
      const { browser, callback } = await signIn(p, idp, 'sub-jo');
      await finish(browser, callback);
      const { csrfToken } = (await me(p, browser)).body;
      const res = await browser.fetch(`${p.origin}/api/auth/logout`, {
        method: 'POST',
        headers: { 'x-csrf-token': csrfToken },
      });
      expect(res.status).toBe(200);
      const { endSessionUrl } = await res.json();
      const url = new URL(endSessionUrl);
      expect(url.origin).toBe(idp.issuer);
      expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
      expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${p.origin}/`);
      expect((await me(p, browser)).status).toBe(401);
      // The provider knows the URL (its logout confirmation page).
      expect((await browser.fetch(endSessionUrl)).status).toBe(200);

      // A password user's logout stays a plain 204.
      const login = await fetch(`${p.origin}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'root-admin', password: ADMIN_PASSWORD }),
      });
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const token = (await login.json()).csrfToken;
      const out = await fetch(`${p.origin}/api/auth/logout`, {
        method: 'POST',
        headers: { cookie, 'x-csrf-token': token },
      });
      expect(out.status).toBe(204);
    });

    it('OIDC_ONLY hides and refuses password sign-in and sign-up, except the bootstrap admin', async () => {
      const p = await parley({ OIDC_ONLY: 'true' });
      const providers = await (await fetch(`${p.origin}/api/auth/providers`)).json();
      expect(providers).toMatchObject({
        oidc: { enabled: true, label: 'Example SSO' },
        localSignIn: false,
        localSignUp: false,
      });
      const post = (path: string, body: unknown) =>
        fetch(`${p.origin}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('/api/auth/signup', { username: 'kim', password: 'kim password' })).status).toBe(
        403,
      );
      expect((await post('/api/auth/login', { username: 'kim', password: 'kim password' })).status).toBe(403);
      expect(
        (await post('/api/auth/login', { username: 'root-admin', password: ADMIN_PASSWORD })).status,
      ).toBe(200);
      // SSO still works.
      people.set('sub-kim', { preferred_username: 'kim' });
      const { browser, callback } = await signIn(p, idp, 'sub-kim');
      expect((await finish(browser, callback)).location).toBe('/');
    });

    it('SIGNUP=approval: a new SSO account waits for an admin, unless in an admin group', async () => {
      people.set('sub-lee', { preferred_username: 'lee' });
      const p = await parley({ SIGNUP: 'approval' });
      const first = await signIn(p, idp, 'sub-lee');
      expect((await finish(first.browser, first.callback)).location).toBe('/login?ssoError=account_pending');
      const lee = await userByName(p, 'lee');
      expect(lee?.pending).toBe(1);
      const admin = (await userByName(p, 'root-admin'))?.id as string;
      await p.t.app.parley.accounts.updateUser(admin, lee?.id as string, { approved: true });
      const second = await signIn(p, idp, 'sub-lee');
      expect((await finish(second.browser, second.callback)).location).toBe('/');
      // An admin-group member is trusted by the provider: active at once.
      people.set('sub-max', { preferred_username: 'max', groups: ['ops'] });
      const boss = await signIn(p, idp, 'sub-max');
      expect((await finish(boss.browser, boss.callback)).location).toBe('/');
      expect((await userByName(p, 'max'))?.role).toBe('admin');
    });

    it('SIGNUP=closed refuses a new SSO account, not an admin-group member', async () => {
      people.set('sub-nia', { preferred_username: 'nia' });
      people.set('sub-oz', { preferred_username: 'oz', groups: ['parley-admins'] });
      const p = await parley({ SIGNUP: 'closed' });
      const nia = await signIn(p, idp, 'sub-nia');
      expect((await finish(nia.browser, nia.callback)).location).toBe('/login?ssoError=signup_closed');
      expect(await userByName(p, 'nia')).toBeUndefined();
      const oz = await signIn(p, idp, 'sub-oz');
      expect((await finish(oz.browser, oz.callback)).location).toBe('/');
    });
  });
}

describe('single sign-on without a provider', () => {
  let t: TestApp | undefined;
  afterEach(async () => t?.close());

  it('answers 404 on the OIDC routes and says so on /api/auth/providers', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/oidc/login' })).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/auth/oidc/callback?code=x&state=y' })).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/providers' })).json()).toMatchObject({
      oidc: { enabled: false, label: null },
      localSignIn: true,
      localSignUp: true,
    });
  });

  it('sends the browser only to paths on this site after signing in', async () => {
    const { safeReturnPath } = await import('../src/server/http/oidc-routes.js');
    expect(safeReturnPath('/c/abc')).toBe('/c/abc');
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      '',
      undefined,
    ]) {
      expect(safeReturnPath(bad)).toBe('/');
    }
  });
});

describe('OIDC settings', () => {
  const base = { DATABASE_URL: 'sqlite::memory:' };
  const fails = (env: Record<string, string>, pattern: RegExp) => {
    expect(() => parseConfig({ ...base, ...env })).toThrow(ConfigError);
    try {
      parseConfig({ ...base, ...env });
    } catch (error) {
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).not.toMatch(/\n/);
    }
  };

  it('reads the settings with their defaults', () => {
    const config = parseConfig({
      ...base,
      OIDC_ISSUER: 'https://id.example.com/realms/acme',
      OIDC_CLIENT_ID: 'parley',
      OIDC_CLIENT_SECRET: 's3cret',
      OIDC_ADMIN_GROUPS: 'admins, parley-admins',
    });
    expect(config.oidc).toEqual({
      issuer: 'https://id.example.com/realms/acme',
      clientId: 'parley',
      clientSecret: 's3cret',
      scopes: 'openid profile email',
      groupsClaim: 'groups',
      adminGroups: ['admins', 'parley-admins'],
      only: false,
      label: 'single sign-on',
    });
    expect(parseConfig(base).oidc).toBeUndefined();
    // Kept as written (Auth0's issuer ends with a slash and discovery compares exactly).
    expect(
      parseConfig({ ...base, OIDC_ISSUER: 'https://acme.auth0.com/', OIDC_CLIENT_ID: 'x' }).oidc?.issuer,
    ).toBe('https://acme.auth0.com/');
  });

  it('refuses invalid combinations with one clear line', () => {
    fails({ OIDC_ISSUER: 'https://id.example.com' }, /OIDC_CLIENT_ID: required when OIDC_ISSUER is set/);
    fails({ OIDC_CLIENT_ID: 'parley' }, /OIDC_CLIENT_ID: needs OIDC_ISSUER/);
    fails({ OIDC_ONLY: 'true' }, /OIDC_ONLY: needs OIDC_ISSUER/);
    fails(
      { AUTH_MODE: 'none', OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'parley' },
      /OIDC_ISSUER: single sign-on needs AUTH_MODE=local/,
    );
    fails({ OIDC_ISSUER: 'http://id.example.com', OIDC_CLIENT_ID: 'parley' }, /OIDC_ISSUER=.*https/);
    fails(
      { OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'p', OIDC_SCOPES: 'profile' },
      /OIDC_SCOPES/,
    );
    fails({ OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'p', OIDC_ONLY: 'maybe' }, /OIDC_ONLY/);
  });
});
