import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoModel } from '../src/server/ai/demo-model.js';
import { allowedByGroups, decidingPool, hasRoom } from '../src/server/auth/effective-limits.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { parseMcpFile } from '../src/server/tools/mcp-file.js';
import { Client } from './helpers/clients.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';
import { EVERYTHING_SERVER } from './helpers/mcp-servers.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Groups (issue 17, teams): admins group users; a group shares a token quota among its current
 * members and limits the models and tools they may use. Checked as users meet it: the admin API,
 * 429s naming the group, the most generous pool winning, a user's own quota winning, 403
 * model_not_allowed on chat and /v1, filtered model and tool lists, and usage per group, exact
 * against known demo turns, on SQLite and PostgreSQL.
 */

const today = () => new Date().toISOString().slice(0, 10);

interface Reply {
  role: string;
  usage: { inputTokens: number | null; outputTokens: number | null };
}

describe('the effective-limits rule', () => {
  const facts = (over: Partial<Parameters<typeof decidingPool>[0]>) => ({
    own: null,
    ownUsed: 10,
    serverDefault: undefined,
    groups: [],
    ...over,
  });

  it('takes the user’s own quota alone, else the most generous group pool, else the server default', () => {
    const groups = [
      { name: 'A', quota: 100, used: 100 },
      { name: 'B', quota: 1000, used: 50 },
    ];
    expect(decidingPool(facts({ own: 20, groups }))).toEqual({
      limit: 20,
      used: 10,
      source: 'user',
      groupName: null,
    });
    expect(decidingPool(facts({ groups }))).toMatchObject({ limit: 1000, used: 50, groupName: 'B' });
    // A group without a quota is the server default against the user's own tokens.
    expect(
      decidingPool(
        facts({
          serverDefault: 5000,
          groups: [
            { name: 'A', quota: 100, used: 100 },
            { name: 'C', quota: null, used: 9 },
          ],
        }),
      ),
    ).toEqual({
      limit: 5000,
      used: 10,
      source: 'server',
      groupName: null,
    });
    // ... unlimited when there is no default.
    expect(
      hasRoom(
        decidingPool(
          facts({
            groups: [
              { name: 'A', quota: 1, used: 9 },
              { name: 'C', quota: null, used: 9 },
            ],
          }),
        ),
      ),
    ).toBe(true);
    expect(decidingPool(facts({ serverDefault: 10 }))).toEqual({
      limit: 10,
      used: 10,
      source: 'server',
      groupName: null,
    });
    expect(hasRoom(decidingPool(facts({ serverDefault: 10 })))).toBe(false);
    // 0 is "no limit", as for users and the server.
    expect(decidingPool(facts({ own: 0, serverDefault: 1 }))).toMatchObject({ limit: null, source: 'user' });
    expect(decidingPool(facts({}))).toMatchObject({ limit: null, source: null });
  });

  it('allows every model when in no group or in a group without a list; else the union', () => {
    expect(allowedByGroups([])).toBeNull();
    expect(allowedByGroups([['a'], null])).toBeNull();
    expect([...(allowedByGroups([['a'], ['b', 'a'], []]) ?? [])].sort()).toEqual(['a', 'b']);
    expect(allowedByGroups([[]])?.size).toBe(0);
  });
});

