import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoReply } from '../src/server/ai/demo-model.js';
import { createPostgresDatabase, type TestDatabase } from './helpers/databases.js';
import { postgresTestUrl, redisTestUrl, uniquePrefix } from './helpers/redis.js';
import { parseSse, textOf } from './helpers/sse.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// Two Parley apps in one process on one PostgreSQL database and one Redis, as two instances behind
// a load balancer: whichever instance a request lands on must give the same answer.

const redisUrl = redisTestUrl();
const pgUrl = postgresTestUrl();

let database: TestDatabase;
let apps: TestApp[] = [];
beforeAll(async () => {
  if (pgUrl) database = await createPostgresDatabase(pgUrl);
});
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
});
afterAll(async () => database?.drop());

async function pairOfInstances(env: Record<string, string> = {}): Promise<[TestApp, TestApp]> {
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl as string,
    REDIS_KEY_PREFIX: uniquePrefix(),
    ...env,
  };
  // One after the other: both run the migrations on the shared database.
  const a = await createTestApp({ env: shared });
  apps.push(a);
  const b = await createTestApp({ env: shared });
  apps.push(b);
  return [a, b];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function conversationOn(t: TestApp): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

function send(t: TestApp, conversationId: string, content: string) {
  return t.app.inject({
    method: 'POST',
    url: `/api/conversations/${conversationId}/messages`,
    payload: { content },
  });
}

function stream(t: TestApp, conversationId: string, lastEventId?: number) {
  return t.app.inject({
    method: 'GET',
    url: `/api/conversations/${conversationId}/stream`,
    headers: lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) },
  });
}

async function activeRunOn(t: TestApp, conversationId: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/conversations/${conversationId}` });
  expect(res.statusCode).toBe(200);
  return res.json().activeRun as { id: string; messageId: string } | null;
}

describe.skipIf(!redisUrl || !pgUrl)('two instances on PostgreSQL + Redis', () => {
  it('a run started on A is active on B, and a reload on B resumes it exactly', async () => {
    const [a, b] = await pairOfInstances({ DEMO_DELAY_MS: '15' });
    const conversationId = await conversationOn(a);
    const accepted = await send(a, conversationId, 'follow me to the other instance');
    expect(accepted.statusCode).toBe(202);
    const { runId, assistantMessage } = accepted.json() as {
      runId: string;
      assistantMessage: { id: string };
    };
    // Some of the reply is out before the reload.
    await waitFor(async () => ((a.app.parley.runs.get(runId)?.seq ?? 0) >= 8 ? true : undefined), '8 events');

    // B was not there when the run started, yet reports it: in the conversation and in the list.
    expect(await activeRunOn(b, conversationId)).toEqual({ id: runId, messageId: assistantMessage.id });
    const listed = (await b.app.inject({ method: 'GET', url: '/api/conversations' })).json().items;
    expect(listed.find((c: { id: string }) => c.id === conversationId)?.activeRun).toEqual({
      id: runId,
      messageId: assistantMessage.id,
    });

    // A reload on B: with Last-Event-ID it continues after that event; without, from the start.
    const [resumed, reloaded] = await Promise.all([stream(b, conversationId, 5), stream(b, conversationId)]);
    expect(resumed.statusCode).toBe(200);
    expect(reloaded.statusCode).toBe(200);
    expect(resumed.headers['x-parley-conversation-id']).toBe(conversationId);

    // What A itself would replay from the start, once the run is over.
    const reference = parseSse((await stream(a, conversationId, 0)).body);
    expect(reference.at(-1)?.data).toBe('[DONE]');
    expect(textOf(reference)).toBe(demoReply('follow me to the other instance'));
    const rest = parseSse(resumed.body);
    expect(rest.map((event) => event.id)).toEqual(reference.slice(5).map((event) => event.id));
    expect(rest).toEqual(reference.slice(5));
    expect(parseSse(reloaded.body)).toEqual(reference);

    // Once it is over, neither instance reports it.
    expect(await activeRunOn(b, conversationId)).toBeNull();
    expect(await activeRunOn(a, conversationId)).toBeNull();
  });

  it('with MAX_CONCURRENT_RUNS=2, four parallel sends split across A and B admit exactly two', async () => {
    const [a, b] = await pairOfInstances({ MAX_CONCURRENT_RUNS: '2', DEMO_DELAY_MS: '30' });
    const conversationId = await conversationOn(a);
    const results = await Promise.all(
      [a, b, a, b].map((instance, i) => send(instance, conversationId, `parallel ${i}`)),
    );
    const codes = results.map((res) => res.statusCode).sort();
    expect(codes).toEqual([202, 202, 429, 429]);
    for (const res of results.filter((r) => r.statusCode === 429)) {
      expect(res.json().code).toBe('too_many_runs');
    }
    // A third reply, on either instance, waits for one of the two to end.
    expect((await send(b, conversationId, 'one too many')).statusCode).toBe(429);
    expect((await send(a, conversationId, 'one too many')).statusCode).toBe(429);
    // Stopping (on B, whichever instance runs them) gives both slots back, across instances.
    await b.app.inject({ method: 'POST', url: `/api/conversations/${conversationId}/stop` });
    const again = await Promise.all([send(a, conversationId, 'after stop'), send(b, conversationId, 'and')]);
    expect(again.map((res) => res.statusCode)).toEqual([202, 202]);
  });
});

describe('active runs in the conversation list', () => {
  it('a page costs the same queries for 2 conversations as for 12, and shows each active run', async () => {
    const t = await createTestApp({ env: { DEMO_DELAY_MS: '20' } });
    apps.push(t);
    const queriesForList = async () => {
      let count = 0;
      const stop = t.store.onQuery(() => {
        count += 1;
      });
      const res = await t.app.inject({ method: 'GET', url: '/api/conversations?limit=50' });
      stop();
      expect(res.statusCode).toBe(200);
      return { count, items: res.json().items as { id: string; activeRun: { id: string } | null }[] };
    };
    for (let i = 0; i < 2; i++) await conversationOn(t);
    const few = await queriesForList();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await conversationOn(t));
    const running = await send(t, ids[3] as string, 'still writing');
    const many = await queriesForList();
    expect(many.items).toHaveLength(12);
    expect(many.count).toBe(few.count);
    expect(many.items.filter((c) => c.activeRun !== null).map((c) => c.id)).toEqual([ids[3]]);
    expect(many.items.find((c) => c.id === ids[3])?.activeRun?.id).toBe(running.json().runId);
  });
});
