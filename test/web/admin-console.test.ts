import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import AdminConsole, { tabOf } from '../../src/web/admin/AdminConsole.js';
import { useAudit } from '../../src/web/admin/AuditPanel.js';
import { adminApi, auditUrl, usageUrl } from '../../src/web/admin/admin-api.js';
import { inviteStatus } from '../../src/web/admin/InvitesPanel.js';
import { errorRate, ttft } from '../../src/web/admin/ModelsPanel.js';
import { nearestQuota, quotaState, thisMonth } from '../../src/web/admin/quota.js';
import {
  dailyByModel,
  daysBetween,
  formatCost,
  lastDays,
  stack,
  topUsers,
} from '../../src/web/admin/usage-data.js';
import { parseQuota, useAdminUsers } from '../../src/web/admin/use-admin-users.js';
import { useResource } from '../../src/web/admin/use-resource.js';
import { type AdminUser, api, type MyUsage, setCsrfToken } from '../../src/web/api.js';
import { parseRoute } from '../../src/web/router.js';
import { me, user } from './admin-fixtures.js';
import { fakeFetch, installBrowser, json, renderHook, route, run, settle } from './hook-harness.js';

// The admin console without a browser: its routes, the data behind the charts, and its hooks against
// a fake fetch that answers as the issue 17 contract says (or 404s, as a server without the route does).

describe('admin routes and shell', () => {
  it('parses /admin and /admin/<tab>; unknown tabs open Users', () => {
    expect(parseRoute('/admin')).toEqual({ name: 'admin', tab: null });
    expect(parseRoute('/admin/')).toEqual({ name: 'admin', tab: null });
    expect(parseRoute('/admin/usage')).toEqual({ name: 'admin', tab: 'usage' });
    expect(parseRoute('/administrator')).toEqual({ name: 'home' });
    expect(tabOf(null)).toBe('users');
    expect(tabOf('nope')).toBe('users');
    expect(tabOf('audit')).toBe('audit');
  });

  it('shows a non-admin a clear "admins only" page, and an admin the sections', () => {
    const denied = renderToString(createElement(AdminConsole, { me: me('user'), tab: 'users' }));
    expect(denied).toContain('Admins only');
    expect(denied).not.toContain('Search users');
    const admin = renderToString(createElement(AdminConsole, { me: me('admin'), tab: 'invites' }));
    expect(admin).toContain('Admin console');
    for (const label of ['Users', 'Invites', 'Models', 'Tools', 'Usage', 'Audit'])
      expect(admin).toContain(label);
    expect(admin).toMatch(/href="\/admin\/invites" aria-current="page"/);
    expect(admin).toContain('Create invite');
  });
});