for (const target of storeTargets()) {
  describe(`groups on ${target.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let t: TestApp;
    let root: Client;
    let alice: Client;
    let bob: Client;
    let carol: Client;
    let dave: Client;
    const conversations = new Map<Client, string[]>();

    beforeAll(async () => {
      database = await target.create();
      store = await openStore(database.url);
      t = await createTestApp({
        store,
        env: { AUTH_MODE: 'local', SIGNUP: 'open' },
        models: [{ id: 'other', model: createDemoModel({ delayMs: 0 }) }],
      });
      root = new Client(t.app);
      await root.signup('boss');
      alice = new Client(t.app);
      await alice.signup('alice');
      bob = new Client(t.app);
      await bob.signup('bob');
      carol = new Client(t.app);
      await carol.signup('carol');
      dave = new Client(t.app);
      await dave.signup('dave');
    }, 60_000);

    afterAll(async () => {
      await t?.close();
      await store?.close();
      await database?.drop();
    });

    async function group(body: object): Promise<{ id: string; name: string }> {
      const res = await root.request('POST', '/api/admin/groups', body);
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    }

    const join = (groupId: string, who: Client) =>
      root.request('PUT', `/api/admin/groups/${groupId}/members/${who.userId}`);

    async function conversation(who: Client, body: object = {}): Promise<string> {
      const res = await who.request('POST', '/api/conversations', body);
      expect(res.statusCode, res.body).toBe(201);
      conversations.set(who, [...(conversations.get(who) ?? []), res.json().id]);
      return res.json().id;
    }

    /** One demo turn; the answer (202, or the refusal). */
    async function turn(who: Client, body: object = {}) {
      const id = conversations.get(who)?.[0] ?? (await conversation(who));
      const res = await who.request('POST', `/api/conversations/${id}/messages`, {
        content: 'hello there',
        ...body,
      });
      if (res.statusCode === 202) await t.app.parley.runs.get(res.json().runId)?.done;
      return res;
    }

    /** A user's tokens so far, from their stored replies (the truth the reports must show). */
    async function spent(who: Client) {
      let input = 0;
      let output = 0;
      let requests = 0;
      for (const id of conversations.get(who) ?? []) {
        const page = await who.request('GET', `/api/conversations/${id}/messages?limit=200`);
        for (const reply of (page.json().items as Reply[]).filter((m) => m.role === 'assistant')) {
          input += reply.usage.inputTokens ?? 0;
          output += reply.usage.outputTokens ?? 0;
          requests += 1;
        }
      }
      return { input, output, requests, total: input + output };
    }

    const groups = async () =>
      (await root.request('GET', '/api/admin/groups')).json().items as {
        id: string;
        name: string;
        memberCount: number;
        usage: { day: number; month: number };
      }[];

    it('creates, lists, changes and deletes groups; names are unique case-insensitively', async () => {
      const made = await group({ name: '  Zeta  ', tokenQuotaDaily: 1000, models: ['demo', 'demo'] });
      expect(made).toMatchObject({
        name: 'Zeta',
        tokenQuotaDaily: 1000,
        tokenQuotaMonthly: null,
        models: ['demo'],
        tools: null,
        memberCount: 0,
        usage: { day: 0, month: 0 },
      });
      const clash = await root.request('POST', '/api/admin/groups', { name: 'zETA' });
      expect(clash.statusCode).toBe(409);
      expect(clash.json().code).toBe('conflict');
      const unknownModel = await root.request('POST', '/api/admin/groups', { name: 'X', models: ['gpt-9'] });
      expect(unknownModel.statusCode).toBe(400);
      expect(unknownModel.json().code).toBe('unknown_model');
      // No MCP server here: every tool id is unknown.
      const unknownTool = await root.request('POST', '/api/admin/groups', { name: 'X', tools: ['a/b'] });
      expect(unknownTool.statusCode).toBe(400);
      expect(unknownTool.json().code).toBe('unknown_tool');
      expect((await root.request('POST', '/api/admin/groups', { name: '   ' })).statusCode).toBe(400);
      await group({ name: 'alpha' });
      expect((await groups()).map((g) => g.name)).toEqual(['alpha', 'Zeta']);

      const patched = await root.request('PATCH', `/api/admin/groups/${made.id}`, {
        name: 'Zed',
        tokenQuotaDaily: null,
        models: null,
      });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ name: 'Zed', tokenQuotaDaily: null, models: null });
      expect(
        (await root.request('PATCH', `/api/admin/groups/${made.id}`, { name: 'ALPHA' })).statusCode,
      ).toBe(409);
      expect((await root.request('PATCH', '/api/admin/groups/nope', { name: 'Q' })).statusCode).toBe(404);

      expect((await join(made.id, dave)).statusCode).toBe(204);
      expect((await root.request('DELETE', `/api/admin/groups/${made.id}`)).statusCode).toBe(204);
      expect((await root.request('DELETE', `/api/admin/groups/${made.id}`)).statusCode).toBe(404);
      expect((await groups()).map((g) => g.name)).toEqual(['alpha']);
      // Its memberships went with it.
      const users = (await root.request('GET', '/api/admin/users?q=dave')).json().items;
      expect(users[0].groups).toEqual([]);
      const audit = (await root.request('GET', '/api/admin/audit?limit=200')).json().items as {
        type: string;
        targetId: string;
        detail: { name?: string };
      }[];
      expect(audit.filter((e) => e.targetId === made.id).map((e) => e.type)).toEqual([
        'group-deleted',
        'group-member-added',
        'group-updated',
        'group-created',
      ]);
    });

    it('settles two groups created at once under one name in different case: one 201, one 409', async () => {
      const [a, b] = await Promise.all([
        root.request('POST', '/api/admin/groups', { name: 'Twins' }),
        root.request('POST', '/api/admin/groups', { name: 'twins' }),
      ]);
      expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
      expect([a, b].find((r) => r.statusCode === 409)?.json().code).toBe('conflict');
      const named = (await root.request('GET', '/api/admin/groups'))
        .json()
        .items.filter((g: { name: string }) => g.name.toLowerCase() === 'twins');
      expect(named).toHaveLength(1);
      await root.request('DELETE', `/api/admin/groups/${named[0].id}`);
    });

    it('adds and removes members idempotently; the admin user list names their groups', async () => {
      const team = await group({ name: 'Team' });
      expect((await join(team.id, dave)).statusCode).toBe(204);
      expect((await join(team.id, dave)).statusCode).toBe(204);
      expect(
        (await root.request('PUT', `/api/admin/groups/${team.id}/members/no-such-user`)).statusCode,
      ).toBe(404);
      expect((await root.request('PUT', `/api/admin/groups/nope/members/${dave.userId}`)).statusCode).toBe(
        404,
      );
      const members = (await root.request('GET', `/api/admin/groups/${team.id}/members`)).json().items;
      expect(members).toEqual([
        {
          userId: dave.userId,
          username: 'dave',
          displayName: 'dave',
          source: 'admin',
          addedAt: expect.any(String),
        },
      ]);
      const users = (await root.request('GET', '/api/admin/users?q=dave')).json().items;
      expect(users[0].groups).toEqual([{ id: team.id, name: 'Team' }]);
      expect((await groups()).find((g) => g.id === team.id)?.memberCount).toBe(1);
      expect(
        (await root.request('DELETE', `/api/admin/groups/${team.id}/members/${dave.userId}`)).statusCode,
      ).toBe(204);
      expect(
        (await root.request('DELETE', `/api/admin/groups/${team.id}/members/${dave.userId}`)).statusCode,
      ).toBe(404);
      expect((await root.request('GET', `/api/admin/groups/${team.id}/members`)).json().items).toEqual([]);
      await root.request('DELETE', `/api/admin/groups/${team.id}`);
    });

    it('shares a group quota among its members: 429 naming the group once they used it together', async () => {
      const research = await group({ name: 'Research' });
      await join(research.id, alice);
      await join(research.id, bob);
      expect((await turn(alice)).statusCode).toBe(202);
      const a = await spent(alice);
      expect((await groups()).find((g) => g.id === research.id)?.usage).toEqual({
        day: a.total,
        month: a.total,
      });

      // Room for Alice alone, not for both.
      const quota = a.total + 1;
      await root.request('PATCH', `/api/admin/groups/${research.id}`, { tokenQuotaDaily: quota });
      expect((await alice.request('GET', '/api/usage')).json().quota.daily).toEqual({
        limit: quota,
        used: a.total,
        source: 'group',
        groupName: 'Research',
      });
      expect((await turn(bob)).statusCode).toBe(202);
      const b = await spent(bob);
      const refused = await turn(alice);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.json()).toEqual({
        code: 'quota_exceeded',
        error: `Your group "Research" has used its ${quota} tokens for today; the quota resets at 00:00 UTC.`,
      });
      expect((await bob.request('GET', '/api/usage')).json().quota.daily).toMatchObject({
        used: a.total + b.total,
        source: 'group',
      });

      // The most generous pool wins: a second, bigger group lets Alice go on.
      const big = await group({ name: 'Big', tokenQuotaDaily: 1_000_000_000 });
      await join(big.id, alice);
      expect((await turn(alice)).statusCode).toBe(202);
      expect((await alice.request('GET', '/api/usage')).json().quota.daily).toMatchObject({
        limit: 1_000_000_000,
        source: 'group',
        groupName: 'Big',
      });
      expect((await turn(bob)).statusCode).toBe(429);
      // A group without a quota is the server default (none here) against Bob's own tokens.
      const open = await group({ name: 'Open' });
      await join(open.id, bob);
      expect((await turn(bob)).statusCode).toBe(202);
      expect((await bob.request('GET', '/api/usage')).json().quota.daily).toMatchObject({
        limit: null,
        source: null,
      });

      // The user's own quota wins over every group.
      await root.request('PATCH', `/api/admin/users/${alice.userId}`, { tokenQuotaDaily: 1 });
      const own = await turn(alice);
      expect(own.statusCode).toBe(429);
      expect(own.json().error).toBe('You have used your 1 tokens for today; the quota resets at 00:00 UTC.');
      expect((await alice.request('GET', '/api/usage')).json().quota.daily).toMatchObject({
        limit: 1,
        source: 'user',
        groupName: null,
      });
      await root.request('PATCH', `/api/admin/users/${alice.userId}`, { tokenQuotaDaily: null });
    });

    it('sums usage per group, exact for the known demo turns; users in no group are not listed', async () => {
      // Alice is in Research and Big, Bob in Research and Open; Carol and Dave in none yet.
      await turn(carol);
      const [a, b] = [await spent(alice), await spent(bob)];
      const res = await root.request('GET', `/api/admin/usage?groupBy=group&from=${today()}&to=${today()}`);
      expect(res.statusCode).toBe(200);
      const rows = res.json().rows as {
        groupName: string;
        inputTokens: number;
        outputTokens: number;
        requests: number;
      }[];
      const byName = Object.fromEntries(rows.map((row) => [row.groupName, row]));
      expect(Object.keys(byName).sort()).toEqual(['Big', 'Open', 'Research']);
      expect(byName.Research).toMatchObject({
        inputTokens: a.input + b.input,
        outputTokens: a.output + b.output,
        requests: a.requests + b.requests,
        costUsd: 0,
      });
      expect(byName.Big).toMatchObject({
        inputTokens: a.input,
        outputTokens: a.output,
        requests: a.requests,
      });
      expect(byName.Open).toMatchObject({
        inputTokens: b.input,
        outputTokens: b.output,
        requests: b.requests,
      });
      // Totals still cover everyone (Carol too).
      const c = await spent(carol);
      expect(res.json().totals.inputTokens).toBe(a.input + b.input + c.input);
      const byDay = (
        await root.request('GET', `/api/admin/usage?groupBy=day,group&from=${today()}&to=${today()}`)
      ).json();
      expect(byDay.rows).toHaveLength(3);
      expect(byDay.rows.every((row: { day: string }) => row.day === today())).toBe(true);
      const csv = await root.request(
        'GET',
        `/api/admin/usage?groupBy=group&format=csv&from=${today()}&to=${today()}`,
      );
      const lines = csv.body.trim().split('\r\n');
      expect(lines[0]).toBe('group,input_tokens,output_tokens,requests,cost_usd');
      expect(lines).toContain(
        `Research,${a.input + b.input},${a.output + b.output},${a.requests + b.requests},0`,
      );
    });

    it('keeps members to their groups’ models: 403 model_not_allowed on chat and /v1, filtered lists', async () => {
      // A conversation on "other" from before Carol's group limited her.
      const before = await conversation(carol, { model: 'other' });
      const demoOnly = await group({ name: 'Demo only', models: ['demo'] });
      await join(demoOnly.id, carol);
      const list = (await carol.request('GET', '/api/models')).json();
      expect(list.models.map((m: { id: string }) => m.id)).toEqual(['demo']);
      expect(list.defaultModel).toBe('demo');
      expect(
        (await dave.request('GET', '/api/models')).json().models.map((m: { id: string }) => m.id),
      ).toEqual(['demo', 'other']);

      const create = await carol.request('POST', '/api/conversations', { model: 'other' });
      expect(create.statusCode).toBe(403);
      expect(create.json()).toEqual({
        code: 'model_not_allowed',
        error: 'Your groups do not include the model other.',
      });
      const mine = await conversation(carol);
      expect((await carol.request('GET', `/api/conversations/${mine}`)).json().model).toBe('demo');
      expect(
        (await carol.request('PATCH', `/api/conversations/${mine}`, { model: 'other' })).statusCode,
      ).toBe(403);
      const countBefore = (await carol.request('GET', `/api/conversations/${before}/messages`)).json().items
        .length;
      const sendOld = await carol.request('POST', `/api/conversations/${before}/messages`, { content: 'hi' });
      expect(sendOld.statusCode).toBe(403);
      expect(sendOld.json().code).toBe('model_not_allowed');
      const sendOther = await carol.request('POST', `/api/conversations/${mine}/messages`, {
        content: 'hi',
        model: 'other',
      });
      expect(sendOther.statusCode).toBe(403);
      // Nothing written.
      expect((await carol.request('GET', `/api/conversations/${before}/messages`)).json().items).toHaveLength(
        countBefore,
      );

      const token = (await carol.request('POST', '/api/tokens', { name: 'script' })).json().token as string;
      const script = new Client(t.app);
      script.bearer = token;
      expect(
        (await script.request('GET', '/v1/models')).json().data.map((m: { id: string }) => m.id),
      ).toEqual(['demo']);
      expect((await script.request('GET', '/v1/models/other')).statusCode).toBe(404);
      for (const [url, body] of [
        ['/v1/chat/completions', { model: 'other', messages: [{ role: 'user', content: 'hi' }] }],
        ['/v1/responses', { model: 'other', input: 'hi' }],
      ] as const) {
        const res = await script.request('POST', url, body);
        expect(res.statusCode, url).toBe(403);
        expect(res.json().error).toMatchObject({
          code: 'model_not_allowed',
          type: 'permission_error',
          param: 'model',
        });
      }
      const allowed = await script.request('POST', '/v1/chat/completions', {
        model: 'demo',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(allowed.statusCode).toBe(200);

      // A second group's list adds to the first.
      const others = await group({ name: 'Others', models: ['other'] });
      await join(others.id, carol);
      expect((await carol.request('GET', '/api/models')).json().models).toHaveLength(2);
      expect((await script.request('GET', '/v1/models')).json().data).toHaveLength(2);
      expect((await turn(carol, { model: 'other' })).statusCode).toBe(202);
    });
  });
}

describe('groups and tools (server-everything over stdio)', () => {
  let t: TestApp;
  let root: Client;
  let erin: Client;

  beforeAll(async () => {
    const servers = parseMcpFile(
      `servers:
  - name: everything
    transport: stdio
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio]
    requireApproval: [get-sum]
    timeoutMs: 20000
`,
      'mcp.yaml',
      {},
    );
    t = await createTestApp({
      mcpServers: servers,
      env: { AUTH_MODE: 'local', SIGNUP: 'open' },
      models: [{ id: 'other', model: createDemoModel({ delayMs: 0 }) }],
    });
    root = new Client(t.app);
    await root.signup('boss');
    erin = new Client(t.app);
    await erin.signup('erin');
    for (let i = 0; i < 300; i++) {
      const body = (await root.request('GET', '/api/tools')).json();
      if (body.servers.every((s: { state: string }) => s.state === 'ready')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('MCP server did not become ready');
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const toolIds = async (who: Client) =>
    ((await who.request('GET', '/api/tools')).json().servers as { tools: { id: string }[] }[]).flatMap((s) =>
      s.tools.map((tool) => tool.id),
    );

  it('lists, enables and runs only the tools of the member’s groups', async () => {
    for (const tools of [['everything/no-such-tool'], ['nowhere/echo'], ['not a tool id']]) {
      const res = await root.request('POST', '/api/admin/groups', { name: 'T', tools });
      expect(res.statusCode, JSON.stringify(tools)).toBe(400);
      expect(res.json().code).toBe('unknown_tool');
    }
    const echoOnly = (
      await root.request('POST', '/api/admin/groups', { name: 'Echo', tools: ['everything/echo'] })
    ).json();
    expect(echoOnly.tools).toEqual(['everything/echo']);
    expect((await toolIds(erin)).length).toBeGreaterThan(1);
    await root.request('PUT', `/api/admin/groups/${echoOnly.id}/members/${erin.userId}`);
    expect(await toolIds(erin)).toEqual(['everything/echo']);
    expect((await toolIds(root)).length).toBeGreaterThan(1);

    const refused = await erin.request('POST', '/api/conversations', { tools: ['everything/get-sum'] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().code).toBe('unknown_tool');
    const created = await erin.request('POST', '/api/conversations', { tools: ['everything/echo'] });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;

    const replyTo = async (content: string) => {
      const sent = await erin.request('POST', `/api/conversations/${id}/messages`, { content });
      expect(sent.statusCode).toBe(202);
      await t.app.parley.runs.get(sent.json().runId)?.done;
      const items = (await erin.request('GET', `/api/conversations/${id}/messages`)).json().items as {
        role: string;
        status: string;
        parts: { type: string }[];
      }[];
      return items.filter((m) => m.role === 'assistant').at(-1);
    };
    // Allowed: the reply calls it.
    const called = await replyTo('use everything/echo with {"message":"for you"}');
    expect(called?.parts.some((part) => part.type !== 'text')).toBe(true);
    // Checked again when a reply runs: the group no longer allows echo, so it is not called.
    await root.request('PATCH', `/api/admin/groups/${echoOnly.id}`, { tools: ['everything/get-sum'] });
    const reply = await replyTo('use everything/echo with {"message":"not for you"}');
    expect(reply?.status).toBe('complete');
    expect(reply?.parts.every((part) => part.type === 'text')).toBe(true);
  });

  it('refuses to resume an approved call on a model the member’s groups no longer include', async () => {
    const sums = (
      await root.request('POST', '/api/admin/groups', {
        name: 'Sums',
        models: ['demo'],
        tools: ['everything/get-sum'],
      })
    ).json();
    const frank = new Client(t.app);
    await frank.signup('frank');
    await root.request('PUT', `/api/admin/groups/${sums.id}/members/${frank.userId}`);
    const id = (await frank.request('POST', '/api/conversations', { tools: ['everything/get-sum'] })).json()
      .id;
    const sent = await frank.request('POST', `/api/conversations/${id}/messages`, {
      content: 'use everything/get-sum with {"a":2,"b":3}',
    });
    expect(sent.statusCode).toBe(202);
    await t.app.parley.runs.get(sent.json().runId)?.done;
    const reply = async () =>
      ((await frank.request('GET', `/api/conversations/${id}/messages`)).json().items as Reply[]).at(
        -1,
      ) as Reply & {
        status: string;
        parts: { toolCallId?: string; state?: string }[];
      };
    const waiting = await reply();
    expect(waiting.status).toBe('waiting');
    const toolCallId = waiting.parts.find((part) => part.state === 'approval-requested')?.toolCallId;

    // The group loses the conversation's model while the call waits: approving it is refused.
    await root.request('PATCH', `/api/admin/groups/${sums.id}`, { models: ['other'] });
    const refused = await frank.request('POST', `/api/conversations/${id}/approvals`, {
      toolCallId,
      approved: true,
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('model_not_allowed');
    expect((await reply()).status).toBe('waiting');

    // Given back: the same answer resumes the reply.
    await root.request('PATCH', `/api/admin/groups/${sums.id}`, { models: null });
    const answered = await frank.request('POST', `/api/conversations/${id}/approvals`, {
      toolCallId,
      approved: true,
    });
    expect(answered.statusCode).toBe(200);
    await t.app.parley.runs.get(answered.json().runId)?.done;
    expect((await reply()).status).toBe('complete');
  });
});
