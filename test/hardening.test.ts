import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

let t: TestApp;
afterEach(async () => t?.close());

describe('hardening', () => {
  it('sends security headers: a CSP that forbids inline script and framing; no HSTS without https', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    const res = await t.app.inject({ method: 'GET', url: '/' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    // The page (the built web UI, or the note that it is not built) has no inline script: the CSP
    // does not break it.
    expect(res.body).not.toMatch(/<script(?![^>]*src=)[^>]*>/);
  });

  it('CORS is off by default and allows only the configured origins', async () => {
    t = await createTestApp();
    const closed = await t.app.inject({
      method: 'GET',
      url: '/api/models',
      headers: { origin: 'https://evil.example' },
    });
    expect(closed.headers['access-control-allow-origin']).toBeUndefined();
    await t.close();

    t = await createTestApp({ env: { CORS_ORIGINS: 'https://app.example' } });
    const allowed = await t.app.inject({
      method: 'GET',
      url: '/api/models',
      headers: { origin: 'https://app.example' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await t.app.inject({
      method: 'GET',
      url: '/api/models',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('TRUST_PROXY (a hop count) makes limits see the client address the proxy reports', async () => {
    t = await createTestApp({
      env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '2', TRUST_PROXY: '1' },
      limitWindowMs: 5000,
    });
    // Through one proxy at 10.0.0.2, which appends the client's address to X-Forwarded-For.
    const from = (ip: string, forged = '192.0.2.1') =>
      t.app.inject({
        method: 'GET',
        // A public API route (the web UI's files never count against the rate limit).
        url: '/api/auth/providers',
        remoteAddress: '10.0.0.2',
        headers: { 'x-forwarded-for': `${forged}, ${ip}` },
      });
    expect((await from('203.0.113.1')).statusCode).toBe(200);
    expect((await from('203.0.113.1', '192.0.2.2')).statusCode).toBe(200);
    expect((await from('203.0.113.1', '192.0.2.3')).statusCode).toBe(429);
    expect((await from('203.0.113.2')).statusCode).toBe(200);
  });

  it('without TRUST_PROXY a forged X-Forwarded-For does not escape the limit', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '2' }, limitWindowMs: 5000 });
    const statuses = [];
    for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      statuses.push(
        // A public API route (the web UI's files never count against the rate limit).
        (
          await t.app.inject({
            method: 'GET',
            url: '/api/auth/providers',
            headers: { 'x-forwarded-for': ip },
          })
        ).statusCode,
      );
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('rejects oversized account fields and keeps secrets out of logs; audits token and admin changes', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    t = await createTestApp({ env: { AUTH_MODE: 'local' }, logger });
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { username: 'a'.repeat(41), password: 'p'.repeat(201) },
    });
    expect(big.statusCode).toBe(400);
    const admin = new Client(t.app);
    await admin.signup('admin1');
    const bob = new Client(t.app);
    await bob.signup('bob');
    const token = (await bob.request('POST', '/api/tokens', { name: 'ci' })).json().token as string;
    const script = new Client(t.app);
    script.bearer = token;
    await script.request('GET', '/api/conversations');
    await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { role: 'admin', tokenQuotaDaily: 5 });

    const logs = lines.join('');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(bob.cookie?.split('=')[1] ?? 'no-cookie');
    expect(logs).not.toContain(bob.csrfToken ?? 'no-csrf');
    expect(logs).toContain('"audit":"token.created"');
    const change = lines.map((line) => JSON.parse(line)).find((line) => line.audit === 'user.updated');
    expect(change).toMatchObject({ userId: bob.userId, changes: { role: 'admin', tokenQuotaDaily: 5 } });
  });
});