describe('usage data', () => {
  const rows = [
    { day: '2026-03-01', model: 'small', inputTokens: 10, outputTokens: 5, requests: 1, costUsd: 0.001 },
    { day: '2026-03-03', model: 'big', inputTokens: 100, outputTokens: 50, requests: 2, costUsd: null },
    { day: '2026-03-03', model: 'small', inputTokens: 1, outputTokens: 1, requests: 1, costUsd: 0 },
  ];

  it('spreads day×model rows over every day of the range, the largest model at the bottom', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    const data = dailyByModel(rows, '2026-03-01', '2026-03-03');
    expect(data.days).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(data.models).toEqual(['big', 'small']);
    expect(data.tokens).toEqual([
      [0, 0, 150],
      [15, 0, 2],
    ]);
    expect(data.cost[1]).toEqual([0.001, 0, 0]);
    expect(data.unpriced).toBe(true);
    expect(stack(data.tokens)).toEqual([
      [0, 0, 150],
      [15, 0, 152],
    ]);
  });

  it('ranks top users and formats money', () => {
    const top = topUsers([
      { userId: 'a', username: 'ann', inputTokens: 5, outputTokens: 5, requests: 1, costUsd: 0 },
      { userId: 'b', username: 'bob', inputTokens: 20, outputTokens: 20, requests: 3, costUsd: 1.5 },
    ]);
    expect(top.map((u) => [u.name, u.tokens, u.share])).toEqual([
      ['bob', 40, 1],
      ['ann', 10, 0.25],
    ]);
    expect(formatCost(null)).toBe('—');
    expect(formatCost(0)).toBe('$0.00');
    expect(formatCost(0.00042)).toBe('$0.0004');
    expect(formatCost(12.345)).toBe('$12.35');
    expect(lastDays(7, new Date('2026-03-10T12:00:00Z'))).toEqual({ from: '2026-03-04', to: '2026-03-10' });
  });

  it('builds the JSON and CSV addresses from one query', () => {
    const q = { from: '2026-03-01', to: '2026-03-30', groupBy: 'day,model' };
    expect(usageUrl(q)).toBe('/api/admin/usage?from=2026-03-01&to=2026-03-30&groupBy=day%2Cmodel');
    expect(usageUrl(q, 'csv')).toBe(
      '/api/admin/usage?from=2026-03-01&to=2026-03-30&groupBy=day%2Cmodel&format=csv',
    );
    expect(auditUrl({ type: 'sign-in', userId: 'u 1', before: 'c/2' })).toBe(
      '/api/admin/audit?type=sign-in&userId=u+1&before=c%2F2&limit=50',
    );
    expect(auditUrl({})).toBe('/api/admin/audit?limit=50');
  });

  it('reads quotas: what is left, and the one closest to running out past 80%', () => {
    expect(quotaState({ limit: null, used: 5 })).toBeNull();
    expect(quotaState({ limit: 100, used: 130 })).toEqual({ limit: 100, used: 130, left: 0, share: 1 });
    const usage = (daily: number, monthly: number): MyUsage => ({
      from: '',
      to: '',
      totals: { inputTokens: 0, outputTokens: 0, requests: 0, costUsd: 0 },
      quota: { daily: { limit: 100, used: daily }, monthly: { limit: 1000, used: monthly } },
    });
    expect(nearestQuota(usage(50, 500))).toBeNull();
    expect(nearestQuota(usage(85, 950))?.period).toBe('monthly');
    expect(nearestQuota(usage(90, 100))?.period).toBe('daily');
    expect(thisMonth(new Date('2026-03-17T05:00:00Z'))).toEqual({ from: '2026-03-01', to: '2026-03-17' });
  });

  it('labels models and invites', () => {
    expect(errorRate(null)).toBe('—');
    expect(errorRate(0.25)).toBe('25%');
    expect(errorRate(0.034)).toBe('3.4%');
    expect(ttft(420.4)).toBe('420 ms');
    expect(ttft(1500)).toBe('1.5 s');
    const invite = {
      id: 'i',
      role: 'user' as const,
      createdAt: '2026-01-01T00:00:00Z',
      expiresAt: '2026-01-08T00:00:00Z',
      usedAt: null,
      revokedAt: null,
      createdBy: 'root',
    };
    const at = Date.parse('2026-01-02T00:00:00Z');
    expect(inviteStatus(invite, at).text).toBe('open');
    expect(inviteStatus({ ...invite, usedAt: '2026-01-01T01:00:00Z' }, at).text).toBe('used');
    expect(inviteStatus({ ...invite, revokedAt: '2026-01-01T01:00:00Z' }, at).text).toBe('revoked');
    expect(inviteStatus(invite, Date.parse('2026-02-01T00:00:00Z')).text).toBe('expired');
  });
});

