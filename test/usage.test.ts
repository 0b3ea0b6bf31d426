import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countDemoTokens } from '../src/server/ai/demo-model.js';
import type { ModelRegistry } from '../src/server/ai/model-registry.js';
import { createModelRegistry } from '../src/server/ai/models.js';
import { builtinPrice, costMicros } from '../src/server/ai/prices.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { ensureBuiltinUsers, GUEST_USER_ID, LOCAL_USER_ID } from '../src/server/auth/builtin-users.js';
import { newId } from '../src/server/ids.js';
import { openStore, type Store } from '../src/server/store/database.js';
import type { NewUsageEvent } from '../src/server/store/schema.js';
import { csvCell } from '../src/server/usage/usage-service.js';
import { Client } from './helpers/clients.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';
import type { FakeServer } from './helpers/fake-providers/fake-server.js';
import { startFakeOpenAICompatible } from './helpers/fake-providers/openai-compatible.js';
import { testConfig } from './helpers/test-app.js';

/**
 * Usage and cost (issue 17): every run and /v1 completion writes a usage event priced at write
 * time; GET /api/usage (own, with quota) and GET /api/admin/usage (everyone's; JSON or CSV) sum them.
 * The figures are checked against known runs: demo turns (whose token counts are deterministic and
 * stored on each reply) and a MODELS_FILE model with a price behind a fake OpenAI-compatible server.
 */

const today = () => new Date().toISOString().slice(0, 10);

// ---- The repository, on every dialect --------------------------------------------------------------

for (const target of storeTargets()) {
  describe(`usage events on ${target.name}`, () => {
    let database: TestDatabase;
    let store: Store;

    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    function event(over: Partial<NewUsageEvent>): NewUsageEvent {
      return {
        id: newId(),
        user_id: LOCAL_USER_ID,
        api_token_id: null,
        model: 'demo',
        provider: 'parley',
        source: 'chat',
        input_tokens: 10,
        output_tokens: 5,
        cost_micros: 0,
        day: '2026-03-01',
        created_at: '2026-03-01T10:00:00.000Z',
        ...over,
      };
    }

    it('sums tokens, requests and cost per day, model and user, within the range only', async () => {
      database = await target.create();
      store = await openStore(database.url);
      await ensureBuiltinUsers(store.repos, new Date().toISOString());
      const repo = store.repos.usageEvents;
      await repo.insertUsageEvent(event({}));
      await repo.insertUsageEvent(event({ input_tokens: 20, output_tokens: 7 }));
      await repo.insertUsageEvent(
        event({
          model: 'x/priced',
          provider: 'x',
          input_tokens: 1000,
          output_tokens: 100,
          cost_micros: 2800,
        }),
      );
      await repo.insertUsageEvent(
        event({ model: 'x/unpriced', provider: 'x', input_tokens: 3, output_tokens: 4, cost_micros: null }),
      );
      await repo.insertUsageEvent(event({ day: '2026-03-02', user_id: GUEST_USER_ID, input_tokens: 1 }));
      // Outside the range on both sides.
      await repo.insertUsageEvent(event({ day: '2026-02-28', input_tokens: 999 }));
      await repo.insertUsageEvent(event({ day: '2026-03-03', input_tokens: 999 }));
      const range = { from: '2026-03-01', to: '2026-03-02', limit: 100 };

      expect(await repo.usageTotals(range)).toEqual({
        inputTokens: 1034,
        outputTokens: 121,
        requests: 5,
        costMicros: 2800,
      });
      expect(await repo.usageByGroup(range, ['day'])).toEqual([
        { day: '2026-03-01', inputTokens: 1033, outputTokens: 116, requests: 4, costMicros: 2800 },
        { day: '2026-03-02', inputTokens: 1, outputTokens: 5, requests: 1, costMicros: 0 },
      ]);
      // The most tokens first; a model without a price has no cost (null), not 0.
      expect(await repo.usageByGroup(range, ['model'])).toEqual([
        { model: 'x/priced', inputTokens: 1000, outputTokens: 100, requests: 1, costMicros: 2800 },
        { model: 'demo', inputTokens: 31, outputTokens: 17, requests: 3, costMicros: 0 },
        { model: 'x/unpriced', inputTokens: 3, outputTokens: 4, requests: 1, costMicros: null },
      ]);
      expect(await repo.usageByGroup(range, ['day', 'model'])).toEqual([
        {
          day: '2026-03-01',
          model: 'x/priced',
          inputTokens: 1000,
          outputTokens: 100,
          requests: 1,
          costMicros: 2800,
        },
        { day: '2026-03-01', model: 'demo', inputTokens: 30, outputTokens: 12, requests: 2, costMicros: 0 },
        {
          day: '2026-03-01',
          model: 'x/unpriced',
          inputTokens: 3,
          outputTokens: 4,
          requests: 1,
          costMicros: null,
        },
        { day: '2026-03-02', model: 'demo', inputTokens: 1, outputTokens: 5, requests: 1, costMicros: 0 },
      ]);
      const byUser = await repo.usageByGroup(range, ['user']);
      expect(byUser.map((row) => [row.userId, row.inputTokens, row.requests])).toEqual([
        [LOCAL_USER_ID, 1033, 4],
        [GUEST_USER_ID, 1, 1],
      ]);
      expect(byUser[0]?.username).toEqual(expect.any(String));
      // One user's own, and the row limit.
      expect(await repo.usageTotals({ ...range, userId: GUEST_USER_ID })).toMatchObject({ inputTokens: 1 });
      expect(await repo.usageByGroup({ ...range, limit: 1 }, ['user'])).toHaveLength(1);
      // An empty range.
      expect(await repo.usageTotals({ from: '2025-01-01', to: '2025-01-31', limit: 10 })).toEqual({
        inputTokens: 0,
        outputTokens: 0,
        requests: 0,
        costMicros: null,
      });
    });
  });
}

