import { afterEach, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { createTestApp, type TestApp, tableCounts } from './helpers/test-app.js';

let t: TestApp;
afterEach(async () => t?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('limits', () => {
  it('request rate: 429 with Retry-After at the bound, per user, and recovery after the window', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '5' }, limitWindowMs: 1000 });
    const alice = new Client(t.app);
    await alice.signup('alice');
    const bob = new Client(t.app);
    await bob.signup('bob');
    const started = Date.now();
    for (let i = 0; i < 5; i++)
      expect((await alice.request('GET', '/api/conversations')).statusCode).toBe(200);
    const limited = await alice.request('GET', '/api/conversations');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Another user has a bucket of their own.
    expect((await bob.request('GET', '/api/conversations')).statusCode).toBe(200);
    await sleep(Math.max(0, 1100 - (Date.now() - started)));
    expect((await alice.request('GET', '/api/conversations')).statusCode).toBe(200);
  });

  it('anonymous callers are limited per IP; health checks are never limited', async () => {
    // GUEST_ACCESS=on: the seed routes serve anonymous callers (off, they answer 401).
    t = await createTestApp({
      env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on', RATE_LIMIT_RPM: '3' },
      limitWindowMs: 5000,
    });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await t.app.inject({ method: 'GET', url: '/chat/history' })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    for (let i = 0; i < 5; i++)
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const other = await t.app.inject({ method: 'GET', url: '/chat/history', remoteAddress: '10.1.2.3' });
    expect(other.statusCode).toBe(200);
  });

  it('new runs per minute: the run past MESSAGE_LIMIT_RPM is refused and stores nothing', async () => {
    t = await createTestApp({ env: { MESSAGE_LIMIT_RPM: '2' }, limitWindowMs: 800 });
    const { id } = (await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })).json();
    const send = () =>
      t.app.inject({ method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'hi' } });
    expect((await send()).statusCode).toBe(202);
    expect((await send()).statusCode).toBe(202);
    const before = await tableCounts(t.store);
    const refused = await send();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toBeDefined();
    expect(await tableCounts(t.store)).toEqual(before);
    await sleep(900);
    expect((await send()).statusCode).toBe(202);
  });

  it('concurrent runs per user hold under parallel requests', async () => {
    t = await createTestApp({ env: { MAX_CONCURRENT_RUNS: '2', DEMO_DELAY_MS: '20' } });
    const { id } = (await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })).json();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.app.inject({
          method: 'POST',
          url: `/api/conversations/${id}/messages`,
          payload: { content: `m${i}` },
        }),
      ),
    );
    const codes = results.map((res) => res.statusCode).sort();
    expect(codes).toEqual([202, 202, 429, 429, 429, 429]);
    for (const res of results.filter((r) => r.statusCode === 429)) {
      expect(res.json().code).toBe('too_many_runs');
      expect(res.headers['retry-after']).toBe('1');
    }
    expect((await tableCounts(t.store)).messages).toBe(4);
    expect(t.app.parley.runs.activeCount).toBe(2);
    // Stopping frees the slots.
    await t.app.inject({ method: 'POST', url: `/api/conversations/${id}/stop` });
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'after stop' },
    });
    expect(again.statusCode).toBe(202);
  });

  it('the seed route queues for a free slot instead of refusing', async () => {
    t = await createTestApp({ env: { MAX_CONCURRENT_RUNS: '1' } });
    const results = await Promise.all(
      ['a', 'b', 'c'].map((message) =>
        t.app.inject({ method: 'POST', url: '/chat/message', payload: { message } }),
      ),
    );
    expect(results.map((res) => res.statusCode)).toEqual([200, 200, 200]);
  });

  it('token quota: refused with 429 and Retry-After once used up, nothing half-done; an admin can raise it', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', TOKEN_QUOTA_DAILY: '50' } });
    const admin = new Client(t.app);
    await admin.signup('admin1');
    const bob = new Client(t.app);
    await bob.signup('bob');
    const { id } = (await bob.request('POST', '/api/conversations', {})).json();
    const first = await bob.request('POST', `/api/conversations/${id}/messages`, { content: 'spend tokens' });
    expect(first.statusCode).toBe(202);
    await t.app.parley.runs.get(first.json().runId)?.done;

    const usage = (await admin.request('GET', '/api/admin/users'))
      .json()
      .items.find((u: { username: string }) => u.username === 'bob').usage;
    expect(usage.day).toBeGreaterThan(200);
    expect(usage.month).toBe(usage.day);

    const before = await tableCounts(t.store);
    const refused = await bob.request('POST', `/api/conversations/${id}/messages`, { content: 'more' });
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('quota_exceeded');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(await tableCounts(t.store)).toEqual(before);
    // The seed route is refused the same way (429, nothing stored).
    expect((await bob.request('POST', '/chat/message', { message: 'x' })).statusCode).toBe(429);

    await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { tokenQuotaDaily: 1_000_000 });
    expect(
      (await bob.request('POST', `/api/conversations/${id}/messages`, { content: 'more' })).statusCode,
    ).toBe(202);
  });

  it('login throttle: locked after repeated failures (even with the right password), open again after the window', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' }, loginWindowMs: 2000 });
    await new Client(t.app).signup('alice');
    const client = new Client(t.app);
    for (let i = 0; i < 5; i++) expect((await client.login('alice', 'wrong password!')).statusCode).toBe(401);
    const locked = await client.login('alice');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('rate_limited');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Retry-After is the honest wait: after it, the account opens again.
    await sleep(Number(locked.headers['retry-after']) * 1000 + 100);
    expect((await client.login('alice')).statusCode).toBe(200);
  });

  it('login throttle per IP covers many accounts', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    await new Client(t.app).signup('alice');
    const client = new Client(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++)
      statuses.push((await client.login(`user${i}`, 'wrong password!')).statusCode);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    // 21 scrypt checks at N=2^17 (about 0.4 s each here, more on a busy CI machine).
  }, 90_000);
});
