import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/server/config.js';
import { tracesUrl } from '../src/server/observability/tracing.js';
import { createOpsApp } from './helpers/ops-app.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './helpers/otlp-receiver.js';
import type { TestApp } from './helpers/test-app.js';

/**
 * OpenTelemetry traces with OTEL_EXPORTER_OTLP_ENDPOINT set, exported over OTLP/HTTP (JSON) to a
 * local receiver: request → run → provider call, in one trace that continues the caller's.
 */

let receiver: OtlpReceiver | undefined;
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  await receiver?.close();
  t = undefined;
  receiver = undefined;
});

const SERVER = 2;
const ERROR = 2;
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const PROMPT = 'a prompt that stays out of traces';

function one(spans: ReceivedSpan[], what: string, match: (span: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(match);
  expect(found.length, `${what}: ${JSON.stringify(spans.map((s) => s.name))}`).toBe(1);
  return found[0] as ReceivedSpan;
}

describe('tracing', () => {
  it('exports request → run → provider call spans, continuing the caller’s trace', async () => {
    receiver = await startOtlpReceiver();
    t = await createOpsApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    const conversation = (
      await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })
    ).json();
    const streamed = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/messages`,
      headers: { accept: 'text/event-stream', traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      payload: { content: PROMPT },
    });
    expect(streamed.statusCode).toBe(200);
    const failed = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/messages`,
      payload: { content: PROMPT, model: 'flaky/model' },
    });
    await t.app.parley.runs.get(failed.json().runId)?.done;
    // Closing flushes the batch of spans.
    await t.close();
    t = undefined;
    const spans = receiver.spans;

    // The request: a SERVER span named by route pattern, child of the caller's span.
    const request = one(
      spans,
      'the streamed request span',
      (s) => s.name === 'POST /api/conversations/:id/messages' && s.traceId === CALLER_TRACE,
    );
    expect(request).toMatchObject({ kind: SERVER, parentSpanId: CALLER_SPAN, service: 'parley' });
    expect(request.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/conversations/:id/messages',
      'http.response.status_code': 200,
    });

    // The run: a child of the request that started it.
    const run = one(spans, 'the run span', (s) => s.name === 'parley.run' && s.traceId === CALLER_TRACE);
    expect(run.parentSpanId).toBe(request.spanId);
    expect(run.attributes).toMatchObject({
      'parley.conversation.id': conversation.id,
      'parley.run.kind': 'reply',
      'parley.run.status': 'complete',
      'gen_ai.request.model': 'demo',
    });
    expect(run.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(100);

    // The provider call: a span of its own under the run.
    const call = one(
      spans,
      'parley.model.stream',
      (s) => s.name === 'parley.model.stream' && s.traceId === CALLER_TRACE,
    );
    expect(call.parentSpanId).toBe(run.spanId);
    expect(call.attributes).toMatchObject({ 'gen_ai.system': 'parley', 'gen_ai.request.model': 'demo' });

    // The failing run: its own trace, marked as an error with the reason.
    const failedRun = one(
      spans,
      'the failed run span',
      (s) => s.name === 'parley.run' && s.attributes['gen_ai.request.model'] === 'flaky/model',
    );
    expect(failedRun.status.code).toBe(ERROR);
    expect(failedRun.status.message).toMatch(/flaky.*503/);
    const failedRequest = spans.find((s) => s.spanId === failedRun.parentSpanId);
    expect(failedRequest?.name).toBe('POST /api/conversations/:id/messages');
    expect(failedRequest?.traceId).not.toBe(CALLER_TRACE);

    // Prompts and replies stay out of traces unless LOG_MESSAGE_CONTENT is set.
    expect(JSON.stringify(spans)).not.toContain(PROMPT);
  });

  it('exports nothing without the setting', async () => {
    receiver = await startOtlpReceiver();
    t = await createOpsApp();
    const conversation = (
      await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })
    ).json();
    await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/messages`,
      headers: { accept: 'text/event-stream' },
      payload: { content: 'hello' },
    });
    await t.close();
    t = undefined;
    expect(receiver.requests).toBe(0);
  });

  it('imports the OpenTelemetry SDK only when tracing is on (no static import outside the API)', () => {
    const root = path.resolve(import.meta.dirname, '../src');
    const offenders = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .filter((file) =>
        /^import\s[^;]*from\s+'@opentelemetry\/(?!api')/m.test(readFileSync(path.join(root, file), 'utf8')),
      );
    expect(offenders).toEqual([]);
  });

  it('takes an http(s) URL as OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(() => parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /^Invalid setting OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": expected an http:\/\/ or https:\/\/ URL\.$/,
    );
    expect(parseConfig({}).otelExporterOtlpEndpoint).toBeUndefined();
  });

  it('sends to the OTLP traces path of the endpoint', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
  });
});
