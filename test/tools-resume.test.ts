import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseMcpFile } from '../src/server/tools/mcp-file.js';
import type { MessageDto } from '../src/shared/api-schemas.js';
import { createPostgresDatabase, type TestDatabase } from './helpers/databases.js';
import { EVERYTHING_SERVER } from './helpers/mcp-servers.js';
import { pollUntil } from './helpers/poll.js';
import { postgresTestUrl, redisTestUrl, uniquePrefix } from './helpers/redis.js';
import { readSse, type SseEvent } from './helpers/sse.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// Resuming a run's stream in the middle of a tool step and while it waits for an approval
// (issue 16 "Must show"): on one instance, and across two instances on PostgreSQL + Redis, where
// the client reconnects to the other instance and the approval is answered there.

const redisUrl = redisTestUrl();
const pgUrl = postgresTestUrl();

const servers = () =>
  parseMcpFile(
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

interface Instance {
  app: TestApp;
  base: string;
}

async function start(env: Record<string, string> = {}): Promise<Instance> {
  const app = await createTestApp({ mcpServers: servers(), env });
  const base = await app.app.listen({ port: 0, host: '127.0.0.1' });
  for (let i = 0; i < 200; i++) {
    const body = (await (await fetch(`${base}/api/tools`)).json()) as { servers: { state: string }[] };
    if (body.servers.every((server) => server.state === 'ready')) return { app, base };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('MCP server did not become ready');
}

async function conversation(on: Instance, tools: string[]): Promise<string> {
  const response = await fetch(`${on.base}/api/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tools }),
  });
  return ((await response.json()) as { id: string }).id;
}

function sendStreaming(on: Instance, id: string, content: string): Promise<Response> {
  return fetch(`${on.base}/api/conversations/${id}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ content }),
  });
}

function follow(on: Instance, id: string, query: string, lastEventId?: number): Promise<Response> {
  return fetch(`${on.base}/api/conversations/${id}/stream${query}`, {
    headers: {
      accept: 'text/event-stream',
      ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
    },
  });
}

async function reply(on: Instance, id: string): Promise<MessageDto> {
  const response = await fetch(`${on.base}/api/conversations/${id}/messages`);
  const items = ((await response.json()) as { items: MessageDto[] }).items;
  return items.filter((m) => m.role === 'assistant').at(-1) as MessageDto;
}

const typeOf = (event: SseEvent) => (event.data === '[DONE]' ? '[DONE]' : JSON.parse(event.data).type);
const ids = (events: SseEvent[]) => events.map((event) => event.id);

/** Reconnect mid tool step (`on` → `other`): the rest arrives exactly once, in order. */
async function midToolStep(on: Instance, other: Instance): Promise<void> {
  const id = await conversation(on, ['everything/trigger-long-running-operation']);
  const first = await readSse(
    await sendStreaming(on, id, 'use trigger-long-running-operation with {"duration":1,"steps":2}'),
    7,
  );
  expect(first.map(typeOf)).toEqual([
    'start',
    'data-run',
    'start-step',
    'tool-input-start',
    'tool-input-delta',
    'tool-input-delta',
    'tool-input-available',
  ]);
  const runId = JSON.parse(first[1]?.data as string).data.runId as string;
  // The tool is still running (for a second): the stored reply says so once the write before the
  // call lands, which may be just after the client read the event.
  const stored = await pollUntil(
    async () => (await reply(other, id)).parts[0],
    (part) => part !== undefined,
  );
  expect(stored).toMatchObject({ state: 'input-available' });
  const rest = await readSse(await follow(other, id, `?runId=${runId}`, first.at(-1)?.id ?? 0));
  expect(rest[0]?.id).toBe((first.at(-1)?.id ?? 0) + 1);
  expect(rest.map(typeOf)).toContain('tool-output-available');
  expect(rest.at(-1)?.data).toBe('[DONE]');
  const whole = await readSse(await follow(on, id, `?runId=${runId}&after=0`));
  expect(ids([...first, ...rest])).toEqual(ids(whole));
  expect((await reply(other, id)).content).toMatch(
    /^The tool everything\/trigger-long-running-operation returned: Long running operation completed/,
  );
}

/** Wait for approval on `on`, reconnect and approve on `other`, follow the resumed run on `on`. */
async function approvalWait(on: Instance, other: Instance): Promise<void> {
  const id = await conversation(on, ['everything/get-sum']);
  const head = await readSse(await sendStreaming(on, id, 'use get-sum with {"a":40,"b":2}'), 3);
  const runId = JSON.parse(head[1]?.data as string).data.runId as string;
  // Reconnected on the other instance while waiting: the log up to the approval request, then its end.
  const rest = await readSse(await follow(other, id, `?runId=${runId}`, head.at(-1)?.id ?? 0));
  const types = rest.map(typeOf);
  expect(types).toContain('tool-approval-request');
  expect(types.slice(-2)).toEqual(['finish', '[DONE]']);
  expect(JSON.parse(rest.at(-2)?.data as string).messageMetadata.status).toBe('waiting');
  const toolCallId = JSON.parse(rest.find((e) => typeOf(e) === 'tool-approval-request')?.data as string)
    .toolCallId as string;
  expect((await reply(on, id)).status).toBe('waiting');

  const answer = await fetch(`${other.base}/api/conversations/${id}/approvals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ toolCallId, approved: true }),
  });
  expect(answer.status).toBe(200);
  const { runId: resumedRun } = (await answer.json()) as { runId: string };
  const resumed = await readSse(await follow(on, id, `?runId=${resumedRun}&after=0`));
  expect(resumed.map(typeOf).slice(0, 3)).toEqual(['start', 'data-run', 'tool-output-available']);
  expect(resumed.at(-1)?.data).toBe('[DONE]');
  const done = await reply(other, id);
  expect(done.status).toBe('complete');
  expect(done.content).toMatch(/returned: .*42/);
}

describe('resuming tool runs on one instance', () => {
  let one: Instance;
  beforeAll(async () => {
    one = await start();
  }, 60_000);
  afterAll(async () => {
    await one?.app.close();
  });

  it(
    'reconnects in the middle of a tool step and gets exactly the rest',
    () => midToolStep(one, one),
    30_000,
  );
  it(
    'reconnects while waiting for approval, then follows the resumed run',
    () => approvalWait(one, one),
    30_000,
  );
});

describe.skipIf(!redisUrl || !pgUrl)('resuming tool runs across two instances (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    database = await createPostgresDatabase(pgUrl as string);
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl as string,
      REDIS_KEY_PREFIX: uniquePrefix(),
    };
    a = await start(env);
    b = await start(env);
  }, 60_000);
  afterEach(() => {});
  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    await database?.drop();
  });

  it('reconnects to the other instance in the middle of a tool step', () => midToolStep(a, b), 30_000);
  it('is answered on the other instance while waiting for approval', () => approvalWait(a, b), 30_000);
});
