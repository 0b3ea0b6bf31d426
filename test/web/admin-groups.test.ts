import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import AdminConsole from '../../src/web/admin/AdminConsole.js';
import { type AdminGroup, groupsOf, usageUrl } from '../../src/web/admin/admin-api.js';
import { allowedText, changesOf, draftOf, parseDraft, toggle } from '../../src/web/admin/group-form.js';
import { percentText, quotaBars, quotaStanding, quotaText } from '../../src/web/admin/group-quota.js';
import { meterText, nearestQuota } from '../../src/web/admin/quota.js';
import { candidates, useGroupMembers } from '../../src/web/admin/use-group-members.js';
import { useGroups } from '../../src/web/admin/use-groups.js';
import { type AdminUser, ApiError, type MyUsage, setCsrfToken } from '../../src/web/api.js';
import { runError } from '../../src/web/hooks/run-errors.js';
import { me, user } from './admin-fixtures.js';
import { fakeFetch, installBrowser, json, renderHook, route, run, settle } from './hook-harness.js';

// The Groups tab and the groups' quota chart without a browser: the editor's form as data, the
// bars' math, and the hooks against a fake fetch that answers as the teams contract says.

function group(id: string, extra: Partial<AdminGroup> = {}): AdminGroup {
  return {
    id,
    name: `Group ${id}`,
    tokenQuotaDaily: null,
    tokenQuotaMonthly: null,
    models: null,
    tools: null,
    memberCount: 0,
    createdAt: '2026-01-01T00:00:00.000Z',
    usage: { day: 0, month: 0 },
    ...extra,
  };
}

describe('the group editor as data', () => {
  it('a blank form allows every model and tool; an existing group fills it in', () => {
    expect(draftOf()).toEqual({
      name: '',
      daily: '',
      monthly: '',
      allModels: true,
      models: [],
      allTools: true,
      tools: [],
    });
    const g = group('r', { name: 'Research', tokenQuotaDaily: 1000, models: ['m1'], tools: [] });
    expect(draftOf(g)).toMatchObject({ name: 'Research', daily: '1000', monthly: '', allModels: false });
    expect(draftOf(g).allTools).toBe(false);
  });

  it('says what to fix: a name, whole numbers, at least one model when not every model', () => {
    const bad = parseDraft({ ...draftOf(), name: '  ', daily: '12.5', monthly: 'lots', allModels: false });
    expect(bad).toEqual({
      ok: false,
      errors: {
        name: 'Give the group a name.',
        daily: 'Enter a whole number of tokens, or leave it blank.',
        monthly: 'Enter a whole number of tokens, or leave it blank.',
        models: 'Pick at least one model, or allow every model.',
      },
    });
    expect(parseDraft({ ...draftOf(), name: 'x'.repeat(101) })).toMatchObject({
      ok: false,
      errors: { name: 'Use at most 100 characters.' },
    });
  });

  it('sends null for "every" and blank quotas, trimmed names and each id once', () => {
    const draft = {
      ...draftOf(),
      name: ' Research ',
      daily: '100 000',
      allTools: false,
      tools: ['s/a', 's/a'],
    };
    expect(parseDraft(draft)).toEqual({
      ok: true,
      input: {
        name: 'Research',
        tokenQuotaDaily: 100000,
        tokenQuotaMonthly: null,
        models: null,
        tools: ['s/a'],
      },
    });
    expect(toggle(['a', 'b'], 'a', false)).toEqual(['b']);
    expect(toggle(['a'], 'a', true)).toEqual(['a']);
    expect(toggle(['a'], 'c', true)).toEqual(['a', 'c']);
  });

  it('an edit sends only what changed (a list in another order is no change)', () => {
    const g = group('r', { name: 'R', tokenQuotaDaily: 5, models: ['a', 'b'] });
    const same = { name: 'R', tokenQuotaDaily: 5, tokenQuotaMonthly: null, models: ['b', 'a'], tools: null };
    expect(changesOf(g, same)).toEqual({});
    expect(changesOf(g, { ...same, tokenQuotaDaily: null, models: null, tools: [] })).toEqual({
      tokenQuotaDaily: null,
      models: null,
      tools: [],
    });
    expect(allowedText(null, 'model')).toBe('every model');
    expect(allowedText([], 'tool')).toBe('no tools');
    expect(allowedText(['a', 'b', 'c', 'd', 'e'], 'model')).toBe('5 models: a, b, c and 2 more');
  });
});

