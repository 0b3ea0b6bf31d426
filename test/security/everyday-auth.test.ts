import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWebUi } from '../../src/server/http/web-ui.js';
import { Client } from '../helpers/clients.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Attacks on issue 18's items 8 and 10. The web UI's files are outside the request rate limit:
 * only the files held in memory are, so misses, traversal attempts and the API behind an
 * `Accept: text/html` header are still counted; a static route looks up no credential. A disabled
 * account is named only to a caller with its right password.
 */

let t: TestApp;
afterEach(async () => {
  await t?.close();
});

/** GET with the path sent byte for byte. */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const HTML = { accept: 'text/html,*/*;q=0.8', 'sec-fetch-mode': 'navigate' };

describe('the rate-limit exemption of the web UI', () => {
  it('misses under /assets/ are counted; traversal attempts never serve a file', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '3' }, limitWindowMs: 60_000 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await t.app.inject({ method: 'GET', url: `/assets/guess-${i}.js` })).statusCode);
    // Three misses in the window, then 429 for the same address.
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    // The built files themselves stay served to that address.
    expect((await t.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    for (const asset of loadWebUi().assets.keys())
      expect((await t.app.inject({ method: 'GET', url: asset })).statusCode, asset).toBe(200);

    // Over a real socket, the path exactly as sent (no client-side normalising of "..").
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    for (const path of [
      '/assets/../../package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/etc/passwd',
      '/assets/../index.html',
      '/assets//etc/passwd',
    ]) {
      const res = await rawGet(port, path);
      expect(res.status, path).not.toBe(200);
      expect(res.body, path).not.toMatch(/root:|"name": "parley"|<!doctype/i);
    }
  });

  it('asking for HTML does not get around the limit of an API route, nor get its data', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '2' }, limitWindowMs: 60_000 });
    const alice = new Client(t.app);
    await alice.signup('alice');
    await alice.request('POST', '/api/conversations', { title: 'secret plans' });
    await alice.request('GET', '/api/conversations');
    for (const url of ['/api/conversations', '/chat/history', '/api/auth/me', '/docs']) {
      const res = await alice.request('GET', url, undefined, HTML);
      expect(res.statusCode, url).toBe(429);
      expect(res.body).not.toContain('secret plans');
      expect(res.body).not.toContain('alice');
    }
    // A write asking for HTML is refused in the JSON shape (a page is only for navigations).
    const write = await alice.request('POST', '/api/conversations', { title: 'x' }, HTML);
    expect(write.statusCode).toBe(429);
    expect(write.json().code).toBe('rate_limited');
  });

  it('the message on the page is escaped', async () => {
    const { limitedPage } = await import('../../src/server/http/limited-page.js');
    const page = limitedPage('<script>alert(1)</script>', 5);
    expect(page).not.toContain('<script>');
    expect(page).toContain('&#60;script&#62;');
  });

  it('static routes look up no credential: a forged token neither fails them nor counts as a failed sign-in', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '2' }, limitWindowMs: 60_000 });
    const forged = { authorization: 'Bearer pk_forged', cookie: 'parley_session=forged.sig' };
    for (let i = 0; i < 6; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/', headers: forged });
      expect(res.statusCode).toBe(200);
      // A stale cookie is not even cleared here: nothing looked at it.
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // The forged token on the API: 401, counted per address as before (3rd is over RPM=2).
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await t.app.inject({ method: 'GET', url: '/api/conversations', headers: forged })).statusCode,
      );
    expect(statuses).toEqual([401, 401, 429]);
  });

  it('the public sign-in description is itself rate limited (it may read the users table)', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '3' }, limitWindowMs: 60_000 });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await t.app.inject({ method: 'GET', url: '/api/auth/providers' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('the disabled-account message', () => {
  it('is said only after the right password: a guesser sees exactly what an unknown name gets', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    const admin = new Client(t.app);
    await admin.signup('boss');
    const bob = new Client(t.app);
    await bob.signup('bob');
    await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled: true });

    const wrongForDisabled = await new Client(t.app).login('bob', 'not the password');
    const unknown = await new Client(t.app).login('nobody-here', 'not the password');
    const wrongForActive = await new Client(t.app).login('boss', 'not the password');
    for (const res of [wrongForDisabled, unknown, wrongForActive]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'Wrong username or password.', code: 'invalid_credentials' });
    }
    expect(wrongForDisabled.headers['set-cookie']).toBeUndefined();
    // Only the right password learns it, and gets no session either.
    const right = await new Client(t.app).login('bob');
    expect(right.statusCode).toBe(403);
    expect(right.json().code).toBe('account_disabled');
    expect(right.headers['set-cookie']).toBeUndefined();
    expect((await bob.request('GET', '/api/conversations')).statusCode).toBe(401);
  });

  it('wrong passwords for a disabled account still count towards the sign-in lockout', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    const admin = new Client(t.app);
    await admin.signup('boss');
    const bob = new Client(t.app);
    await bob.signup('bob');
    await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled: true });
    const statuses = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await new Client(t.app).login('bob', `guess-${i}-xx`)).statusCode);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    // Locked out: even the right password is not checked (so it tells nothing either).
    expect((await new Client(t.app).login('bob')).statusCode).toBe(429);
  });
});
