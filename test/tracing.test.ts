import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/server/config.js';
import { tracesUrl } from '../src/server/otel-settings.js';
import { createOpsApp } from './helpers/ops-app.js';
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from './helpers/otlp-receiver.js';
import type { TestApp } from './helpers/test-app.js';

/**
 * OpenTelemetry traces with OTEL_EXPORTER_OTLP_ENDPOINT set, exported over OTLP/HTTP (JSON) to a
 * local receiver: request → run → model call, in one trace that continues the caller's; the model
 * call per the GenAI semantic conventions; the standard OTEL_* settings.
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
const CLIENT = 3;
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
    // The conversation's request parameters go with every model call, so onto its span.
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/conversations/${conversation.id}`,
      payload: { temperature: 0.7, maxOutputTokens: 1000 },
    });
    expect(patched.statusCode).toBe(200);
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
    // Probes and scrapes are answered but not traced.
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
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
      'parley.model.id': 'demo',
    });
    // Usage is the model span's alone: GenAI-aware backends sum it over the trace's spans.
    expect(Object.keys(run.attributes).filter((key) => key.startsWith('gen_ai.'))).toEqual([]);

    // The model call: a GenAI `chat <model>` CLIENT span under the run, with the usage on it.
    const call = one(spans, 'the model span', (s) => s.name === 'chat demo' && s.traceId === CALLER_TRACE);
    expect(call.parentSpanId).toBe(run.spanId);
    expect(call.kind).toBe(CLIENT);
    expect(call.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'parley',
      'gen_ai.request.model': 'demo',
      'gen_ai.request.temperature': 0.7,
      'gen_ai.request.max_tokens': 1000,
      'gen_ai.conversation.id': conversation.id,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(call.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(100);
    expect(call.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(call.status.code).not.toBe(ERROR);
    // The deprecated `gen_ai.system` is gone.
    expect(call.attributes['gen_ai.system']).toBeUndefined();

    // The failing run: its own trace, marked as an error with the reason.
    const failedRun = one(
      spans,
      'the failed run span',
      (s) => s.name === 'parley.run' && s.attributes['parley.model.id'] === 'flaky/model',
    );
    expect(failedRun.status.code).toBe(ERROR);
    expect(failedRun.status.message).toMatch(/flaky.*503/);
    // Its model call: an error span with the provider's status as error.type, named by the
    // provider's own model name (the registry id's prefix is Parley's).
    const failedCall = one(spans, 'the failed model span', (s) => s.parentSpanId === failedRun.spanId);
    expect(failedCall).toMatchObject({ name: 'chat model', kind: CLIENT });
    expect(failedCall.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'flaky',
      'gen_ai.request.model': 'model',
      'error.type': '503',
    });
    expect(failedCall.status.code).toBe(ERROR);
    expect(failedCall.status.message).toMatch(/flaky.*503/);
    const failedRequest = spans.find((s) => s.spanId === failedRun.parentSpanId);
    expect(failedRequest?.name).toBe('POST /api/conversations/:id/messages');
    expect(failedRequest?.traceId).not.toBe(CALLER_TRACE);

    expect(spans.filter((s) => /healthz|readyz|metrics/.test(s.name))).toEqual([]);

    // Prompts and replies stay out of traces unless LOG_MESSAGE_CONTENT is set.
    expect(JSON.stringify(spans)).not.toContain(PROMPT);
  });

  it('ends the request span of a stream the client cut off', async () => {
    receiver = await startOtlpReceiver();
    t = await createOpsApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const conversation = (
      await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })
    ).json();
    const leave = new AbortController();
    const response = await fetch(`${base}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ content: 'a long answer please', model: 'slow' }),
      signal: leave.signal,
    });
    expect(response.status).toBe(200);
    await response.body?.getReader().read();
    leave.abort();
    // The reply goes on without its reader; once it is done, nothing of the request is left open.
    for (const run of t.app.parley.runs.forConversation(conversation.id)) await run.done;
    await t.close();
    t = undefined;
    const request = one(
      receiver.spans,
      'the cut-off request span',
      (s) => s.name === 'POST /api/conversations/:id/messages',
    );
    expect(request.attributes['http.response.status_code']).toBe(200);
    expect(one(receiver.spans, 'its run', (s) => s.name === 'parley.run').parentSpanId).toBe(request.spanId);
  });

  it('records what the model was sent on its span only with LOG_MESSAGE_CONTENT', async () => {
    receiver = await startOtlpReceiver();
    t = await createOpsApp({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_MESSAGE_CONTENT: 'true' },
    });
    const conversation = (
      await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })
    ).json();
    const started = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.id}/messages`,
      payload: { content: PROMPT },
    });
    await t.app.parley.runs.get(started.json().runId)?.done;
    await t.close();
    t = undefined;
    const call = one(receiver.spans, 'the model span', (s) => s.name === 'chat demo');
    const messages = JSON.parse(String(call.attributes['gen_ai.input.messages']));
    expect(messages.at(-1)).toEqual({ role: 'user', parts: [{ type: 'text', content: PROMPT }] });
  });

  it('follows the standard OTEL_* settings: traces endpoint, service name, resource, headers', async () => {
    // A collector that wants a token: it records what each export carried.
    const exports: { path: string | undefined; authorization: string | undefined; body: string }[] = [];
    const collector = http.createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      exports.push({ path: req.url, authorization: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    try {
      t = await createOpsApp({
        env: {
          // The traces endpoint wins over the base one and is used as given (no /v1/traces added).
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${base}/otlp/traces`,
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token,x-tenant=eu',
          OTEL_SERVICE_NAME: 'parley-eu',
          OTEL_RESOURCE_ATTRIBUTES: 'service.name=overridden,deployment.environment.name=staging',
        },
      });
      await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} });
      await t.close();
      t = undefined;
    } finally {
      collector.closeAllConnections();
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
    expect(exports.length).toBeGreaterThan(0);
    for (const sent of exports) {
      expect(sent).toMatchObject({ path: '/otlp/traces', authorization: 'Bearer collector-token' });
      const resource = JSON.parse(sent.body).resourceSpans[0].resource.attributes as {
        key: string;
        value: { stringValue?: string };
      }[];
      const attributes = Object.fromEntries(resource.map((a) => [a.key, a.value.stringValue]));
      expect(attributes).toMatchObject({
        'service.name': 'parley-eu',
        'deployment.environment.name': 'staging',
      });
    }
  });

  it('exports nothing when sampled out (OTEL_TRACES_SAMPLER) or disabled (OTEL_SDK_DISABLED)', async () => {
    const settings: Record<string, string>[] = [
      { OTEL_TRACES_SAMPLER: 'always_off' },
      { OTEL_SDK_DISABLED: 'true' },
    ];
    for (const env of settings) {
      receiver = await startOtlpReceiver();
      t = await createOpsApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, ...env } });
      const created = await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} });
      expect(created.statusCode).toBe(201);
      await t.close();
      t = undefined;
      expect(receiver.requests, JSON.stringify(env)).toBe(0);
      await receiver.close();
      receiver = undefined;
    }
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
    // Type-only imports load nothing; @fastify/otel loads the SDK's instrumentation package.
    const offenders = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .filter((file) =>
        /^import\s(?!type\s)[^;]*from\s+'(@opentelemetry\/(?!api')|@fastify\/otel')/m.test(
          readFileSync(path.join(root, file), 'utf8'),
        ),
      );
    expect(offenders).toEqual([]);
  });

  it('takes an http(s) URL as OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(() => parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /^Invalid setting OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": expected an http:\/\/ or https:\/\/ URL\.$/,
    );
    expect(parseConfig({}).otelExporterOtlpEndpoint).toBeUndefined();
    expect(parseConfig({}).otel.tracesUrl).toBeUndefined();
  });

  it('refuses bad OTEL_* values with one line naming the setting (never echoing header values)', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [
        { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector' },
        /^Invalid setting OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="collector": expected an http:\/\/ or https:\/\/ URL\.$/,
      ],
      [
        { OTEL_TRACES_SAMPLER: 'sometimes' },
        /^Invalid setting OTEL_TRACES_SAMPLER="sometimes": expected one of always_on, .*parentbased_traceidratio\.$/,
      ],
      [
        { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' },
        /^Invalid setting OTEL_TRACES_SAMPLER_ARG="1.5": expected a sampling ratio from 0 to 1\.$/,
      ],
      [
        { OTEL_RESOURCE_ATTRIBUTES: 'team' },
        /^Invalid setting OTEL_RESOURCE_ATTRIBUTES="team": expected key=value pairs/,
      ],
      [
        { OTEL_SDK_DISABLED: 'maybe' },
        /^Invalid setting OTEL_SDK_DISABLED="maybe": expected true or false\.$/,
      ],
      [
        { OTEL_EXPORTER_OTLP_HEADERS: 'Bearer secret-token' },
        /^Invalid setting OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs/,
      ],
    ];
    for (const [env, message] of bad) expect(() => parseConfig(env)).toThrow(message);
    expect(() => parseConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'Bearer secret-token' })).not.toThrow(/secret/);
    expect(
      parseConfig({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).otel
        .sampler,
    ).toEqual({
      name: 'parentbased_traceidratio',
      ratio: 0.25,
    });
  });

  it('sends to the OTLP traces path of the endpoint', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
  });
});
