import OpenAI from 'openai';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../src/server/ai/models.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { parseConfig } from '../src/server/config.js';
import { openStore, type Store } from '../src/server/store/database.js';
import type { FakeServer } from './helpers/fake-providers/fake-server.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';

/**
 * /v1 as a faithful gateway in front of a real (fake) OpenAI upstream: what the upstream receives
 * for each client parameter, how upstream rate limits and an open breaker reach the client, and
 * that Parley's own retries do not multiply the client's.
 */

type Env = Record<string, string>;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const MODEL = 'openai/gpt-4o-mini';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function parley(env: Env): Promise<string> {
  const config = parseConfig({
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    AUTH_MODE: 'none',
    DEMO_DELAY_MS: '0',
    ...env,
  });
  const logger = pino({ level: 'silent' });
  const models = await createModelRegistry(config, { logger, env });
  const store: Store = await openStore(config.databaseUrl);
  const app: ParleyApp = await buildApp({ config, store, models, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanup.push(async () => {
    await app.close();
    await store.close();
  });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

/** A fake OpenAI upstream and Parley in front of it. */
async function gateway(env: Env = {}) {
  const upstream = await startFakeOpenAI();
  cleanup.push(() => upstream.close());
  const base = await parley({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: upstream.baseURL, ...env });
  // No client retries: each test counts the upstream calls behind one client request.
  const openai = new OpenAI({ apiKey: 'unused', baseURL: `${base}/v1`, maxRetries: 0 });
  return { upstream, base, openai };
}

const post = (base: string, body: object, signal?: AbortSignal) =>
  fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });

const ask = (base: string, extra: object = {}) =>
  post(base, { model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...extra });

async function breakerOf(base: string, id: string) {
  const list = (await (await fetch(`${base}/api/models`)).json()) as {
    models: { id: string; breaker: string | null }[];
  };
  return list.models.find((m) => m.id === id)?.breaker;
}

const lastBody = (upstream: FakeServer) => upstream.calls.at(-1)?.body;

describe('plain parameters reach the upstream', () => {
  it('passes response_format json_schema as structured output and returns the upstream JSON', async () => {
    const { upstream, openai } = await gateway();
    upstream.script({ chunks: ['{"city":', '"Paris"}'] });
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Capital of France?' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'capital', description: 'The capital', schema, strict: true },
      },
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ city: 'Paris' });
    expect(lastBody(upstream).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'capital', description: 'The capital', schema, strict: true },
    });
  });

  it('passes response_format json_object, and leaves strict off when the client did', async () => {
    const { upstream, base } = await gateway();
    expect((await ask(base, { response_format: { type: 'json_object' } })).status).toBe(200);
    expect(lastBody(upstream).response_format).toEqual({ type: 'json_object' });
    const schema = { type: 'object', properties: { a: { type: 'number' } } };
    const res = await ask(base, {
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
    });
    expect(res.status).toBe(200);
    expect(lastBody(upstream).response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'x', strict: false },
    });
    expect((await ask(base, { response_format: { type: 'text' } })).status).toBe(200);
    expect(lastBody(upstream).response_format).toBeUndefined();
  });

  it('passes seed, stop, user, penalties, sampling and the token limit', async () => {
    const { upstream, base } = await gateway();
    const res = await ask(base, {
      seed: 42,
      stop: ['END', '###'],
      user: 'end-user-7',
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      temperature: 0.3,
      top_p: 0.8,
      max_completion_tokens: 77,
    });
    expect(res.status).toBe(200);
    expect(lastBody(upstream)).toMatchObject({
      seed: 42,
      stop: ['END', '###'],
      user: 'end-user-7',
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      temperature: 0.3,
      top_p: 0.8,
      max_tokens: 77,
    });
    expect((await ask(base, { stop: 'STOP' })).status).toBe(200);
    expect(lastBody(upstream).stop).toEqual(['STOP']);
  });

  it('passes logprobs and top_logprobs, and returns the upstream log probabilities', async () => {
    const { upstream, openai } = await gateway();
    upstream.script({ chunks: ['Hel', 'lo'] });
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      logprobs: true,
      top_logprobs: 2,
    });
    expect(lastBody(upstream)).toMatchObject({ logprobs: true, top_logprobs: 2 });
    const content = completion.choices[0]?.logprobs?.content ?? [];
    expect(content.map((entry) => entry.token)).toEqual(['Hel', 'lo']);
    expect(content[0]?.logprob).toBe(-0.25);
    expect(content[0]?.top_logprobs).toHaveLength(2);

    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      logprobs: true,
      stream: true,
    });
    const tokens: string[] = [];
    for await (const part of stream) {
      for (const entry of part.choices[0]?.logprobs?.content ?? []) tokens.push(entry.token);
    }
    expect(tokens).toEqual(['Hel', 'lo']);
    expect(lastBody(upstream)).toMatchObject({ logprobs: true });
  });
});

