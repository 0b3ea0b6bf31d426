import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { uiMessageChunkSchema } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/server/ai/circuit-breaker.js';
import { withResilience } from '../src/server/ai/resilience.js';
import { type FaultServer, startFaultServer } from './helpers/fault-server.js';
import { partsOf, readSse, textOf } from './helpers/sse.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// What a user waiting on a slow or failing model is told: each retry reaches the run stream as a
// transient `data-status` part (attempt, of, reason, retryInMs) before the reply's first token.

let fault: FaultServer | undefined;
let t: TestApp | undefined;
let base: string;

afterEach(async () => {
  await t?.close();
  await fault?.close();
  t = undefined;
  fault = undefined;
});

async function start(server: FaultServer, firstTokenTimeoutMs = 5_000) {
  const model = withResilience(
    createOpenAICompatible({ name: 'fault', baseURL: server.baseURL, apiKey: 'k' }).chatModel('m'),
    {
      provider: 'fault',
      breaker: new CircuitBreaker({ name: 'fault' }),
      firstTokenTimeoutMs,
      idleTimeoutMs: 2_000,
      maxRetries: 2,
      baseDelayMs: 10,
      maxDelayMs: 20,
    },
  );
  t = await createTestApp({
    models: [{ id: 'fault/m', model }],
    env: { AUTH_MODE: 'none', DEFAULT_MODEL: 'fault/m' },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
}

const json = { 'content-type': 'application/json' };

async function send(content: string) {
  const created = await fetch(`${base}/api/conversations`, { method: 'POST', headers: json, body: '{}' });
  const { id } = (await created.json()) as { id: string };
  const res = await fetch(`${base}/api/conversations/${id}/messages`, {
    method: 'POST',
    headers: { ...json, accept: 'text/event-stream' },
    body: JSON.stringify({ content }),
  });
  const events = await readSse(res);
  const list = await fetch(`${base}/api/conversations/${id}/messages?limit=10`);
  const { items } = (await list.json()) as { items: { role: string; parts: unknown[]; status: string }[] };
  return { events, reply: items.find((message) => message.role === 'assistant') };
}

const statusParts = (events: Awaited<ReturnType<typeof readSse>>) =>
  partsOf(events).filter((part) => part.type === 'data-status');

describe('data-status: retries while waiting for the first token', () => {
  it('a model that stalls once: attempt 2 of 3 after "no answer within 0.3s", then the reply', async () => {
    fault = await startFaultServer();
    fault.script({ hang: 'before-first-chunk' });
    await start(fault, 300);

    const { events, reply } = await send('hello');
    const status = statusParts(events);
    expect(status).toHaveLength(1);
    expect(status[0]).toEqual({
      type: 'data-status',
      data: { attempt: 2, of: 3, reason: 'no answer within 0.3s', retryInMs: expect.any(Number) },
      transient: true,
    });
    // A valid AI SDK chunk (useChat hands transient data parts to onData and keeps them out of the message).
    expect((await uiMessageChunkSchema().validate?.(status[0]))?.success).toBe(true);
    // Before the reply's first step, and the reply then streams as usual.
    const types = partsOf(events).map((part) => part.type);
    expect(types.indexOf('data-status')).toBeLessThan(types.indexOf('start-step'));
    expect(textOf(events)).toBe('Hi there!');
    // Transient: the stored reply has no trace of it.
    expect(reply).toMatchObject({ status: 'complete', parts: [{ type: 'text', text: 'Hi there!' }] });
  });

  it('two 503s: attempts 2 and 3 of 3, each naming the server error', async () => {
    fault = await startFaultServer();
    fault.script({ status: 503 }, { status: 503 });
    await start(fault);

    const { events } = await send('hello');
    expect(statusParts(events).map((part) => part.data)).toEqual([
      { attempt: 2, of: 3, reason: 'server error (HTTP 503)', retryInMs: expect.any(Number) },
      { attempt: 3, of: 3, reason: 'server error (HTTP 503)', retryInMs: expect.any(Number) },
    ]);
    expect(textOf(events)).toBe('Hi there!');
  });

  it('a 429 says rate limited; the last failure sends no status, only the error', async () => {
    fault = await startFaultServer();
    fault.setFallback({ status: 429 });
    await start(fault);

    const { events, reply } = await send('hello');
    const reasons = statusParts(events).map((part) => (part.data as { reason: string }).reason);
    expect(reasons).toEqual(['rate limited (HTTP 429)', 'rate limited (HTTP 429)']);
    expect(partsOf(events).some((part) => part.type === 'error')).toBe(true);
    expect(reply?.status).toBe('error');
  });

  it('a healthy model sends no status at all', async () => {
    fault = await startFaultServer();
    await start(fault);
    const { events } = await send('hello');
    expect(statusParts(events)).toEqual([]);
  });
});
