import { afterEach, describe, expect, it } from 'vitest';
import { loadWebUi } from '../src/server/http/web-ui.js';
import { Client } from './helpers/clients.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Issue 18, items 8 and 10: reloading the app never uses up the request rate limit (and a limited
 * browser navigation reads a page, not JSON); the sign-in page learns what it should offer (first
 * account, SIGNUP) from GET /api/auth/providers; a disabled user who knows their password is told
 * so; a cookie whose session ended says that.
 */

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

/** What a reload fetches: the shell, the app's routes, every built file. */
function staticUrls(): string[] {
  const assets = [...loadWebUi().assets.keys()];
  return ['/', '/c/01abc', '/login', '/signup', '/settings', ...assets];
}

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('static files and the rate limit', () => {
  it('many reloads (shell and assets) never 429, and leave the API budget whole', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '3' }, limitWindowMs: 60_000 });
    const alice = new Client(t.app);
    await alice.signup('alice');
    const anonymous = new Client(t.app);
    for (let reload = 0; reload < 10; reload++) {
      for (const url of staticUrls()) {
        for (const who of [alice, anonymous]) {
          const res = await who.request('GET', url, undefined, HTML);
          expect(res.statusCode, url).toBe(200);
        }
      }
    }
    // The API calls still have their whole budget of 3, and then are limited as before.
    for (let i = 0; i < 3; i++) expect((await alice.request('GET', '/api/auth/me')).statusCode).toBe(200);
    const limited = await alice.request('GET', '/api/auth/me', undefined, { accept: 'application/json' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual({
      error: expect.stringMatching(/Too many requests/),
      code: 'rate_limited',
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // And the app itself still loads for the limited user.
    expect((await alice.request('GET', '/', undefined, HTML)).statusCode).toBe(200);
  });

  it('a rate-limited browser navigation reads a short page with the message; API clients keep JSON', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '2' }, limitWindowMs: 60_000 });
    const alice = new Client(t.app);
    await alice.signup('alice');
    for (let i = 0; i < 2; i++) await alice.request('GET', '/api/conversations');
    const page = await alice.request('GET', '/api/conversations', undefined, HTML);
    expect(page.statusCode).toBe(429);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(Number(page.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(page.body).toContain('<h1>Too many requests</h1>');
    expect(page.body).toMatch(/Wait about \d+ s, then <a href="\/">go back to Parley<\/a>/);
    const navigate = await alice.request('GET', '/api/conversations', undefined, {
      'sec-fetch-mode': 'navigate',
    });
    expect(navigate.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const accept of ['application/json', '*/*']) {
      const json = await alice.request('GET', '/api/conversations', undefined, { accept });
      expect(json.statusCode).toBe(429);
      expect(json.json().code).toBe('rate_limited');
    }
  });
});

describe('sign-in states', () => {
  it('GET /api/auth/providers tells the page about the first account and SIGNUP', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', SIGNUP: 'closed' } });
    const providers = async () => (await t.app.inject({ method: 'GET', url: '/api/auth/providers' })).json();
    expect(await providers()).toMatchObject({
      localSignIn: true,
      localSignUp: true,
      signup: 'closed',
      firstAccount: true,
      setupCodeRequired: false,
    });
    // SIGNUP=closed still lets the first account in: it becomes the admin.
    const admin = new Client(t.app);
    await admin.signup('boss');
    expect((await admin.request('GET', '/api/auth/me')).json().user.role).toBe('admin');
    expect(await providers()).toMatchObject({
      signup: 'closed',
      firstAccount: false,
      setupCodeRequired: false,
    });
    const late = await new Client(t.app).request('POST', '/api/auth/signup', {
      username: 'late',
      password: 'correct horse battery',
    });
    expect(late.json().code).toBe('signup_closed');
  });

  it('a public install says the first sign-up needs the setup code', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', PUBLIC_URL: 'https://chat.example.com' } });
    const res = await t.app.inject({ method: 'GET', url: '/api/auth/providers' });
    expect(res.json()).toMatchObject({ signup: 'open', firstAccount: true, setupCodeRequired: true });
  });

  it('a disabled user with the right password is told the account is disabled', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    const admin = new Client(t.app);
    await admin.signup('boss');
    const bob = new Client(t.app);
    await bob.signup('bob');
    await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled: true });
    const refused = await new Client(t.app).login('bob');
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({
      error: 'This account is disabled; ask an admin.',
      code: 'account_disabled',
    });
    expect(refused.headers['set-cookie']).toBeUndefined();
    // Enabled again: signs in.
    await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled: false });
    expect((await new Client(t.app).login('bob')).statusCode).toBe(200);
  });

  it('a tab whose session ended elsewhere is told so (401), and the page still loads', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    const tab = new Client(t.app);
    await tab.signup('alice');
    const other = new Client(t.app);
    await other.login('alice');
    expect((await other.request('DELETE', '/api/auth/sessions')).statusCode).toBe(204);
    const ended = await tab.request('GET', '/api/conversations');
    expect(ended.statusCode).toBe(401);
    expect(ended.json()).toEqual({
      error: expect.stringMatching(/^Your session has ended/),
      code: 'unauthorized',
    });
    // No cookie at all: the plain "sign in first".
    const anonymous = await new Client(t.app).request('GET', '/api/conversations');
    expect(anonymous.json().error).toMatch(/^Sign in first/);
    expect((await tab.request('GET', '/c/01abc', undefined, HTML)).statusCode).toBe(200);
  });
});
