import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/clients.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

let t: TestApp;
afterEach(async () => t?.close());

/**
 * The request rate limit keys callers by who they are, so it only counts requests that got past
 * authentication. Refused credentials are counted per address on their own: a stranger replaying
 * made-up tokens or cookies (each one a lookup) is cut off like any other flood.
 */
describe('requests with refused credentials', () => {
  it('are limited per address: made-up tokens get 429 after the limit, other addresses still 401', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '10' } });
    const guess = (i: number, remoteAddress = '203.0.113.7') =>
      t.app.inject({
        method: 'GET',
        url: '/api/conversations',
        remoteAddress,
        headers: { authorization: `Bearer pk_guess${i}` },
      });
    const codes: number[] = [];
    for (let i = 0; i < 15; i++) codes.push((await guess(i)).statusCode);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes.slice(10)).toEqual(Array(5).fill(429));
    const limited = await guess(99);
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Someone else is not affected.
    expect((await guess(100, '198.51.100.9')).statusCode).toBe(401);
  });

  it('do not hold back a signed-in user behind the same address', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '5' } });
    const owner = new Client(t.app);
    await owner.signup('owner');
    for (let i = 0; i < 8; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/conversations',
        headers: { authorization: `Bearer pk_guess${i}` },
      });
      expect(res.statusCode).toBe(i < 5 ? 401 : 429);
    }
    expect((await owner.request('GET', '/api/conversations')).statusCode).toBe(200);
  });
});
