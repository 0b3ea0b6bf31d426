import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/clients.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// The admin console's extras from an attacker's side: a user's sessions and the model history are
// admins' alone; a refused call (other user, anonymous, forged request, bad input) changes nothing.

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start() {
  t = await createTestApp({ env: { AUTH_MODE: 'local', SIGNUP: 'open', RATE_LIMIT_RPM: '100000' } });
  const admin = new Client(t.app);
  await admin.signup('root-admin');
  const alice = new Client(t.app);
  await alice.signup('alice');
  const mallory = new Client(t.app);
  await mallory.signup('mallory');
  return { t, admin, alice, mallory };
}

describe('admin console extras: who may', () => {
  it('a non-admin gets 403 and an anonymous caller 401 on all three routes; nothing changes', async () => {
    const { t, admin, alice, mallory } = await start();
    const script = new Client(t.app);
    script.bearer = (await mallory.request('POST', '/api/tokens', { name: 'x' })).json().token;
    const sessions = async () =>
      (await t.store.db.selectFrom('sessions').select(['id', 'user_id']).orderBy('id').execute()).map(
        (row) => `${row.user_id}:${row.id}`,
      );
    const before = await sessions();
    expect(before).toHaveLength(3);
    const routes = [
      ['GET', `/api/admin/users/${alice.userId}/sessions`],
      ['DELETE', `/api/admin/users/${alice.userId}/sessions`],
      ['DELETE', `/api/admin/users/${mallory.userId}/sessions`],
      ['GET', '/api/admin/models/history'],
      ['GET', '/api/admin/models/history?bucket=hour&format=csv'],
    ] as const;
    for (const [method, url] of routes) {
      const refused = await mallory.request(method, url);
      expect(refused.statusCode, `${method} ${url}`).toBe(403);
      expect(refused.json().code).toBe('forbidden');
      expect(refused.body).not.toContain('userAgent');
      expect((await new Client(t.app).request(method, url)).statusCode, `${method} ${url}`).toBe(401);
    }
    // A user's own API token is not an admin's either.
    expect((await script.request('DELETE', `/api/admin/users/${alice.userId}/sessions`)).statusCode).toBe(
      403,
    );
    expect((await alice.request('GET', '/api/auth/me')).statusCode).toBe(200);
    expect(await sessions()).toEqual(before);
    expect(
      (await admin.request('GET', `/api/admin/users/${alice.userId}/sessions`)).json().items,
    ).toHaveLength(1);
  });

  it('a forged sign-out (the admin’s cookie without the CSRF header) is refused', async () => {
    const { admin, alice } = await start();
    const forged = await admin.request('DELETE', `/api/admin/users/${alice.userId}/sessions`, undefined, {
      'x-csrf-token': 'not-the-token',
    });
    expect(forged.statusCode).toBe(403);
    expect((await alice.request('GET', '/api/auth/me')).statusCode).toBe(200);
  });
});

describe('admin console extras: bad input', () => {
  it('a bad bucket, day or range is a 400 with a code, and reads nothing', async () => {
    const { admin } = await start();
    const bad = [
      'bucket=minute',
      'bucket=HOUR',
      'from=2026-02-30&to=2026-03-01',
      'from=yesterday',
      'to=2026-13-01',
      'from=2026-03-02&to=2026-03-01',
      // Hours: at most 31 days; days: at most 366.
      'bucket=hour&from=2026-01-01&to=2026-02-01',
      'bucket=day&from=2025-01-01&to=2026-01-02',
      'format=xml',
      `from=${'9'.repeat(5000)}`,
    ];
    for (const query of bad) {
      const res = await admin.request('GET', `/api/admin/models/history?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().code, query).toBe('validation_error');
      expect(res.json().error, query).toEqual(expect.any(String));
    }
    // The longest ranges allowed.
    expect(
      (await admin.request('GET', '/api/admin/models/history?bucket=hour&from=2026-01-01&to=2026-01-31'))
        .statusCode,
    ).toBe(200);
    expect(
      (await admin.request('GET', '/api/admin/models/history?bucket=day&from=2025-01-01&to=2026-01-01'))
        .statusCode,
    ).toBe(200);
  });

  it('a session list of an unknown or malformed id is a 404/400, never another user’s', async () => {
    const { admin } = await start();
    for (const id of ['nobody', '..%2F..%2Fapi%2Fauth%2Fme', 'x'.repeat(500)]) {
      const res = await admin.request('GET', `/api/admin/users/${id}/sessions`);
      expect([400, 404], id).toContain(res.statusCode);
      expect(res.json().code, id).toEqual(expect.any(String));
      expect(res.body).not.toContain('createdAt');
    }
  });
});
