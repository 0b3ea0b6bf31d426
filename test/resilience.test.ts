import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import { APICallError } from 'ai';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../src/server/ai/circuit-breaker.js';
import { createDemoModel, demoReply } from '../src/server/ai/demo-model.js';
import { withFallbacks } from '../src/server/ai/fallback.js';
import {
  GATEWAY_OPTIONS_KEY,
  ModelTimeoutError,
  ModelUnavailableError,
  type ResilienceOptions,
  retryAfterMs,
  retryDelayMs,
  withResilience,
} from '../src/server/ai/resilience.js';
import { describeModelError, scrubSecrets } from '../src/server/chat/model-errors.js';
import { type FaultServer, type RecordedRequest, startFaultServer } from './helpers/fault-server.js';
import { partsOf, readSse, textOf } from './helpers/sse.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// Provider failures against a local server that speaks OpenAI's real chat-completions protocol,
// driven through full Parley runs over HTTP.

let fault: FaultServer | undefined;
let t: TestApp | undefined;
let base: string;

afterEach(async () => {
  await t?.close();
  await fault?.close();
  t = undefined;
  fault = undefined;
});

const SECRET_KEY = 'sk-test-0123456789abcdefXYZ';

function faultModel(server: FaultServer, apiKey = 'test-key'): LanguageModelV3 {
  return createOpenAICompatible({
    name: 'fault',
    baseURL: server.baseURL,
    apiKey,
    includeUsage: true,
  }).chatModel('m');
}

function resilient(
  server: FaultServer,
  options: Partial<ResilienceOptions> & { apiKey?: string } = {},
): LanguageModelV3 {
  const { apiKey, ...rest } = options;
  return withResilience(faultModel(server, apiKey), {
    provider: 'fault',
    breaker: new CircuitBreaker({ name: 'fault' }),
    firstTokenTimeoutMs: 5_000,
    idleTimeoutMs: 2_000,
    maxRetries: 2,
    baseDelayMs: 10,
    maxDelayMs: 50,
    ...rest,
  });
}

