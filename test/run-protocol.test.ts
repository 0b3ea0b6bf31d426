import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { readUIMessageStream, simulateReadableStream, type UIMessage, uiMessageChunkSchema } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DONE,
  encodeRunEvent,
  type RunEndStatus,
  type RunInfo,
  type RunMetadata,
  type RunStreamPart,
  type RunUsage,
  runEnd,
} from '../src/shared/run-events.js';
import { followRun } from '../src/web/sse.js';
import { createPostgresDatabase, type TestDatabase } from './helpers/databases.js';
import { postgresTestUrl, redisTestUrl, uniquePrefix } from './helpers/redis.js';
import { type ServerProcess, startServer, stopAllServers } from './helpers/server-process.js';
import { readSse, type SseEvent } from './helpers/sse.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

/**
 * The run stream's protocol, read off real runs: every event of every kind of ending (complete,
 * stopped, error, interrupted by shutdown, interrupted by another instance's reaper) is an AI SDK
 * UI message chunk (`uiMessageChunkSchema` accepts it) or Parley's `data-run` part, and the stream
 * ends with exactly the sequence `runEnd` builds, whoever wrote it. The web app's SSE client reads
 * the same stream into the same parts.
 */

let t: TestApp | undefined;
let base: string;

async function start(options: TestAppOptions = {}) {
  t = await createTestApp(options);
  // Fastify answers with the address it listens on, e.g. http://127.0.0.1:41234.
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
}

afterEach(async () => {
  await t?.close();
  t = undefined;
  await stopAllServers();
});

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function newConversation(at = base): Promise<string> {
  const res = await fetch(`${at}/api/conversations`, json({}));
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

function send(conversationId: string, body: { content: string; model?: string }, at = base) {
  return fetch(`${at}/api/conversations/${conversationId}/messages`, {
    ...json(body),
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
  });
}

interface StoredReply {
  id: string;
  role: string;
  content: string;
  status: string;
  usage: RunUsage;
  finishReason: string | null;
  error: string | null;
}

async function replyOf(conversationId: string, messageId: string, at = base): Promise<StoredReply> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${at}/api/conversations/${conversationId}/messages?limit=200`);
    const items = ((await res.json()) as { items: StoredReply[] }).items;
    const reply = items.find((m) => m.id === messageId);
    if (reply && reply.status !== 'streaming') return reply;
    if (Date.now() > deadline) throw new Error(`message ${messageId} did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
}

const chunkSchema = uiMessageChunkSchema();

/** Every event but the last parses with the AI SDK's own schema; the last is `[DONE]`. */
async function expectUiMessageStream(events: SseEvent[]): Promise<RunStreamPart[]> {
  expect(events.length).toBeGreaterThan(3);
  expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
  expect(events.at(-1)?.data).toBe(DONE);
  const parts: RunStreamPart[] = [];
  for (const event of events.slice(0, -1)) {
    const value: unknown = JSON.parse(event.data);
    const result = await chunkSchema.validate?.(value);
    expect(result?.success, `not a UI message chunk: ${event.data}`).toBe(true);
    parts.push(value as RunStreamPart);
  }
  // The SDK's schema lets any `data-*` through: ours are exactly the shared type.
  for (const part of parts) {
    if (!part.type.startsWith('data-')) continue;
    expect(part.type).toBe('data-run');
    const data = (part as { data: RunInfo }).data;
    expect(Object.keys(data).sort()).toEqual(
      ['assistantMessageId', 'conversationId', 'kind', 'model', 'runId', 'userMessageId'].sort(),
    );
    expect(['reply', 'regenerate', 'continue']).toContain(data.kind);
  }
  const [first, second] = parts;
  expect(first).toEqual({ type: 'start', messageId: (second as { data: RunInfo }).data.assistantMessageId });
  expect(second?.type).toBe('data-run');
  return parts;
}

/** The stream's last events are the builder's ending, byte for byte. */
function expectEnding(events: SseEvent[], ending: ReturnType<typeof runEnd>) {
  expect(events.slice(-ending.length).map((event) => event.data)).toEqual(ending.map(encodeRunEvent));
  // ...and nothing like an ending comes before it.
  const earlier = events.slice(0, -ending.length).map((event) => event.data);
  expect(earlier.filter((data) => data === DONE || /"type":"(finish|abort|error)"/.test(data))).toEqual([]);
}

