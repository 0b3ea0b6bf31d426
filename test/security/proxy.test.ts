import { afterEach, describe, expect, it } from 'vitest';
import { addressBucket } from '../../src/server/auth/address-bucket.js';
import { parseConfig } from '../../src/server/config.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Per-address limits (the request rate limit of anonymous callers, new guests, failed logins)
// count request.ip. An attacker who could choose it by sending X-Forwarded-For would have no limit.
let t: TestApp;
afterEach(async () => t?.close());

const RPM = 3;

async function start(env: Record<string, string>) {
  t = await createTestApp({
    env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: String(RPM), ...env },
    limitWindowMs: 60_000,
  });
}

/**
 * An anonymous GET of a public API route, from `remoteAddress`, with the X-Forwarded-For given
 * (not the home page: the web UI's files never count against the rate limit).
 */
async function hit(remoteAddress: string, forwardedFor?: string): Promise<number> {
  const res = await t.app.inject({
    method: 'GET',
    url: '/api/auth/providers',
    remoteAddress,
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  });
  return res.statusCode;
}

describe('TRUST_PROXY', () => {
  it('`true` is refused at start-up with the fix in the message', () => {
    expect(() => parseConfig({ TRUST_PROXY: 'true' })).toThrow(/hop count/);
  });

  it('unset: a client connecting directly cannot escape the limit by rotating X-Forwarded-For', async () => {
    await start({});
    const statuses: number[] = [];
    for (let i = 0; i < RPM + 3; i++) statuses.push(await hit('203.0.113.7', `198.51.100.${i + 1}`));
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    // Another real address is its own bucket.
    expect(await hit('203.0.113.8')).toBe(200);
  });

  it('a hop count of 1 behind one proxy: the address the proxy saw counts, not what the client wrote', async () => {
    await start({ TRUST_PROXY: '1' });
    const proxy = '10.0.0.2';
    const statuses: number[] = [];
    // The proxy appends the real client address to whatever the client sent.
    for (let i = 0; i < RPM + 3; i++) statuses.push(await hit(proxy, `198.51.100.${i + 1}, 203.0.113.7`));
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    // Another client behind the same proxy is not limited by the first one.
    expect(await hit(proxy, '203.0.113.8')).toBe(200);
  });

  it('a hop count of 2: two proxies are skipped, a forged entry before them is not believed', async () => {
    await start({ TRUST_PROXY: '2' });
    const statuses: number[] = [];
    for (let i = 0; i < RPM + 2; i++) {
      statuses.push(await hit('10.0.0.3', `198.51.100.${i + 1}, 203.0.113.7, 10.0.0.2`));
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it('a proxy CIDR list: only those proxies are believed; a direct client keeps its own address', async () => {
    await start({ TRUST_PROXY: '10.0.0.0/8' });
    const direct: number[] = [];
    for (let i = 0; i < RPM + 2; i++) direct.push(await hit('203.0.113.9', `198.51.100.${i + 1}`));
    expect(direct).toEqual([200, 200, 200, 429, 429]);
    // Through the trusted proxy, the client address it reports counts.
    const proxied: number[] = [];
    for (let i = 0; i < RPM + 1; i++) proxied.push(await hit('10.1.2.3', '203.0.113.10'));
    expect(proxied).toEqual([200, 200, 200, 429]);
    expect(await hit('10.1.2.3', '203.0.113.11')).toBe(200);
  });

  it('an IPv6 client cannot escape the limit by rotating addresses inside its /64', async () => {
    await start({});
    const statuses: number[] = [];
    for (let i = 0; i < RPM + 2; i++) statuses.push(await hit(`2001:db8:aa:bb::${(i + 1).toString(16)}`));
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(await hit('2001:db8:aa:bc::1')).toBe(200);
  });
});

describe('addressBucket', () => {
  it('keeps IPv4 (and IPv4-mapped) addresses, and counts IPv6 by /64 whatever its spelling', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('::ffff:203.0.113.7')).toBe('::ffff:203.0.113.7');
    for (const spelling of [
      '2001:db8:1:2::1',
      '2001:0DB8:0001:0002:0:0:0:ffff',
      '2001:db8:1:2:aaaa:bbbb:cccc:dddd',
    ]) {
      expect(addressBucket(spelling)).toBe('2001:db8:1:2::/64');
    }
    expect(addressBucket('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
