import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyUpdate, mergePage, splitPending } from '../../src/web/admin/use-admin-users.js';
import { type AdminUser, api, setCsrfToken } from '../../src/web/api.js';
import { describeUserAgent } from '../../src/web/user-agent.js';

// The admin's user list and the sessions list, without a browser: paging, updates, the API calls.

function user(id: string, extra: Partial<AdminUser> = {}): AdminUser {
  return {
    id,
    username: `user_${id}`,
    displayName: `User ${id}`,
    role: 'user',
    disabled: false,
    pending: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    tokenQuotaDaily: null,
    tokenQuotaMonthly: null,
    usage: { day: 5, month: 50 },
    groups: [],
    ...extra,
  };
}

describe('admin user list', () => {
  it('appends pages without listing anyone twice, and lists pending accounts first in server order', () => {
    const first = mergePage([], [user('a'), user('b', { pending: true }), user('c')]);
    // A user approved elsewhere between two pages comes again: one row, the newer data.
    const both = mergePage(first, [user('b'), user('d', { pending: true })]);
    expect(both.map((u) => u.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(both[1]?.pending).toBe(false);
    const { pending, others } = splitPending([...both, user('e', { pending: true })]);
    expect(pending.map((u) => u.id)).toEqual(['d', 'e']);
    expect(others.map((u) => u.id)).toEqual(['a', 'b', 'c']);
  });

  it('applies a PATCH answer to its row and keeps the usage figures the answer lacks', () => {
    const { usage: _usage, ...approved } = user('b', { displayName: 'Bob' });
    const list = applyUpdate([user('a'), user('b', { pending: true })], approved);
    expect(list[1]).toEqual({ ...approved, usage: { day: 5, month: 50 } });
    expect(list[0]).toEqual(user('a'));
  });
});

describe('admin API client', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setCsrfToken(null);
  });

  it('pages with the cursor, and sends writes with the CSRF header', async () => {
    const calls: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push({
        url,
        method: init.method ?? 'GET',
        headers: init.headers as Record<string, string>,
        body: init.body as string | undefined,
      });
      const body = url.endsWith('/reset-link')
        ? { url: 'http://x/reset#token=rst_1', expiresAt: '2026-01-01T01:00:00.000Z' }
        : { items: [], nextCursor: null };
      return new Response(JSON.stringify(body), { status: 200 });
    });
    setCsrfToken('csrf-1');
    await api.adminUsers();
    await api.adminUsers('id/with?odd&chars');
    await api.updateUser('u1', { approved: true });
    expect((await api.createResetLink('u1')).url).toContain('/reset#token=');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/admin/users?limit=50',
      'GET /api/admin/users?limit=50&cursor=id%2Fwith%3Fodd%26chars',
      'PATCH /api/admin/users/u1',
      'POST /api/admin/users/u1/reset-link',
    ]);
    expect(calls[2]?.body).toBe('{"approved":true}');
    expect(calls[2]?.headers['x-csrf-token']).toBe('csrf-1');
    expect(calls[3]?.headers['x-csrf-token']).toBe('csrf-1');
    expect(calls[0]?.headers['x-csrf-token']).toBeUndefined();
  });
});

describe('describeUserAgent', () => {
  it('names the browser and the system, and keeps other clients short', () => {
    const cases: [string | null, string][] = [
      [
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
        'Chrome on Linux',
      ],
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
        'Edge on Windows',
      ],
      [
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0',
        'Firefox on macOS',
      ],
      [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
        'Safari on iOS',
      ],
      [
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
        'Chrome on Android',
      ],
      ['curl/8.5.0', 'curl/8.5.0'],
      [null, 'Unknown browser'],
    ];
    for (const [ua, expected] of cases) expect(describeUserAgent(ua)).toBe(expected);
    expect(describeUserAgent('x'.repeat(500)).length).toBe(60);
  });
});