/** What `useChat` would build from the stream: the SDK's own reader of UI message chunks. */
async function asUiMessage(parts: RunStreamPart[]): Promise<UIMessage<RunMetadata>> {
  let last: UIMessage<RunMetadata> | undefined;
  for await (const message of readUIMessageStream<UIMessage<RunMetadata>>({
    stream: simulateReadableStream({ chunks: parts, initialDelayInMs: null, chunkDelayInMs: null }),
    terminateOnError: false,
  })) {
    last = message;
  }
  if (!last) throw new Error('the SDK read no message');
  return last;
}

const textOfMessage = (message: UIMessage) =>
  message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');

describe('the run stream protocol', () => {
  it('a complete run: every event is a UI message chunk, the ending is runEnd(complete), useChat reads the reply', async () => {
    await start();
    const conversationId = await newConversation();
    const res = await send(conversationId, { content: 'Tell me about protocols' });
    const events = await readSse(res);
    const parts = await expectUiMessageStream(events);
    const runInfo = (parts[1] as { data: RunInfo }).data;
    const reply = await replyOf(conversationId, runInfo.assistantMessageId);
    expect(reply.status).toBe('complete');
    expectEnding(
      events,
      runEnd('complete', reply.usage, { finishReason: reply.finishReason as 'stop' | null }),
    );

    const message = await asUiMessage(parts);
    expect(message.id).toBe(reply.id);
    expect(textOfMessage(message)).toBe(reply.content);
    expect(message.metadata).toEqual({ status: 'complete', usage: reply.usage });
  });

  it('a stopped run ends with runEnd(stopped): abort "stopped", finish, [DONE]', async () => {
    await start({ demo: { delayMs: 10 } });
    const conversationId = await newConversation();
    const res = await send(conversationId, { content: 'please stop soon' });
    const messageId = res.headers.get('x-parley-message-id') as string;
    const reading = readSse(res);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stop = await fetch(`${base}/api/conversations/${conversationId}/stop`, json({}));
    expect(await stop.json()).toMatchObject({ stopped: true });
    const events = await reading;
    await expectUiMessageStream(events);
    const reply = await replyOf(conversationId, messageId);
    expect(reply.status).toBe('stopped');
    const ending = runEnd('stopped', reply.usage);
    expect(ending[0]).toEqual({ type: 'abort', reason: 'stopped' });
    expectEnding(events, ending);
  });

  it('a failed run ends with runEnd(error): the error text, finish, [DONE]', async () => {
    const broken = new MockLanguageModelV3({
      doStream: async () => ({
        stream: simulateReadableStream<LanguageModelV3StreamPart>({
          chunks: [
            { type: 'text-start', id: '1' },
            { type: 'text-delta', id: '1', delta: 'Half an ' },
            { type: 'error', error: new Error('upstream connection reset') },
          ],
        }),
      }),
    });
    await start({ models: [{ id: 'broken', model: broken }] });
    const conversationId = await newConversation();
    const res = await send(conversationId, { content: 'hi', model: 'broken' });
    const messageId = res.headers.get('x-parley-message-id') as string;
    const events = await readSse(res);
    await expectUiMessageStream(events);
    const reply = await replyOf(conversationId, messageId);
    expect(reply.status).toBe('error');
    expect(reply.error).toContain('upstream connection reset');
    expectEnding(events, runEnd('error', reply.usage, { error: reply.error }));
  });

  it('a run cut off by shutdown ends with runEnd(interrupted by shutdown): abort "server shutdown"', async () => {
    await start({ demo: { delayMs: 30 } });
    const app = t as TestApp;
    const conversationId = await newConversation();
    const res = await send(conversationId, { content: 'a long answer, cut off by a restart' });
    const messageId = res.headers.get('x-parley-message-id') as string;
    const reading = readSse(res);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Closing the app drains runs (SHUTDOWN_GRACE_MS=100 in tests) before it ends the streams.
    const stored = app.store;
    const closing = app.app.close();
    const events = await reading;
    await closing;
    await expectUiMessageStream(events);
    const row = await stored.db
      .selectFrom('messages')
      .select(['status', 'input_tokens', 'output_tokens'])
      .where('id', '=', messageId)
      .executeTakeFirstOrThrow();
    await stored.close();
    t = undefined;
    expect(row.status).toBe('interrupted');
    const ending = runEnd(
      'interrupted',
      { inputTokens: row.input_tokens, outputTokens: row.output_tokens },
      { interruptedBy: 'shutdown' },
    );
    expect(ending[0]).toEqual({ type: 'abort', reason: 'server shutdown' });
    expectEnding(events, ending);
  });
});