// ---- Prices ------------------------------------------------------------------------------------------

describe('prices', () => {
  it('knows the built-in providers’ well-known models, their dated snapshots, free local models, and nothing else', () => {
    expect(builtinPrice('openai', 'openai/gpt-4o')).toEqual({ input: 2.5, output: 10 });
    expect(builtinPrice('openai', 'openai/gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(builtinPrice('openai', 'openai/gpt-4o-mini')).toEqual({ input: 0.15, output: 0.6 });
    expect(builtinPrice('openai', 'openai/gpt-4.1-nano')).toEqual({ input: 0.1, output: 0.4 });
    expect(builtinPrice('openai', 'openai/o3-mini')).toEqual({ input: 1.1, output: 4.4 });
    expect(builtinPrice('anthropic', 'anthropic/claude-sonnet-4-5-20250929')).toEqual({
      input: 3,
      output: 15,
    });
    expect(builtinPrice('anthropic', 'anthropic/claude-opus-4-1')).toEqual({ input: 15, output: 75 });
    expect(builtinPrice('google', 'google/gemini-2.5-flash-lite')).toEqual({ input: 0.1, output: 0.4 });
    expect(builtinPrice('google', 'google/gemini-2.5-flash')).toEqual({ input: 0.3, output: 2.5 });
    expect(builtinPrice('parley', 'demo')).toEqual({ input: 0, output: 0 });
    expect(builtinPrice('local', 'local/tiny')).toEqual({ input: 0, output: 0 });
    expect(builtinPrice('ollama', 'ollama/llama3.2')).toEqual({ input: 0, output: 0 });
    expect(builtinPrice('openai', 'openai/gpt-4oz')).toBeNull();
    expect(builtinPrice('groq', 'groq/llama-3.3-70b')).toBeNull();
    // USD per million tokens × tokens = millionths of a dollar.
    expect(costMicros({ input: 2.5, output: 10 }, 1_000_000, 0)).toBe(2_500_000);
    expect(costMicros({ input: 0.15, output: 0.6 }, 1234, 567)).toBe(Math.round(1234 * 0.15 + 567 * 0.6));
    expect(costMicros(null, 10, 10)).toBeNull();
  });

  it('keeps CSV cells from being formulas and quotes separators', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-mallory')).toBe("'-mallory");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('plain')).toBe('plain');
  });
});

// ---- MODELS_FILE price -------------------------------------------------------------------------------

describe('MODELS_FILE price', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'parley-usage-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function registry(text: string, env: Record<string, string> = {}): Promise<ModelRegistry> {
    const file = path.join(tmp, `models-${newId()}.yaml`);
    await writeFile(file, text);
    const all = { MODELS_FILE: file, ...env };
    return createModelRegistry(testConfig(all), { logger: pino({ level: 'silent' }), env: all });
  }

  it('puts the file’s price on the model, the built-in list price on others, 0 on the demo', async () => {
    const models = await registry(
      [
        'endpoints:',
        '  - name: x',
        '    baseURL: http://127.0.0.1:9/v1',
        '    models:',
        '      - { id: priced, price: { input: 0.5, output: 1.5 } }',
        '      - id: unpriced',
        'models:',
        '  - { id: openai/gpt-4o, price: { input: 1, output: 2 } }',
      ].join('\n'),
      { OPENAI_API_KEY: 'sk-test', OPENAI_MODELS: 'gpt-4o,gpt-4o-mini' },
    );
    expect(models.get('x/priced')?.info.price).toEqual({ input: 0.5, output: 1.5 });
    expect(models.get('x/unpriced')?.info.price).toBeNull();
    expect(models.get('openai/gpt-4o')?.info.price).toEqual({ input: 1, output: 2 });
    expect(models.get('openai/gpt-4o-mini')?.info.price).toEqual({ input: 0.15, output: 0.6 });
    expect(models.get('demo')?.info.price).toEqual({ input: 0, output: 0 });
  });

  const endpointWith = (price: string) =>
    `endpoints:\n  - name: x\n    baseURL: http://127.0.0.1:9/v1\n    models:\n      - { id: m, price: ${price} }\n`;

  it.each([
    [
      'a negative price',
      endpointWith('{ input: -1, output: 2 }'),
      'endpoints[0].models[0].price.input must be at least 0',
    ],
    ['a missing output', endpointWith('{ input: 1 }'), 'endpoints[0].models[0].price.output is required'],
    [
      'a text price',
      endpointWith('{ input: cheap, output: 2 }'),
      'endpoints[0].models[0].price.input must be a number',
    ],
    [
      'an unknown field',
      endpointWith('{ input: 1, output: 2, cached: 1 }'),
      'endpoints[0].models[0].price.cached is not a known field',
    ],
    [
      'a models entry with neither setting',
      'models:\n  - id: x/m\n',
      'models[0] must set reasoning or price',
    ],
  ])('stops startup with one line naming the field: %s', async (_what, text, problem) => {
    const error = await registry(text).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(/^Invalid setting MODELS_FILE=".*": /);
    expect(error?.message.endsWith(`: ${problem}.`)).toBe(true);
  });
});