describe('console hooks against the API', () => {
  beforeEach(() => {
    installBrowser();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setCsrfToken(null);
  });

  it('a route the server does not have shows as unavailable; other failures as an error', async () => {
    fakeFetch(
      route('GET', '/api/admin/models', () => json({ error: 'Not found.', code: 'not_found' }, 404)),
      route('GET', '/api/admin/invites', () => json({ error: 'Boom.', code: 'internal' }, 500)),
    );
    const models = await renderHook(() => useResource(() => adminApi.models()));
    const invites = await renderHook(() => useResource(() => adminApi.invites()));
    await settle();
    expect(models.current()).toMatchObject({ unavailable: true, error: null, data: null, loading: false });
    expect(invites.current()).toMatchObject({ unavailable: false, error: 'Boom.', loading: false });
    await models.unmount();
    await invites.unmount();
  });

  it('searches users with q, and patches role and quotas', async () => {
    const f = fakeFetch(
      route('GET', /^\/api\/admin\/users\?/, (call) =>
        json({
          items: call.url.includes('q=bo') ? [user('b', { username: 'bob' })] : [user('a'), user('b')],
          nextCursor: null,
        }),
      ),
      route('PATCH', '/api/admin/users/b', (call) => {
        const { usage: _u, ...account } = user('b', { username: 'bob', ...(call.body as object) });
        return json(account);
      }),
    );
    let query = '';
    const users = await renderHook(() => useAdminUsers(query));
    await settle();
    expect(users.current().users?.map((u) => u.id)).toEqual(['a', 'b']);
    query = 'bo b';
    await users.rerender();
    await settle();
    expect(users.current().users?.map((u) => u.username)).toEqual(['bob']);
    setCsrfToken('csrf');
    const bob = users.current().users?.[0] as AdminUser;
    await run(() => users.current().setRole(bob, 'admin'));
    expect(users.current().users?.[0]?.role).toBe('admin');
    await run(() => users.current().setQuota(bob, { tokenQuotaDaily: 1000, tokenQuotaMonthly: null }));
    expect(users.current().users?.[0]).toMatchObject({ tokenQuotaDaily: 1000, tokenQuotaMonthly: null });
    expect(users.current().notice).toContain('limits are saved');
    expect(f.requests()).toEqual([
      'GET /api/admin/users?limit=50',
      'GET /api/admin/users?limit=50&q=bo%20b',
      'PATCH /api/admin/users/b',
      'PATCH /api/admin/users/b',
    ]);
    expect(f.calls[2]?.body).toEqual({ role: 'admin' });
    expect(f.calls[3]?.body).toEqual({ tokenQuotaDaily: 1000, tokenQuotaMonthly: null });
    expect(parseQuota(' 12,000 ')).toBe(12000);
    expect(parseQuota('')).toBeNull();
    expect(parseQuota('-1')).toBeUndefined();
    expect(parseQuota('1.5')).toBeUndefined();
    await users.unmount();
  });

  it('reads the audit log with filters, and loads more with the cursor', async () => {
    const event = (id: string) => ({
      id,
      at: '2026-01-01T00:00:00Z',
      type: 'sign-in',
      actorId: 'u1',
      actorName: 'ann',
      targetId: null,
      targetName: null,
      ip: '127.0.0.1',
      detail: {},
    });
    const f = fakeFetch(
      route('GET', /^\/api\/admin\/audit\?/, (call) =>
        json(
          call.url.includes('before=')
            ? { items: [event('e3')], nextCursor: null }
            : { items: [event('e1'), event('e2')], nextCursor: 'cur2' },
        ),
      ),
    );
    let filter = { type: '', userId: '' };
    const audit = await renderHook(() => useAudit(filter));
    await settle();
    expect(audit.current().items?.map((e) => e.id)).toEqual(['e1', 'e2']);
    await run(() => audit.current().loadMore());
    expect(audit.current().items?.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(audit.current().nextCursor).toBeNull();
    filter = { type: 'sign-in-failed', userId: 'u1' };
    await audit.rerender();
    await settle();
    expect(audit.current().items?.map((e) => e.id)).toEqual(['e1', 'e2']);
    expect(f.requests()).toEqual([
      'GET /api/admin/audit?limit=50',
      'GET /api/admin/audit?before=cur2&limit=50',
      'GET /api/admin/audit?type=sign-in-failed&userId=u1&limit=50',
    ]);
    await audit.unmount();
  });

  it('creates and revokes invites with the CSRF header; reads own usage for this month', async () => {
    const f = fakeFetch(
      route('POST', '/api/admin/invites', () =>
        json({ id: 'i1', code: 'inv_x', role: 'admin', expiresAt: '2026-01-08T00:00:00Z' }, 201),
      ),
      route('DELETE', '/api/admin/invites/i1', () => new Response(null, { status: 204 })),
      route('GET', /^\/api\/usage\?/, () => json({ totals: {}, quota: {} })),
    );
    setCsrfToken('csrf');
    expect((await adminApi.createInvite({ role: 'admin', expiresInDays: 7 })).code).toBe('inv_x');
    await adminApi.revokeInvite('i1');
    await api.myUsage('2026-03-01', '2026-03-17');
    expect(f.requests()).toEqual([
      'POST /api/admin/invites',
      'DELETE /api/admin/invites/i1',
      'GET /api/usage?from=2026-03-01&to=2026-03-17&groupBy=day',
    ]);
    expect(f.calls[0]?.body).toEqual({ role: 'admin', expiresInDays: 7 });
  });
});