describe('the groups quota chart', () => {
  it('0 is no limit and null sets none; ≥80% warns, all used is danger', () => {
    expect(quotaStanding(50, null)).toBeNull();
    expect(quotaStanding(50, 0)).toBeNull();
    expect(quotaStanding(10, 100)).toEqual({ share: 0.1, tone: 'ok' });
    expect(quotaStanding(85, 100)?.tone).toBe('warn');
    expect(quotaStanding(130, 100)).toEqual({ share: 1, tone: 'danger' });
    expect([null, 0, 1234].map((q) => quotaText(q, String))).toEqual(['—', 'no limit', '1234']);
    expect(percentText(0.256)).toBe('26%');
    expect(percentText(null)).toBe('');
  });

  it('draws each group against its quota, the most used first, and an overshoot past the marker', () => {
    const groups = [
      group('a', { name: 'Alpha', tokenQuotaDaily: 1000, usage: { day: 250, month: 9000 } }),
      group('b', { name: 'Beta', tokenQuotaDaily: 100, usage: { day: 150, month: 150 } }),
      group('c', { name: 'Gamma', usage: { day: 40, month: 40 } }),
      group('d', { name: 'Delta', tokenQuotaDaily: 0, usage: { day: 80, month: 80 } }),
    ];
    const bars = quotaBars(groups, 'day');
    expect(bars.map((b) => b.name)).toEqual(['Beta', 'Alpha', 'Delta', 'Gamma']);
    const [beta, alpha, delta, gamma] = bars;
    expect(beta).toMatchObject({ ratio: 1.5, tone: 'danger' });
    // The track is 110% of the larger of quota and use: the fill ends past the marker.
    expect(beta?.fillPct).toBeCloseTo(100 / 1.1);
    expect(beta?.markerPct).toBeCloseTo((100 / 150) * (100 / 1.1));
    expect(alpha).toMatchObject({ ratio: 0.25, tone: 'ok' });
    expect(alpha?.markerPct).toBeCloseTo(100 / 1.1);
    // Without a quota (none set, or 0): no marker, scaled to the largest such use.
    expect(delta).toMatchObject({ ratio: null, markerPct: null, fillPct: 100 });
    expect(gamma).toMatchObject({ ratio: null, markerPct: null, fillPct: 50 });
    // This month no group sets a quota: the most tokens first.
    expect(quotaBars(groups, 'month')[0]?.name).toBe('Alpha');
    expect(quotaBars(groups, 'day', 2)).toHaveLength(2);
  });

  it('its CSV link asks the usage API for tokens per group', () => {
    expect(usageUrl({ from: '2026-12-01', to: '2026-12-07', groupBy: 'group' }, 'csv')).toBe(
      '/api/admin/usage?from=2026-12-01&to=2026-12-07&groupBy=group&format=csv',
    );
  });
});