/** A logger whose lines the test can read. */
function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function start(model: LanguageModelV3) {
  t = await createTestApp({
    models: [{ id: 'fault/m', model }],
    env: { AUTH_MODE: 'none', DEFAULT_MODEL: 'fault/m' },
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
}

const post = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function newConversation(): Promise<string> {
  const res = await fetch(`${base}/api/conversations`, post({}));
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

function send(conversationId: string, content: string) {
  return fetch(`${base}/api/conversations/${conversationId}/messages`, {
    ...post({ content }),
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
  });
}

interface StoredMessage {
  role: string;
  content: string;
  status: string;
  error: string | null;
}

async function reply(conversationId: string): Promise<StoredMessage> {
  const res = await fetch(`${base}/api/conversations/${conversationId}/messages?limit=200`);
  const { items } = (await res.json()) as { items: StoredMessage[] };
  const message = items.find((m) => m.role === 'assistant');
  if (!message) throw new Error('no assistant message');
  return message;
}

/** Send one message and read its whole SSE stream. */
async function run(content: string) {
  const id = await newConversation();
  const events = await readSse(await send(id, content));
  return { id, events, message: await reply(id) };
}

function errorEvent(events: Awaited<ReturnType<typeof readSse>>) {
  return partsOf(events).find((part) => part.type === 'error') as { errorText: string } | undefined;
}

/**
 * Resolves once the upstream connection is closed. The fault server never closes a hung or
 * stalled request itself, so its closing at all is the proof that Parley aborted it; `ms` is only
 * a hang guard (an abort takes milliseconds), generous so a busy machine cannot trip it.
 */
async function closedWithin(request: RecordedRequest | undefined, ms = 10_000): Promise<void> {
  if (!request) throw new Error('no request');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connection still open after ${ms} ms`)), ms);
  });
  await Promise.race([request.closed, late]).finally(() => clearTimeout(timer));
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PROMPT: LanguageModelV3CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
};

async function partsOfStream(stream: ReadableStream<LanguageModelV3StreamPart>) {
  const parts: LanguageModelV3StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('CircuitBreaker', () => {
  function breakerWithClock(options: { failureThreshold?: number; cooldownMs?: number } = {}) {
    let time = 1_000;
    const changes: [CircuitState, CircuitState][] = [];
    const breaker = new CircuitBreaker({
      name: 'p',
      ...options,
      now: () => time,
      onStateChange: ({ from, to }) => changes.push([from, to]),
    });
    return { breaker, changes, advance: (ms: number) => (time += ms) };
  }

  it('defaults to 5 failures and a 30 s cool-down', () => {
    const breaker = new CircuitBreaker({ name: 'p' });
    expect(breaker.failureThreshold).toBe(5);
    expect(breaker.cooldownMs).toBe(30_000);
  });

  it('opens after N consecutive failures; a success in between starts the count again', () => {
    const { breaker } = breakerWithClock({ failureThreshold: 3 });
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('fails fast while open, then lets exactly one trial through; success closes', () => {
    const { breaker, changes, advance } = breakerWithClock({ failureThreshold: 2, cooldownMs: 10_000 });
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.snapshot()).toEqual({ state: 'open', failures: 2, retryInMs: 10_000 });
    advance(9_999);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryInMs).toBe(1);
    advance(1);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(changes).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'closed'],
    ]);
  });

  it('a failed trial re-opens it for a fresh cool-down', () => {
    const { breaker, advance } = breakerWithClock({ failureThreshold: 1, cooldownMs: 500 });
    breaker.recordFailure();
    advance(500);
    expect(breaker.tryAcquire()).toBe(true);
    advance(100);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.retryInMs).toBe(500);
    advance(499);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('a released trial (the user stopped it) frees the slot without judging the provider', () => {
    const { breaker, advance } = breakerWithClock({ failureThreshold: 1, cooldownMs: 100 });
    breaker.recordFailure();
    advance(100);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release();
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
  });
});

describe('retry delays', () => {
  const backoff = { baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000, random: () => 1 };
  const apiError = (headers: Record<string, string>) =>
    new APICallError({
      message: 'x',
      url: 'u',
      requestBodyValues: {},
      statusCode: 429,
      responseHeaders: headers,
    });

  it('reads Retry-After in seconds or as an HTTP date, and retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': '2' }, now)).toBe(2_000);
    expect(retryAfterMs({ 'Retry-After': '1.5' }, now)).toBe(1_500);
    expect(retryAfterMs({ 'retry-after': 'Wed, 01 Jan 2025 00:00:07 GMT' }, now)).toBe(7_000);
    expect(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
    expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it('backs off exponentially with full jitter up to the cap; too long a Retry-After means give up', () => {
    expect(retryDelayMs(new Error('x'), 0, backoff)).toBe(500);
    expect(retryDelayMs(new Error('x'), 3, backoff)).toBe(4_000);
    expect(retryDelayMs(new Error('x'), 10, backoff)).toBe(8_000);
    expect(retryDelayMs(new Error('x'), 10, { ...backoff, random: () => 0.25 })).toBe(2_000);
    expect(retryDelayMs(apiError({ 'retry-after': '3' }), 0, backoff)).toBe(3_000);
    expect(retryDelayMs(apiError({ 'retry-after': '120' }), 0, backoff)).toBeUndefined();
  });
});

describe('resilient model calls (fault server, full Parley runs)', () => {
  it('429 with Retry-After: 1, then success: waits as asked and the reply completes', async () => {
    fault = await startFaultServer();
    fault.script({
      status: 429,
      headers: { 'retry-after': '1' },
      error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' },
    });
    const { logger, lines } = captureLogs();
    await start(resilient(fault, { logger }));

    const { events, message } = await run('hello');
    expect(textOf(events)).toBe('Hi there!');
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(message).toMatchObject({ status: 'complete', content: 'Hi there!' });

    const [first, second] = fault.requests;
    expect(fault.requests).toHaveLength(2);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
    expect(second?.headers.authorization).toBe('Bearer test-key');
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'model call failed; retrying',
        provider: 'fault',
        attempt: 1,
        delayMs: 1_000,
        status: 429,
      }),
    );
  });

  it('a Retry-After beyond the cap fails at once instead of holding the user', async () => {
    fault = await startFaultServer();
    fault.script({ status: 429, headers: { 'retry-after': '120' } });
    // Every wait goes through `sleep`: "at once" means no wait was asked for.
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
    };
    const model = resilient(fault, { maxRetryAfterMs: 60_000, sleep });
    const error = await Promise.resolve(model.doStream(PROMPT)).catch((caught: unknown) => caught);
    expect(sleeps).toEqual([]);
    expect(fault.requests).toHaveLength(1);
    expect(describeModelError(error)).toBe(
      'fault is rate-limiting requests or its quota is used up (HTTP 429). It asked to wait 120s. fault said: "Rate limit reached for requests"',
    );
  });

  it('500 three times opens the breaker; calls then fail fast; after the cool-down a trial succeeds and closes it', async () => {
    fault = await startFaultServer();
    fault.script({ status: 500, error: { message: 'The server had an error', type: 'server_error' } });
    fault.script({ status: 500 }, { status: 500 });
    const transitions: CircuitState[] = [];
    // The cool-down runs on a clock the test moves: a slow run on a busy machine cannot end it early.
    let now = 0;
    const breaker = new CircuitBreaker({
      name: 'fault',
      failureThreshold: 3,
      cooldownMs: 400,
      now: () => now,
      onStateChange: ({ to }) => transitions.push(to),
    });
    const { logger, lines } = captureLogs();
    await start(resilient(fault, { breaker, maxRetries: 2, logger }));

    // One run: the first call and its two retries all get 500.
    const first = await run('one');
    expect(fault.requests).toHaveLength(3);
    expect(first.message.status).toBe('error');
    expect(first.message.error).toMatch(/^fault is having an outage or is unreachable \(HTTP 500\)\./);
    expect(first.message.error).toContain('Parley tried 3 times.');
    expect(errorEvent(first.events)?.errorText).toBe(first.message.error);
    expect(breaker.state).toBe('open');
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'model provider failing; circuit open' }));

    // Open: refused without reaching the server, however long the run took.
    const second = await run('two');
    expect(fault.requests).toHaveLength(3);
    expect(second.message.status).toBe('error');
    expect(second.message.error).toMatch(
      /fault is unavailable after repeated failures.*circuit open; retry in 0\.4s/,
    );
    now += 399;
    expect(breaker.state).toBe('open');

    // Cool-down over: half-open, and one good answer closes it.
    now += 1;
    expect(breaker.state).toBe('half-open');
    const third = await run('three');
    expect(third.message).toMatchObject({ status: 'complete', content: 'Hi there!' });
    expect(fault.requests).toHaveLength(4);
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
  });

  it('429s are retried but never count against the breaker, nor reset its count of failures', async () => {
    fault = await startFaultServer();
    const breaker = new CircuitBreaker({ name: 'fault', failureThreshold: 2 });
    const model = resilient(fault, { breaker, maxRetries: 1 });
    const failing = (call: PromiseLike<unknown>) =>
      Promise.resolve(call).then(
        () => undefined,
        (caught: unknown) => caught,
      );

    // A storm of 429s: retried (two calls each), the breaker stays closed.
    fault.script(
      { status: 429 },
      { status: 429 },
      { status: 429 },
      { status: 429 },
      { status: 429 },
      { status: 429 },
    );
    for (let i = 0; i < 3; i++)
      expect(APICallError.isInstance(await failing(model.doGenerate(PROMPT)))).toBe(true);
    expect(fault.requests).toHaveLength(6);
    expect(breaker.state).toBe('closed');

    // 500, then a 429 retried into another 500: two consecutive failures; the 429 in between is neutral.
    fault.script({ status: 500 }, { status: 429 }, { status: 500 });
    const single = resilient(fault, { breaker, maxRetries: 2 });
    await failing(single.doGenerate(PROMPT));
    expect(fault.requests).toHaveLength(9);
    expect(breaker.state).toBe('open');
  });

  it(`a caller's ${GATEWAY_OPTIONS_KEY}.retryRateLimits: false gets the 429 at once; the provider never sees the option`, async () => {
    fault = await startFaultServer();
    fault.script({ status: 429, headers: { 'retry-after': '0' } });
    const model = resilient(fault, { maxRetries: 2 });
    const options = {
      ...PROMPT,
      providerOptions: { [GATEWAY_OPTIONS_KEY]: { retryRateLimits: false }, fault: { user: 'u-1' } },
    };
    const error = await Promise.resolve(model.doGenerate(options)).catch((caught: unknown) => caught);
    expect(APICallError.isInstance(error) && error.statusCode).toBe(429);
    expect(fault.requests).toHaveLength(1);
    expect(JSON.stringify(fault.requests[0]?.body)).not.toContain(GATEWAY_OPTIONS_KEY);
    expect(fault.requests[0]?.body?.user).toBe('u-1');

    // 5xx are still retried for the same caller.
    fault.script({ status: 503 });
    const ok = await model.doGenerate(options);
    expect(ok.content).toEqual([{ type: 'text', text: 'Hi there!' }]);
    expect(fault.requests).toHaveLength(3);
  });

  it('hang before the first token: times out (retried once), then the fallback model answers', async () => {
    fault = await startFaultServer();
    // Attempt 1 never sends headers (a hung connect); attempt 2 sends headers and then nothing.
    fault.script({ hang: 'before-headers' }, { hang: 'before-first-chunk' });
    const { logger, lines } = captureLogs();
    const primary = resilient(fault, { firstTokenTimeoutMs: 300, maxRetries: 1, logger });
    await start(withFallbacks(primary, [{ id: 'demo', model: createDemoModel({ delayMs: 0 }) }], logger));

    const { events, message } = await run('are you there?');
    expect(message).toMatchObject({ status: 'complete', content: demoReply('are you there?') });
    expect(textOf(events)).toBe(demoReply('are you there?'));
    expect(fault.requests).toHaveLength(2);
    // The timeouts aborted both upstream requests.
    for (const request of fault.requests) {
      await closedWithin(request);
      expect(request.completed).toBe(false);
    }
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'model call failed; retrying', status: 'timeout' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'model failed before its first token; trying the next in its fallback chain',
        fallback: 'demo',
      }),
    );
  });

  it('a fallback stream names the model that answered in a response-metadata part', async () => {
    fault = await startFaultServer();
    fault.script({ status: 503 });
    // The lazy form: a registry can wrap a model before its fallbacks exist.
    const chain = withFallbacks(resilient(fault, { maxRetries: 0 }), () => [
      { id: 'demo', model: createDemoModel({ delayMs: 0 }) },
    ]);
    const { stream } = await chain.doStream(PROMPT);
    const parts = await partsOfStream(stream);
    const firstText = parts.findIndex((part) => part.type === 'text-delta');
    const metadata = parts.slice(0, firstText).filter((part) => part.type === 'response-metadata');
    expect(metadata.at(-1)).toEqual({ type: 'response-metadata', modelId: 'demo' });
    expect(parts.at(-1)?.type).toBe('finish');
  });

  it('doGenerate: retried on 503, and held to the first-response deadline', async () => {
    fault = await startFaultServer();
    fault.script({ status: 503 });
    const model = resilient(fault, { maxRetries: 1, firstTokenTimeoutMs: 300 });
    const first = await model.doGenerate(PROMPT);
    expect(first.content).toEqual([{ type: 'text', text: 'Hi there!' }]);
    expect(fault.requests).toHaveLength(2);
    expect(fault.requests[1]?.body?.stream).not.toBe(true);

    fault.script({ hang: 'before-first-chunk' });
    const error = await Promise.resolve(
      resilient(fault, { maxRetries: 0, firstTokenTimeoutMs: 300 }).doGenerate(PROMPT),
    )
      .then(() => undefined)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelTimeoutError);
    await closedWithin(fault.requests[2]);
  });

  it('stream cut mid-reply: error with the partial text kept, a clear error event, [DONE]; no retry', async () => {
    fault = await startFaultServer();
    fault.script({ chunks: ['Hel', 'lo ', 'wor', 'ld'], cutAfter: 2 });
    await start(resilient(fault));

    const { events, message } = await run('cut me');
    expect(message.status).toBe('error');
    expect(message.content).toBe('Hello ');
    expect(textOf(events)).toBe('Hello ');
    expect(message.error).toMatch(/^The connection to fault broke before the reply finished \(terminated/);
    expect(errorEvent(events)?.errorText).toBe(message.error);
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(fault.requests).toHaveLength(1);
  });

  it('stop mid-reply: the provider server sees its connection closed before its reply is done; the reply is stopped', async () => {
    fault = await startFaultServer();
    const words = Array.from({ length: 200 }, (_, i) => `w${i} `);
    fault.script({ chunks: words, chunkDelayMs: 40 });
    await start(resilient(fault));

    const id = await newConversation();
    const reading = readSse(await send(id, 'stream slowly'));
    while (fault.requests.length === 0) await wait(10);
    await wait(250);
    const stop = await fetch(`${base}/api/conversations/${id}/stop`, post({}));
    expect(stop.status).toBe(200);

    // Closed while the provider still had most of its 8 s reply to send: the stop reached it.
    const request = fault.requests[0];
    await closedWithin(request);
    expect(request?.completed).toBe(false);

    const events = await reading;
    const message = await reply(id);
    expect(message.status).toBe('stopped');
    expect(message.content.length).toBeGreaterThan(0);
    expect(words.join('').startsWith(message.content)).toBe(true);
    expect(message.content.length).toBeLessThan(words.join('').length);
    expect(textOf(events)).toBe(message.content);
    expect(events.at(-1)?.data).toBe('[DONE]');
    // A stop is never retried.
    expect(fault.requests).toHaveLength(1);
  });

  it('the caller aborting before the first token is not retried and closes the upstream request', async () => {
    fault = await startFaultServer();
    fault.script({ hang: 'before-headers' });
    const breaker = new CircuitBreaker({ name: 'fault', failureThreshold: 1 });
    const model = resilient(fault, { maxRetries: 3, breaker });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new DOMException('Stopped by the user', 'AbortError')), 100);
    await expect(model.doStream({ ...PROMPT, abortSignal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await closedWithin(fault.requests[0]);
    await wait(50);
    expect(fault.requests).toHaveLength(1);
    expect(breaker.state).toBe('closed');
  });

  it('idle after the first token: the reply ends as error with its partial text', async () => {
    fault = await startFaultServer();
    fault.script({ chunks: ['Part', 'ial', ' never sent'], stallAfter: 2 });
    await start(resilient(fault, { idleTimeoutMs: 300 }));

    const { events, message } = await run('go quiet');
    expect(message.status).toBe('error');
    expect(message.content).toBe('Partial');
    expect(message.error).toBe(
      'The model stopped sending (idle for 0.3s); fault went quiet in the middle of the reply.',
    );
    expect(errorEvent(events)?.errorText).toBe(message.error);
    expect(events.at(-1)?.data).toBe('[DONE]');
    await closedWithin(fault.requests[0]);
    expect(fault.requests).toHaveLength(1);
  });
});

