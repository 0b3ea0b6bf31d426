import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { redisTestUrl, uniquePrefix } from '../helpers/redis.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Installs sharing one Redis keep apart by REDIS_KEY_PREFIX; the request rate limit's keys too
// (they were under a fixed "parley-rl:" and so shared between installs).
const url = redisTestUrl();
const apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function start(prefix: string): Promise<TestApp> {
  const app = await createTestApp({
    env: { AUTH_MODE: 'local', REDIS_URL: url as string, REDIS_KEY_PREFIX: prefix, RATE_LIMIT_RPM: '2' },
    limitWindowMs: 60_000,
  });
  apps.push(app);
  return app;
}

// A public API route (the web UI's files never count against the rate limit).
const hit = (t: TestApp) =>
  t.app
    .inject({ method: 'GET', url: '/api/auth/providers', remoteAddress: '203.0.113.77' })
    .then((res) => res.statusCode);

describe.skipIf(!url)('rate-limit keys under REDIS_KEY_PREFIX', () => {
  it('keeps its counters under the prefix: shared by instances of one install, apart from another', async () => {
    const prefix = uniquePrefix();
    const a = await start(prefix);
    const b = await start(prefix);
    const other = await start(uniquePrefix());
    expect([await hit(a), await hit(b), await hit(a), await hit(b)]).toEqual([200, 200, 429, 429]);
    // Another install on the same Redis has its own counters.
    expect(await hit(other)).toBe(200);

    const redis = new Redis(url as string);
    try {
      const keys = await redis.keys(`${prefix}:rl:*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.some((key) => key.includes('203.0.113.77'))).toBe(true);
      expect(await redis.keys('parley-rl:*203.0.113.77*')).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
