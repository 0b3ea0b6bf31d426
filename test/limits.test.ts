import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type CounterStore, MemoryCounterStore } from '../src/server/auth/counters.js';
import { RunLimiter } from '../src/server/auth/run-limiter.js';
import { createRealtime, memoryRealtime, type Realtime } from '../src/server/realtime/realtime.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { Client } from './helpers/clients.js';
import { redisTestUrl, uniquePrefix } from './helpers/redis.js';
import { createTestApp, type TestApp, tableCounts } from './helpers/test-app.js';

let t: TestApp;
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await t?.close();
  for (const close of closing.splice(0)) await close();
});

const redisUrl = redisTestUrl();

/** The built-in user of AUTH_MODE=none, who sends every message in these suites. */
async function localUserId(): Promise<string> {
  const row = await t.store.db
    .selectFrom('users')
    .select('id')
    .where('username', '=', 'local')
    .executeTakeFirstOrThrow();
  return row.id;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Time is the subject of the window tests, so they run on a clock the test moves: slow requests
 * or password checks on a busy machine cannot push them across a window's end. The limits keep
 * their production windows (a minute, the first sign-in lockout a minute too).
 */
function testClock() {
  let at = Date.now();
  const counters = new MemoryCounterStore(() => at);
  return {
    realtime: { ...memoryRealtime(), counters },
    advance(ms: number) {
      at += ms;
    },
  };
}

describe('limits', () => {
  it('request rate: 429 with Retry-After at the bound, per user, and recovery after the window', async () => {
    // @fastify/rate-limit reads Date.now(): only Date is faked (timers and I/O stay real).
    vi.useFakeTimers({ toFake: ['Date'] });
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '5' } });
    const alice = new Client(t.app);
    await alice.signup('alice');
    const bob = new Client(t.app);
    await bob.signup('bob');
    for (let i = 0; i < 5; i++)
      expect((await alice.request('GET', '/api/conversations')).statusCode).toBe(200);
    const limited = await alice.request('GET', '/api/conversations');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(limited.headers['retry-after']).toBe('60');
    // Another user has a bucket of their own.
    expect((await bob.request('GET', '/api/conversations')).statusCode).toBe(200);
    // Still limited just before the minute is over, served again once it is.
    vi.setSystemTime(Date.now() + 59_000);
    expect((await alice.request('GET', '/api/conversations')).statusCode).toBe(429);
    vi.setSystemTime(Date.now() + 1_000);
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
    const clock = testClock();
    t = await createTestApp({ env: { MESSAGE_LIMIT_RPM: '2' }, realtime: clock.realtime });
    const { id } = (await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })).json();
    const send = () =>
      t.app.inject({ method: 'POST', url: `/api/conversations/${id}/messages`, payload: { content: 'hi' } });
    expect((await send()).statusCode).toBe(202);
    expect((await send()).statusCode).toBe(202);
    const before = await tableCounts(t.store);
    const refused = await send();
    expect(refused.statusCode).toBe(429);
    expect(refused.json().code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toBe('60');
    expect(await tableCounts(t.store)).toEqual(before);
    // The window is a minute: still refused a moment before its end, open again at it.
    clock.advance(59_999);
    expect((await send()).statusCode).toBe(429);
    clock.advance(1);
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

  it('a send that fails after admission gives its slot back (a few failures never lock the user out)', async () => {
    t = await createTestApp({ env: { MAX_CONCURRENT_RUNS: '1' } });
    const { id } = (await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })).json();
    // Admitted, then refused inside the transaction: the parent message does not exist.
    for (let i = 0; i < 3; i++) {
      const failed = await t.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/messages`,
        payload: { content: 'reply to nothing', parentId: '01a24d4e-0000-7000-8000-000000000000' },
      });
      expect(failed.statusCode).toBe(404);
    }
    expect(await t.app.parley.limiter.slotsInUse(await localUserId())).toBe(0);
    const sent = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'still allowed' },
    });
    expect(sent.statusCode).toBe(202);
  });

  it('a regenerate refused after admission (another reply still streams) gives its slot back', async () => {
    t = await createTestApp({ env: { MAX_CONCURRENT_RUNS: '2', DEMO_DELAY_MS: '20' } });
    const { id } = (await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })).json();
    const first = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'a long one' },
    });
    expect(first.statusCode).toBe(202);
    const { userMessage, runId } = first.json();
    // While the reply streams, a second reply to the same message is a 409, each time: the
    // second slot comes back after every refusal (else the 2nd try would be a 429).
    for (let i = 0; i < 3; i++) {
      const refused = await t.app.inject({
        method: 'POST',
        url: `/api/messages/${userMessage.id}/regenerate`,
      });
      expect(refused.statusCode).toBe(409);
    }
    const other = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'meanwhile' },
    });
    expect(other.statusCode).toBe(202);
    await t.app.inject({ method: 'POST', url: `/api/conversations/${id}/stop` });
    expect(t.app.parley.runs.get(runId)).toBeUndefined();
    expect(await t.app.parley.limiter.slotsInUse(await localUserId())).toBe(0);
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
    // On the test clock: however slow each scrypt check is on a busy machine, no window runs out
    // between the guesses.
    const clock = testClock();
    t = await createTestApp({ env: { AUTH_MODE: 'local' }, realtime: clock.realtime });
    await new Client(t.app).signup('alice');
    const client = new Client(t.app);
    for (let i = 0; i < 5; i++) expect((await client.login('alice', 'wrong password!')).statusCode).toBe(401);
    const locked = await client.login('alice');
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('rate_limited');
    // The first lockout is a minute.
    expect(locked.headers['retry-after']).toBe('60');
    // Retry-After is the honest wait: after it, the account opens again.
    clock.advance(Number(locked.headers['retry-after']) * 1000);
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
    // 21 scrypt checks at N=2^17: about 0.4 s each on a quiet machine, several seconds each on a
    // loaded one (seen: 90 s was not enough at a load average of 15 on 2 cores). A hang guard only.
  }, 240_000);
});

/** Two limiters (two instances) on one counter store; `close` makes the first one vanish. */
type SharedCounters = { a: CounterStore; b: CounterStore; killA: () => Promise<void> };

const targets: { name: string; open: () => Promise<SharedCounters> }[] = [
  {
    name: 'memory',
    open: async () => {
      const counters = new MemoryCounterStore();
      return { a: counters, b: counters, killA: async () => {} };
    },
  },
];
if (redisUrl) {
  targets.push({
    name: 'redis',
    open: async () => {
      const config = { redisUrl, redisKeyPrefix: uniquePrefix(), streamCoalesceMs: 0 };
      const logger = pino({ level: 'silent' });
      const opened: Realtime[] = [await createRealtime(config, logger), await createRealtime(config, logger)];
      let closed = false;
      const killA = async () => {
        if (!closed) await opened[0]?.close();
        closed = true;
      };
      closing.push(killA, async () => opened[1]?.close());
      return { a: opened[0]?.counters as CounterStore, b: opened[1]?.counters as CounterStore, killA };
    },
  });
}

async function quietStore(): Promise<Store> {
  const store = await openStore('sqlite::memory:');
  closing.push(() => store.close());
  return store;
}

function limiter(store: Store, counters: CounterStore, slotTtlMs: number) {
  return new RunLimiter({
    store,
    counters,
    config: { messageLimitRpm: 1000, maxConcurrentRuns: 2, tokenQuotaDaily: 0, tokenQuotaMonthly: 0 },
    slotTtlMs,
    slotPollMs: 20,
  });
}

describe.each(targets)('run slots on the $name counters', ({ name, open }) => {
  it('at most `limit` holders at once, atomically under parallel takes', async () => {
    const { a, b } = await open();
    const taken = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).takeSlot('u', `h${i}`, 3, 10_000)),
    );
    expect(taken.filter(Boolean)).toHaveLength(3);
    expect(await b.slotsInUse('u')).toBe(3);
    const holder = taken.findIndex(Boolean);
    await a.freeSlot('u', `h${holder}`);
    expect(await b.slotsInUse('u')).toBe(2);
    expect(await b.takeSlot('u', 'later', 3, 10_000)).toBe(true);
    expect(await a.takeSlot('u', 'one more', 3, 10_000)).toBe(false);
  });

  it('a slot lapses unless renewed', async () => {
    const { a, b } = await open();
    // Renewed four times a lease: a loaded machine may stall a renewal by most of a lease and the
    // kept slot still holds, while the unrenewed one has lapsed by the end.
    const leaseMs = 1_000;
    expect(await a.takeSlot('u', 'kept', 2, leaseMs)).toBe(true);
    expect(await a.takeSlot('u', 'dropped', 2, leaseMs)).toBe(true);
    for (let i = 0; i < 5; i++) {
      await sleep(leaseMs / 4);
      await a.renewSlots('u', ['kept'], leaseMs);
    }
    expect(await b.slotsInUse('u')).toBe(1);
    expect(await b.takeSlot('u', 'new', 2, leaseMs)).toBe(true);
    expect(await b.takeSlot('u', 'over', 2, leaseMs)).toBe(false);
  });

  it('the bound holds across instances, and slots of an instance that died come back', async () => {
    const { a, b, killA } = await open();
    const store = await quietStore();
    const onA = limiter(store, a, 300);
    const onB = limiter(store, b, 300);
    await onA.admit('alice');
    const onBsRun = await onB.admit('alice');
    await expect(onB.admit('alice')).rejects.toMatchObject({ code: 'too_many_runs' });
    await expect(onA.admit('alice')).rejects.toMatchObject({ code: 'too_many_runs' });
    // Held by live instances, slots outlast their TTL (they are renewed).
    await sleep(700);
    await expect(onB.admit('alice')).rejects.toMatchObject({ code: 'too_many_runs' });
    // Another user is not affected.
    const bob = await onB.admit('bob');
    bob();
    if (name === 'redis') {
      // A dies without releasing: its slot lapses within the TTL (while B's, renewed, stays) and B
      // can admit again, up to the bound.
      await killA();
      await sleep(500);
      expect(await onB.slotsInUse('alice')).toBe(1);
      const release = await onB.admit('alice');
      await expect(onB.admit('alice')).rejects.toMatchObject({ code: 'too_many_runs' });
      release();
    }
    onBsRun();
  });

  it('a queued caller gets a slot freed on another instance', async () => {
    const { a, b } = await open();
    const store = await quietStore();
    const onA = limiter(store, a, 10_000);
    const onB = limiter(store, b, 10_000);
    const first = await onA.admit('alice');
    await onA.admit('alice');
    let admitted = false;
    const queued = onB.admit('alice', { waitForSlot: true }).then((release) => {
      admitted = true;
      return release;
    });
    await sleep(100);
    expect(admitted).toBe(false);
    first();
    (await queued)();
    expect(admitted).toBe(true);
  });
});