const redisUrl = redisTestUrl();
const pgUrl = postgresTestUrl();

describe.skipIf(!redisUrl || !pgUrl)('a run whose instance died (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createPostgresDatabase(pgUrl as string);
  });
  afterAll(async () => database?.drop());

  it('the reaper on another instance ends its stream with runEnd(interrupted by a lost server)', async () => {
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl as string,
      REDIS_KEY_PREFIX: uniquePrefix(),
      DEMO_DELAY_MS: '50',
      SESSION_SECRET: 'shared-by-both-instances',
    };
    const [a, b]: [ServerProcess, ServerProcess] = await Promise.all([
      startServer({ env: shared }),
      startServer({ env: shared }),
    ]);
    const conversationId = await newConversation(a.baseUrl);
    const res = await send(conversationId, { content: 'A will die mid-reply' }, a.baseUrl);
    const messageId = res.headers.get('x-parley-message-id') as string;
    // Follow on B from the start; A's stream dies with A.
    const following = fetch(`${b.baseUrl}/api/conversations/${conversationId}/stream`, {
      headers: { 'last-event-id': '0' },
    }).then((stream) => readSse(stream));
    void readSse(res).catch(() => []);
    await new Promise((resolve) => setTimeout(resolve, 500));
    a.kill('SIGKILL');
    const events = await following;
    await expectUiMessageStream(events);
    const reply = await replyOf(conversationId, messageId, b.baseUrl);
    expect(reply.status).toBe('interrupted');
    const ending = runEnd(
      'interrupted',
      { inputTokens: null, outputTokens: null },
      { interruptedBy: 'lost' },
    );
    expect(ending[0]).toEqual({ type: 'abort', reason: 'server lost' });
    expectEnding(events, ending);
  });
});

describe("the web app's SSE client", () => {
  it('followRun reads a real run stream into the shared parts, exactly as sent, until [DONE]', async () => {
    await start({ demo: { delayMs: 2 } });
    const conversationId = await newConversation();
    const res = await send(conversationId, { content: 'follow me from the browser' });
    const runId = res.headers.get('x-parley-run-id');
    expect(runId).toBeTruthy();
    const wire = await readSse(res);

    // The browser's relative URLs, against this server.
    const fetchImpl: typeof fetch = (input, init) => fetch(new URL(String(input), base), init);
    const seen: { part: RunStreamPart; id: number }[] = [];
    const result = await followRun({
      conversationId,
      runId: runId as string,
      signal: new AbortController().signal,
      onPart: (part, id) => seen.push({ part, id }),
      fetchImpl,
    });
    expect(result).toBe('done');
    expect(seen.map(({ id }) => id)).toEqual(wire.slice(0, -1).map((event) => event.id));
    expect(seen.map(({ part }) => part)).toEqual(wire.slice(0, -1).map((event) => JSON.parse(event.data)));

    // Typed: the client's parts narrow on `type` like the server's.
    const finish = seen.map(({ part }) => part).find((part) => part.type === 'finish');
    const status: RunEndStatus | undefined =
      finish?.type === 'finish' ? finish.messageMetadata?.status : undefined;
    expect(status).toBe('complete');
    const text = seen.map(({ part }) => (part.type === 'text-delta' ? part.delta : '')).join('');
    const info = seen.find(({ part }) => part.type === 'data-run')?.part;
    const messageId = info?.type === 'data-run' ? info.data.assistantMessageId : '';
    expect(text).toBe((await replyOf(conversationId, messageId)).content);
  });
});