describe('groups in the console', () => {
  beforeEach(() => {
    installBrowser();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setCsrfToken(null);
  });

  it('has a Groups tab; user rows name their groups', () => {
    const html = renderToString(createElement(AdminConsole, { me: me('admin'), tab: 'groups' }));
    expect(html).toMatch(/href="\/admin\/groups" aria-current="page"/);
    expect(html).toContain('Groups');
    expect(groupsOf(user('a'))).toEqual([]);
    expect(groupsOf({ ...user('a'), groups: [{ id: 'g', name: 'R' }] })).toEqual([{ id: 'g', name: 'R' }]);
  });

  it('lists, creates, edits (only the changes) and deletes groups, and shows a refusal', async () => {
    let items = [group('a', { name: 'Alpha', tokenQuotaDaily: 10 })];
    const f = fakeFetch(
      route('GET', '/api/admin/groups', () => json({ items })),
      route('POST', '/api/admin/groups', (call) => {
        const body = call.body as { name: string };
        if (body.name === 'Alpha')
          return json({ error: 'A group named Alpha exists.', code: 'conflict' }, 409);
        const created = group('b', call.body as Partial<AdminGroup>);
        items = [...items, created];
        return json(created, 201);
      }),
      route('PATCH', '/api/admin/groups/a', (call) => {
        items = items.map((g) => (g.id === 'a' ? { ...g, ...(call.body as object) } : g));
        return json(items[0]);
      }),
      route('DELETE', '/api/admin/groups/a', () => {
        items = items.filter((g) => g.id !== 'a');
        return new Response(null, { status: 204 });
      }),
    );
    setCsrfToken('csrf');
    const groups = await renderHook(() => useGroups());
    await settle();
    expect(groups.current().groups?.map((g) => g.name)).toEqual(['Alpha']);

    const input = { name: 'Alpha', tokenQuotaDaily: 5, tokenQuotaMonthly: null, models: null, tools: null };
    expect(await run(() => groups.current().create(input))).toBe(false);
    expect(groups.current().error).toBe('A group named Alpha exists.');
    expect(await run(() => groups.current().create({ ...input, name: 'Beta' }))).toBe(true);
    expect(groups.current().notice).toContain('Beta is created');
    expect(groups.current().groups?.map((g) => g.name)).toEqual(['Alpha', 'Beta']);

    const alpha = groups.current().groups?.[0] as AdminGroup;
    await run(() => groups.current().update(alpha, { ...input, tokenQuotaDaily: 20 }));
    const patch = f.calls.find((c) => c.method === 'PATCH');
    expect(patch?.body).toEqual({ tokenQuotaDaily: 20 });
    expect(groups.current().groups?.[0]?.tokenQuotaDaily).toBe(20);
    // Nothing changed: nothing sent.
    await run(() =>
      groups.current().update(groups.current().groups?.[0] as AdminGroup, { ...input, tokenQuotaDaily: 20 }),
    );
    expect(f.calls.filter((c) => c.method === 'PATCH')).toHaveLength(1);
    expect(groups.current().notice).toBe('Nothing changed in Alpha.');

    await run(() => groups.current().remove(groups.current().groups?.[0] as AdminGroup));
    expect(groups.current().groups?.map((g) => g.name)).toEqual(['Beta']);
    expect(f.unhandled).toEqual([]);
    await groups.unmount();
  });

  it('a server without groups shows the tab as unavailable', async () => {
    fakeFetch(route('GET', '/api/admin/groups', () => json({ error: 'Not found.', code: 'not_found' }, 404)));
    const groups = await renderHook(() => useGroups());
    await settle();
    expect(groups.current()).toMatchObject({ unavailable: true, groups: null, loadError: null });
    await groups.unmount();
  });

  it('members: search offers accounts not in the group yet; add and remove reload and tell the list', async () => {
    let members = [
      { userId: 'a', username: 'ann', displayName: '', source: 'oidc', addedAt: '2026-01-01T00:00:00Z' },
    ];
    const f = fakeFetch(
      route('GET', '/api/admin/groups/g1/members', () => json({ items: members })),
      route('GET', /^\/api\/admin\/users\?limit=50&q=/, () =>
        json({
          items: [
            user('a', { username: 'ann' }),
            user('b', { username: 'bob' }),
            user('p', { pending: true }),
          ],
          nextCursor: null,
        }),
      ),
      route('PUT', '/api/admin/groups/g1/members/b', () => {
        members = [
          ...members,
          { userId: 'b', username: 'bob', displayName: '', source: 'admin', addedAt: '' },
        ];
        return new Response(null, { status: 204 });
      }),
      route('DELETE', '/api/admin/groups/g1/members/a', () => {
        members = members.filter((m) => m.userId !== 'a');
        return new Response(null, { status: 204 });
      }),
    );
    const changed = vi.fn();
    const hook = await renderHook(() => useGroupMembers('g1', changed));
    await settle();
    expect(hook.current().members?.map((m) => m.username)).toEqual(['ann']);
    await run(() => hook.current().setSearch('  a '));
    await settle(350);
    expect(f.requests()).toContain('GET /api/admin/users?limit=50&q=a');
    // ann is a member already, p waits for approval: only bob is offered.
    expect(hook.current().candidates.map((u) => u.username)).toEqual(['bob']);
    await run(() => hook.current().add(hook.current().candidates[0] as AdminUser));
    expect(hook.current().members?.map((m) => m.username)).toEqual(['ann', 'bob']);
    expect(hook.current().search).toBe('');
    expect(hook.current().notice).toBe('bob is a member now.');
    await run(() => hook.current().remove(hook.current().members?.[0] as never));
    expect(hook.current().members?.map((m) => m.username)).toEqual(['bob']);
    expect(changed).toHaveBeenCalledTimes(2);
    expect(f.unhandled).toEqual([]);
    expect(candidates([user('x'), user('y')], [], 1).map((u) => u.id)).toEqual(['x']);
    await hook.unmount();
  });
});

describe('a refused send in the chat', () => {
  it('a used-up quota gets a title, the server’s sentence (naming the group) and no Retry', () => {
    const retry = () => {};
    const message = 'Your group "Research" has used its 100 tokens for today; the quota resets at 00:00 UTC.';
    expect(runError(new ApiError(message, 429, 'quota_exceeded'), retry)).toEqual({
      title: 'Token limit reached',
      message,
    });
    expect(
      runError(new ApiError('Your groups do not include the model x.', 403, 'model_not_allowed'), retry),
    ).toMatchObject({ title: 'Model not available to you' });
    expect(runError(new ApiError('Boom.', 500, 'internal'), retry)).toEqual({ message: 'Boom.', retry });
  });
});

describe('the composer’s quota meter', () => {
  it('says a group’s shared quota is the group’s', () => {
    const usage = {
      from: '2026-12-07',
      to: '2026-12-07',
      totals: { inputTokens: 0, outputTokens: 0, requests: 0, costUsd: null },
      quota: {
        daily: { limit: 120, used: 219, source: 'group', groupName: 'Research' },
        monthly: { limit: null, used: 219, source: null, groupName: null },
      },
    } as MyUsage;
    const near = nearestQuota(usage);
    expect(near).toMatchObject({ period: 'daily', groupName: 'Research' });
    if (!near) throw new Error('no quota');
    expect(meterText(near.state, near.period, near.groupName)).toBe(
      'Your group “Research” has used all of today’s 120 tokens.',
    );
    const state = { limit: 1000, left: 150, share: 0.85 };
    expect(meterText(state, 'monthly', 'Ops')).toBe(
      'Your group “Ops”: 85% of this month’s tokens used · 150 left',
    );
    expect(meterText(state, 'daily', null)).toBe('85% of today’s tokens used · 150 left');
  });
});