describe('refused parameters (400 naming the field)', () => {
  async function refusal(base: string, body: object) {
    const res = await post(base, { model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...body });
    return { status: res.status, error: ((await res.json()) as { error: Record<string, unknown> }).error };
  }

  it('refuses unknown and unsupported fields, n > 1, and logprobs where the provider has none', async () => {
    const { upstream, base } = await gateway();
    const unknown = await refusal(base, { some_future_option: 1 });
    expect(unknown).toMatchObject({
      status: 400,
      error: { param: 'some_future_option', code: 'unsupported_parameter', type: 'invalid_request_error' },
    });
    expect(String(unknown.error.message)).toContain('some_future_option');
    expect(await refusal(base, { logit_bias: { '50256': -100 } })).toMatchObject({
      status: 400,
      error: { param: 'logit_bias', code: 'unsupported_parameter' },
    });
    expect(await refusal(base, { n: 2 })).toMatchObject({ status: 400, error: { param: 'n' } });
    expect(await refusal(base, { top_logprobs: 2 })).toMatchObject({
      status: 400,
      error: { param: 'top_logprobs' },
    });
    expect(await refusal(base, { response_format: { type: 'yaml' } })).toMatchObject({
      status: 400,
      error: { param: 'response_format.type' },
    });
    expect(await refusal(base, { model: 'demo', logprobs: true })).toMatchObject({
      status: 400,
      error: { param: 'logprobs', code: 'unsupported_parameter' },
    });
    expect(upstream.calls).toHaveLength(0);
  });
});

describe('upstream rate limits and the breaker', () => {
  it('answers an upstream 429 with a 429 and its Retry-After, after one upstream call', async () => {
    const { upstream, openai, base } = await gateway({ MODEL_MAX_RETRIES: '2' });
    upstream.script({
      status: 429,
      headers: { 'retry-after': '7' },
      error: { message: 'Rate limit reached', type: 'requests' },
    });
    const error = await openai.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(upstream.calls).toHaveLength(1);

    // Streaming too, and without an upstream Retry-After a default one.
    upstream.script({ status: 429, error: { message: 'Rate limit reached' } });
    const res = await ask(base, { stream: true });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
    expect(upstream.calls).toHaveLength(2);
  });

  it('keeps the breaker closed through a burst of 429s', async () => {
    const { upstream, base } = await gateway({ MODEL_MAX_RETRIES: '0' });
    upstream.script({ status: 429, headers: { 'retry-after': '1' }, error: { message: 'slow down' } });
    for (let i = 0; i < 12; i++) expect((await ask(base)).status).toBe(429);
    expect(upstream.calls).toHaveLength(12);
    expect(await breakerOf(base, MODEL)).toBe('closed');
    upstream.script({ chunks: ['back'] });
    const res = await ask(base);
    expect(res.status).toBe(200);
  });

  it('answers 503 with Retry-After (time to half-open) while the breaker is open', async () => {
    const { upstream, base } = await gateway({ MODEL_MAX_RETRIES: '0' });
    upstream.script({ status: 500, error: { message: 'exploded' } });
    for (let i = 0; i < 5; i++) expect((await ask(base)).status).toBe(502);
    expect(await breakerOf(base, MODEL)).toBe('open');
    const res = await ask(base);
    expect(res.status).toBe(503);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('provider_unavailable');
    expect(upstream.calls).toHaveLength(5);
  });

  it('makes no further upstream call once the client has gone', async () => {
    const { upstream, base } = await gateway({ MODEL_MAX_RETRIES: '2' });
    // A 500 with Retry-After: Parley waits a second before its retry; the client leaves meanwhile.
    upstream.script({ status: 500, headers: { 'retry-after': '1' }, error: { message: 'exploded' } });
    const abort = new AbortController();
    const pending = ask(base).catch(() => undefined);
    void pending;
    const request = post(base, { model: MODEL, messages: [{ role: 'user', content: 'x' }] }, abort.signal);
    request.catch(() => {});
    await upstream.waitForCall(2);
    abort.abort();
    await sleep(1_500);
    // The first request's retry went out (it was still waiting); the aborted one's did not.
    const aborted = upstream.calls.filter((call) => call.body?.messages?.[0]?.content === 'x');
    expect(aborted).toHaveLength(1);
  });
});

describe('GET /v1/models/{id}', () => {
  it('retrieves a model in OpenAI shape, and 404s an unknown one', async () => {
    const { openai, base } = await gateway();
    const model = await openai.models.retrieve(MODEL);
    expect(model).toMatchObject({ id: MODEL, object: 'model', owned_by: 'openai' });
    expect(model.created).toBeGreaterThan(1_600_000_000);
    // Unencoded slashes work too (curl users do not encode ids).
    const raw = await fetch(`${base}/v1/models/${MODEL}`);
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as { id: string }).id).toBe(MODEL);

    const missing = await openai.models.retrieve('nope/none').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect((missing as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({
      code: 'model_not_found',
      param: 'model',
    });
  });
});