// ---- The routes, against known runs -----------------------------------------------------------------

interface Reply {
  id: string;
  role: string;
  model: string | null;
  content: string;
  usage: { inputTokens: number | null; outputTokens: number | null };
}

describe('usage routes', () => {
  const FAKE_USAGE = { inputTokens: 1200, outputTokens: 300 };
  // USD per million tokens.
  const PRICE = { input: 2, output: 8 };
  let tmp: string;
  let fake: FakeServer;
  let app: ParleyApp;
  let store: Store;
  const admin = () => new Client(app);
  let root: Client;
  let alice: Client;
  let bob: Client;
  /** Alice's replies, as stored (their token counts are the truth the reports must show). */
  const aliceReplies: Reply[] = [];
  let bobReplies: Reply[] = [];
  let apiUsage: { prompt_tokens: number; completion_tokens: number };

  async function turn(client: Client, conversationId: string, content: string): Promise<void> {
    const started = await client.request('POST', `/api/conversations/${conversationId}/messages`, {
      content,
    });
    expect(started.statusCode).toBe(202);
    await app.parley.runs.get(started.json().runId)?.done;
  }

  async function replies(client: Client, conversationId: string): Promise<Reply[]> {
    const page = await client.request('GET', `/api/conversations/${conversationId}/messages?limit=200`);
    return (page.json().items as Reply[]).filter((m) => m.role === 'assistant');
  }

  async function conversation(client: Client, model: string): Promise<string> {
    const res = await client.request('POST', '/api/conversations', { model });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'parley-usage-'));
    fake = await startFakeOpenAICompatible();
    fake.script({ chunks: ['Priced', ' answer'], usage: FAKE_USAGE });
    const file = path.join(tmp, 'models.yaml');
    await writeFile(
      file,
      [
        'endpoints:',
        '  - name: fake',
        `    baseURL: ${fake.baseURL}`,
        '    models:',
        `      - { id: priced, price: { input: ${PRICE.input}, output: ${PRICE.output} } }`,
      ].join('\n'),
    );
    const env = {
      AUTH_MODE: 'local',
      SIGNUP: 'open',
      MODELS_FILE: file,
      DEFAULT_MODEL: 'demo',
      TOKEN_QUOTA_DAILY: '100000',
      TOKEN_QUOTA_MONTHLY: '0',
    };
    const config = testConfig(env);
    const logger = pino({ level: 'silent' });
    const models = await createModelRegistry(config, { logger, env });
    store = await openStore(config.databaseUrl);
    app = await buildApp({ config, store, models, logger });
    root = admin();
    await root.signup('boss');
    alice = new Client(app);
    await alice.signup('alice');
    bob = new Client(app);
    await bob.signup('-bob');

    // Alice: three demo turns and two turns of the priced model.
    const demoChat = await conversation(alice, 'demo');
    for (const words of ['hello there', 'tell me about tokens please', 'one more']) {
      await turn(alice, demoChat, words);
    }
    aliceReplies.push(...(await replies(alice, demoChat)));
    const pricedChat = await conversation(alice, 'fake/priced');
    await turn(alice, pricedChat, 'first priced question');
    await turn(alice, pricedChat, 'second priced question');
    aliceReplies.push(...(await replies(alice, pricedChat)));
    // Bob: one demo turn.
    const bobChat = await conversation(bob, 'demo');
    await turn(bob, bobChat, 'bob asks something private');
    bobReplies = await replies(bob, bobChat);
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await fake?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const sum = (rows: Reply[], key: 'inputTokens' | 'outputTokens') =>
    rows.reduce((total, row) => total + (row.usage[key] ?? 0), 0);
  const demoOf = (rows: Reply[]) => rows.filter((r) => r.model === 'demo');
  const pricedOf = (rows: Reply[]) => rows.filter((r) => r.model === 'fake/priced');
  const pricedCost = (n: number) =>
    (n * (FAKE_USAGE.inputTokens * PRICE.input + FAKE_USAGE.outputTokens * PRICE.output)) / 1e6;

  it('the known runs are what the test thinks they are', () => {
    expect(demoOf(aliceReplies)).toHaveLength(3);
    expect(pricedOf(aliceReplies)).toHaveLength(2);
    for (const reply of demoOf(aliceReplies)) {
      // The demo's output tokens are its reply's words (countDemoTokens), and they were reported.
      expect(reply.usage.outputTokens).toBe(countDemoTokens(reply.content));
      expect(reply.usage.inputTokens).toBeGreaterThan(0);
    }
    for (const reply of pricedOf(aliceReplies)) expect(reply.usage).toEqual(FAKE_USAGE);
  });

  it('GET /api/usage: your own tokens per model and per day, the price table’s cost, your quota', async () => {
    const byModel = await alice.request('GET', '/api/usage?groupBy=model');
    expect(byModel.statusCode).toBe(200);
    const body = byModel.json();
    const demoIn = sum(demoOf(aliceReplies), 'inputTokens');
    const demoOut = sum(demoOf(aliceReplies), 'outputTokens');
    expect(body.groupBy).toEqual(['model']);
    expect(body.rows).toEqual([
      {
        model: 'fake/priced',
        inputTokens: 2 * FAKE_USAGE.inputTokens,
        outputTokens: 2 * FAKE_USAGE.outputTokens,
        requests: 2,
        costUsd: pricedCost(2),
      },
      { model: 'demo', inputTokens: demoIn, outputTokens: demoOut, requests: 3, costUsd: 0 },
    ]);
    const total = demoIn + demoOut + 2 * (FAKE_USAGE.inputTokens + FAKE_USAGE.outputTokens);
    expect(body.totals).toEqual({
      inputTokens: demoIn + 2 * FAKE_USAGE.inputTokens,
      outputTokens: demoOut + 2 * FAKE_USAGE.outputTokens,
      requests: 5,
      costUsd: pricedCost(2),
    });
    // The default: the last 30 days, per day.
    const byDay = (await alice.request('GET', '/api/usage')).json();
    expect(byDay.groupBy).toEqual(['day']);
    expect(byDay.to).toBe(today());
    expect(Date.parse(byDay.to) - Date.parse(byDay.from)).toBe(29 * 86_400_000);
    expect(byDay.rows).toEqual([{ day: today(), ...body.totals }]);
    // Quota: the server's daily default, and what the quota counters hold (the same tokens).
    expect(byDay.quota).toEqual({
      daily: { limit: 100000, used: total, source: 'server', groupName: null },
      monthly: { limit: null, used: total, source: null, groupName: null },
    });
    // An admin's limit for the user wins over the server's.
    const patched = await root.request('PATCH', `/api/admin/users/${alice.userId}`, {
      tokenQuotaMonthly: 5_000_000,
    });
    expect(patched.statusCode).toBe(200);
    expect((await alice.request('GET', '/api/usage')).json().quota.monthly).toEqual({
      limit: 5_000_000,
      used: total,
      source: 'user',
      groupName: null,
    });
    const both = (
      await alice.request('GET', `/api/usage?groupBy=day,model&from=${today()}&to=${today()}`)
    ).json();
    expect(both.rows.map((r: { day: string; model: string }) => [r.day, r.model])).toEqual([
      [today(), 'fake/priced'],
      [today(), 'demo'],
    ]);
  });

  it('a user sees only their own usage', async () => {
    const body = (await bob.request('GET', '/api/usage?groupBy=model')).json();
    expect(body.rows).toEqual([
      {
        model: 'demo',
        inputTokens: sum(bobReplies, 'inputTokens'),
        outputTokens: sum(bobReplies, 'outputTokens'),
        requests: 1,
        costUsd: 0,
      },
    ]);
    expect(JSON.stringify(body)).not.toContain('fake/priced');
    // Own usage cannot be widened to other users.
    const byUser = await bob.request('GET', '/api/usage?groupBy=user');
    expect(byUser.statusCode).toBe(400);
    expect(byUser.json().code).toBe('validation_error');
  });

  it('GET /api/admin/usage: everyone’s, per user and model, as JSON and as CSV', async () => {
    const res = await root.request(
      'GET',
      `/api/admin/usage?groupBy=user,model&from=${today()}&to=${today()}`,
    );
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.groupBy).toEqual(['user', 'model']);
    const rows = body.rows.map(
      (r: {
        username: string;
        model: string;
        inputTokens: number;
        outputTokens: number;
        requests: number;
        costUsd: number | null;
      }) => [r.username, r.model, r.inputTokens, r.outputTokens, r.requests, r.costUsd],
    );
    expect(rows).toEqual([
      ['alice', 'fake/priced', 2 * FAKE_USAGE.inputTokens, 2 * FAKE_USAGE.outputTokens, 2, pricedCost(2)],
      [
        'alice',
        'demo',
        sum(demoOf(aliceReplies), 'inputTokens'),
        sum(demoOf(aliceReplies), 'outputTokens'),
        3,
        0,
      ],
      ['-bob', 'demo', sum(bobReplies, 'inputTokens'), sum(bobReplies, 'outputTokens'), 1, 0],
    ]);
    expect(body.rows[0].userId).toBe(alice.userId);
    expect(body).not.toHaveProperty('quota');

    const csv = await root.request(
      'GET',
      `/api/admin/usage?groupBy=user,model&format=csv&from=${today()}&to=${today()}`,
    );
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain(
      `attachment; filename="parley-usage-${today()}-${today()}.csv"`,
    );
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines).toEqual([
      'model,user,input_tokens,output_tokens,requests,cost_usd',
      `fake/priced,alice,${2 * FAKE_USAGE.inputTokens},${2 * FAKE_USAGE.outputTokens},2,${pricedCost(2)}`,
      `demo,alice,${sum(demoOf(aliceReplies), 'inputTokens')},${sum(demoOf(aliceReplies), 'outputTokens')},3,0`,
      // A name that a spreadsheet would read as a formula is quoted.
      `demo,'-bob,${sum(bobReplies, 'inputTokens')},${sum(bobReplies, 'outputTokens')},1,0`,
    ]);

    const perDay = await root.request('GET', '/api/admin/usage?format=csv');
    const all = [...aliceReplies, ...bobReplies];
    expect(perDay.body.trimEnd().split('\r\n')).toEqual([
      'day,input_tokens,output_tokens,requests,cost_usd',
      `${today()},${sum(all, 'inputTokens')},${sum(all, 'outputTokens')},6,${pricedCost(2)}`,
    ]);
  });

  it('counts /v1 completions, with the API token that made them', async () => {
    const before = (await alice.request('GET', '/api/usage?groupBy=model')).json();
    const created = await alice.request('POST', '/api/tokens', { name: 'script' });
    const script = new Client(app);
    script.bearer = created.json().token;
    const res = await script.request('POST', '/v1/chat/completions', {
      model: 'demo',
      messages: [{ role: 'user', content: 'count me in please' }],
    });
    expect(res.statusCode).toBe(200);
    apiUsage = res.json().usage;
    const after = (await alice.request('GET', '/api/usage?groupBy=model')).json();
    const demoBefore = before.rows.find((r: { model: string }) => r.model === 'demo');
    const demoAfter = after.rows.find((r: { model: string }) => r.model === 'demo');
    expect(demoAfter).toEqual({
      ...demoBefore,
      inputTokens: demoBefore.inputTokens + apiUsage.prompt_tokens,
      outputTokens: demoBefore.outputTokens + apiUsage.completion_tokens,
      requests: demoBefore.requests + 1,
    });
    const events = await store.db
      .selectFrom('usage_events')
      .select(['source', 'api_token_id'])
      .where('user_id', '=', alice.userId as string)
      .where('source', '=', 'api')
      .execute();
    expect(events).toEqual([{ source: 'api', api_token_id: created.json().id }]);
    // Bob's figures did not move.
    expect((await bob.request('GET', '/api/usage')).json().totals.requests).toBe(1);
  });

  it('the admin report is for admins only', async () => {
    expect((await alice.request('GET', '/api/admin/usage')).statusCode).toBe(403);
    expect((await alice.request('GET', '/api/admin/usage?format=csv')).statusCode).toBe(403);
    expect((await new Client(app).request('GET', '/api/admin/usage')).statusCode).toBe(401);
    expect((await new Client(app).request('GET', '/api/usage')).statusCode).toBe(401);
  });

  it.each([
    ['/api/usage?from=2026-03-10&to=2026-03-01', 'is after'],
    ['/api/usage?from=2024-01-01&to=2025-01-02', 'more than 366 days'],
    ['/api/usage?from=2026-02-30', 'not a real day'],
    ['/api/usage?from=yesterday', ''],
    ['/api/usage?groupBy=week', 'not one of'],
    ['/api/usage?groupBy=day,day', 'twice'],
    ['/api/admin/usage?groupBy=day,model,user', 'one or two'],
    ['/api/admin/usage?groupBy=group,user,day', 'one or two'],
    ['/api/admin/usage?format=xml', ''],
  ])('refuses bad input with 400 validation_error: %s', async (url, words) => {
    const res = await root.request('GET', url);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_error');
    expect(res.json().error).toContain(words);
  });

  it('takes a range of exactly 366 days', async () => {
    const res = await root.request('GET', '/api/admin/usage?from=2024-01-01&to=2024-12-31');
    expect(res.statusCode).toBe(200);
    expect(res.json().rows).toEqual([]);
  });
});
