import { afterEach, describe, expect, it } from 'vitest';
import { createOpsApp } from './helpers/ops-app.js';
import { parsePrometheus, type Sample, sampleValue } from './helpers/prometheus.js';
import { readSse } from './helpers/sse.js';
import type { TestApp } from './helpers/test-app.js';

/** `GET /metrics` after real runs: names, labels and values of the series operators alert on. */

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((t) => t.close()));
});

async function start(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await createOpsApp({ env });
  apps.push(t);
  return t;
}

async function scrape(t: TestApp, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toContain('text/plain');
  return parsePrometheus(res.body);
}

async function conversation(t: TestApp): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} });
  return res.json().id;
}

describe('GET /metrics', () => {
  it('shows HTTP, run, token, provider, breaker, store and process series after a streamed run', async () => {
    const t = await start();
    const id = await conversation(t);
    // A streamed run with the demo model...
    const streamed = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      headers: { accept: 'text/event-stream' },
      payload: { content: 'Tell me about metrics' },
    });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.body).toContain('data: [DONE]');
    // ...and one whose provider keeps failing (503, retried once: two provider errors, breaker open).
    const failing = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'This one fails', model: 'flaky/model' },
    });
    expect(failing.statusCode).toBe(202);
    await t.app.parley.runs.get(failing.json().runId)?.done;
    await t.app.inject({ method: 'GET', url: '/api/conversations/nope' });

    const samples = await scrape(t);
    const route = '/api/conversations/:id/messages';

    // HTTP by route pattern (never the raw URL), method and status.
    expect(
      sampleValue(samples, 'parley_http_requests_total', { method: 'POST', route, status_code: '200' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'parley_http_requests_total', { method: 'POST', route, status_code: '202' }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'parley_http_requests_total', {
        method: 'GET',
        route: '/api/conversations/:id',
        status_code: '404',
      }),
    ).toBe(1);
    expect(samples.some((s) => s.labels.route?.includes('nope'))).toBe(false);
    expect(
      sampleValue(samples, 'parley_http_request_duration_seconds_count', {
        method: 'POST',
        route,
        status_code: '200',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'parley_http_request_duration_seconds_sum', {
        method: 'POST',
        route,
        status_code: '200',
      }),
    ).toBeGreaterThan(0);

    // Runs by model.
    expect(sampleValue(samples, 'parley_runs_started_total', { model: 'demo', kind: 'reply' })).toBe(1);
    expect(sampleValue(samples, 'parley_runs_finished_total', { model: 'demo', status: 'complete' })).toBe(1);
    expect(sampleValue(samples, 'parley_runs_started_total', { model: 'flaky/model', kind: 'reply' })).toBe(
      1,
    );
    expect(
      sampleValue(samples, 'parley_runs_finished_total', { model: 'flaky/model', status: 'error' }),
    ).toBe(1);
    expect(sampleValue(samples, 'parley_runs_failed_total', { model: 'flaky/model' })).toBe(1);
    expect(sampleValue(samples, 'parley_runs_failed_total', { model: 'demo' })).toBeUndefined();

    // Latency of the reply itself.
    expect(sampleValue(samples, 'parley_run_time_to_first_token_seconds_count', { model: 'demo' })).toBe(1);
    expect(
      sampleValue(samples, 'parley_run_time_to_first_token_seconds_sum', { model: 'demo' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(samples, 'parley_run_time_to_first_token_seconds_bucket', { model: 'demo', le: '+Inf' }),
    ).toBe(1);
    expect(sampleValue(samples, 'parley_run_time_per_output_token_seconds_count', { model: 'demo' })).toBe(1);
    expect(
      sampleValue(samples, 'parley_run_time_per_output_token_seconds_sum', { model: 'demo' }),
    ).toBeGreaterThan(0);

    // Tokens in and out.
    expect(sampleValue(samples, 'parley_tokens_total', { model: 'demo', type: 'input' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'parley_tokens_total', { model: 'demo', type: 'output' })).toBeGreaterThan(
      100,
    );

    // Nothing running now.
    expect(sampleValue(samples, 'parley_active_runs')).toBe(0);
    expect(sampleValue(samples, 'parley_open_sse_streams')).toBe(0);

    // The provider: each failed attempt, and the breaker it opened (one-hot by state).
    expect(sampleValue(samples, 'parley_provider_errors_total', { provider: 'flaky', status: '503' })).toBe(
      2,
    );
    expect(sampleValue(samples, 'parley_provider_breaker_state', { provider: 'flaky', state: 'open' })).toBe(
      1,
    );
    expect(
      sampleValue(samples, 'parley_provider_breaker_state', { provider: 'flaky', state: 'closed' }),
    ).toBe(0);
    // The demo model has no breaker.
    expect(
      samples.some((s) => s.name === 'parley_provider_breaker_state' && s.labels.provider === 'parley'),
    ).toBe(false);

    // The store: every query timed, by operation.
    for (const operation of ['select', 'insert', 'update']) {
      expect(
        sampleValue(samples, 'parley_store_query_duration_seconds_count', { operation, outcome: 'ok' }),
        operation,
      ).toBeGreaterThan(0);
    }
    expect(
      sampleValue(samples, 'parley_store_query_duration_seconds_sum', { operation: 'insert', outcome: 'ok' }),
    ).toBeGreaterThan(0);

    // The process: event loop lag, CPU, memory.
    expect(sampleValue(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('counts active runs and open streams while a reply streams', async () => {
    const t = await start();
    const id = await conversation(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/api/conversations/${id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ content: 'A slow one', model: 'slow' }),
      signal: controller.signal,
    });
    const events = readSse(response, 4);
    await events;

    const during = await scrape(t);
    expect(sampleValue(during, 'parley_active_runs')).toBe(1);
    expect(sampleValue(during, 'parley_open_sse_streams')).toBe(1);

    await t.app.inject({ method: 'POST', url: `/api/conversations/${id}/stop` });
    const after = await scrape(t);
    expect(sampleValue(after, 'parley_active_runs')).toBe(0);
    expect(sampleValue(after, 'parley_runs_finished_total', { model: 'slow', status: 'stopped' })).toBe(1);
  });

  it('keeps each app’s figures to itself (one registry per app)', async () => {
    const a = await start();
    const b = await start();
    const id = await conversation(a);
    await a.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'hi' },
    });
    for (const run of a.app.parley.runs.forConversation(id)) await run.done;
    expect(sampleValue(await scrape(a), 'parley_runs_started_total', { model: 'demo', kind: 'reply' })).toBe(
      1,
    );
    expect(
      sampleValue(await scrape(b), 'parley_runs_started_total', { model: 'demo', kind: 'reply' }),
    ).toBeUndefined();
  });

  it('is public without METRICS_TOKEN, even with accounts on', async () => {
    const t = await start({ AUTH_MODE: 'local' });
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });

  it('requires Bearer METRICS_TOKEN when that is set', async () => {
    const t = await start({ AUTH_MODE: 'local', METRICS_TOKEN: 'scrape-me-0123456789' });
    const call = (authorization?: string) =>
      t.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
    const anonymous = await call();
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'unauthorized' });
    expect(anonymous.body).not.toContain('parley_');
    expect((await call('Bearer wrong-token')).statusCode).toBe(401);
    expect((await call('Basic c2NyYXBlLW1lLTAxMjM0NTY3ODk=')).statusCode).toBe(401);
    // A user's API token is no metrics token either.
    const signup = await t.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { username: 'alice', password: 'correct horse battery' },
    });
    const cookie = String(signup.headers['set-cookie']).split(';')[0] as string;
    const token = await t.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: { cookie, 'x-csrf-token': signup.json().csrfToken },
      payload: { name: 'x' },
    });
    expect((await call(`Bearer ${token.json().token}`)).statusCode).toBe(401);
    const allowed = await call('Bearer scrape-me-0123456789');
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('parley_http_requests_total');
  });
});