describe('describeModelError', () => {
  /** The error a real provider call gets from the fault server, through withResilience. */
  async function failure(step: Parameters<FaultServer['script']>[0], provider = 'openai') {
    fault ??= await startFaultServer();
    fault.script(step);
    const model = withResilience(faultModel(fault, SECRET_KEY), {
      provider,
      breaker: new CircuitBreaker({ name: provider }),
      firstTokenTimeoutMs: 2_000,
      idleTimeoutMs: 2_000,
      maxRetries: 0,
    });
    const error = await model.doStream(PROMPT).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!error) throw new Error('expected the call to fail');
    return { error, text: describeModelError(error) };
  }

  it('401: the key was rejected, which setting to check, and never the key itself', async () => {
    const { error, text } = await failure({
      status: 401,
      error: {
        message: `Incorrect API key provided: ${SECRET_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      },
    });
    expect(APICallError.isInstance(error)).toBe(true);
    expect(fault?.requests[0]?.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
    expect(text).toMatch(
      /^The OpenAI API key was rejected \(HTTP 401\)\. Check OPENAI_API_KEY\. OpenAI said: "/,
    );
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(SECRET_KEY);
    expect(text).not.toContain('0123456789abcdef');
  });

  it('401 for a provider from MODELS_FILE names no setting it does not read', async () => {
    const { text } = await failure({ status: 401, error: { message: 'bad key' } }, 'groq');
    expect(text).toBe(
      'The groq API key was rejected (HTTP 401). Check the API key configured for groq. groq said: "bad key"',
    );
  });

  it('404: the model does not exist', async () => {
    const { text } = await failure({
      status: 404,
      error: {
        message: 'The model `m` does not exist or you do not have access to it.',
        type: 'invalid_request_error',
        code: 'model_not_found',
      },
    });
    expect(text).toBe(
      'The model m does not exist at OpenAI (HTTP 404). OpenAI said: "The model `m` does not exist or you do not have access to it."',
    );
  });

  it('429 insufficient_quota: out of credit (and not retried)', async () => {
    const { text } = await failure({
      status: 429,
      error: {
        message: 'You exceeded your current quota, please check your plan and billing details.',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      },
    });
    expect(text).toMatch(
      /^The OpenAI account is out of credit \(HTTP 429, insufficient_quota\)\. Add credit/,
    );
    expect(text).toContain('You exceeded your current quota');
  });

  it('503 and an unreachable server: an outage, with the status', async () => {
    const { text } = await failure({ status: 503, error: { message: 'The engine is currently overloaded' } });
    expect(text).toBe(
      'OpenAI is having an outage or is unreachable (HTTP 503). OpenAI said: "The engine is currently overloaded"',
    );

    const closed = await startFaultServer();
    const baseURL = closed.baseURL;
    await closed.close();
    const model = withResilience(
      createOpenAICompatible({ name: 'x', baseURL, apiKey: SECRET_KEY }).chatModel('m'),
      {
        provider: 'anthropic',
        breaker: new CircuitBreaker({ name: 'anthropic' }),
        firstTokenTimeoutMs: 2_000,
        idleTimeoutMs: 2_000,
        maxRetries: 0,
      },
    );
    const error = await Promise.resolve(model.doStream(PROMPT)).catch((caught: unknown) => caught);
    expect(describeModelError(error)).toMatch(
      /^Anthropic is having an outage or is unreachable \(Cannot connect to API: .*ECONNREFUSED/,
    );
  });

  it('timeouts and an open breaker have sentences of their own', () => {
    expect(describeModelError(new ModelTimeoutError('openai', 'first-token', 60_000))).toBe(
      'OpenAI did not start answering within 60s (first-token timeout); it may be overloaded.',
    );
    expect(describeModelError(new ModelUnavailableError('openai', 12_300))).toBe(
      'OpenAI is unavailable after repeated failures, so Parley is not calling it for now (circuit open; retry in 12s).',
    );
  });

  it('scrubs anything that looks like a credential', () => {
    const text = scrubSecrets(
      'key sk-ant-api03-abcdefghijklmnop, AIzaSyA1234567890abcdefghijklmnopqrstu, Authorization: Bearer abc.def.ghi, https://x/y?key=hunter2&alt=sse, api_key="s3cr3t"',
    );
    for (const secret of ['sk-ant-api03', 'AIzaSy', 'abc.def.ghi', 'hunter2', 's3cr3t']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('alt=sse');
    expect(describeModelError(new Error(`boom ${SECRET_KEY}`))).toBe('boom [redacted]');
  });
});
