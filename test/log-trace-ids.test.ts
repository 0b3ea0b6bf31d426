import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/server/observability/logger.js';
import { createOpsApp } from './helpers/ops-app.js';
import { type OtlpReceiver, startOtlpReceiver } from './helpers/otlp-receiver.js';
import type { TestApp } from './helpers/test-app.js';

/**
 * Log lines carry the trace context they were written in (`trace_id`, `span_id`, `trace_flags`,
 * the OpenTelemetry log-correlation names), so an operator can go from a line to its trace: read
 * from the app's own JSON log output while a caller's `traceparent` is continued.
 */

let receiver: OtlpReceiver | undefined;
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  await receiver?.close();
  t = undefined;
  receiver = undefined;
});

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

type Line = Record<string, unknown>;

/** An app whose logs are written (as in production, by createLogger) where the test can read them. */
async function appWithLogs(env: Record<string, string>): Promise<{ app: TestApp; lines: Line[] }> {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text));
      done();
    },
  });
  const logger = createLogger({ logLevel: 'info' }, { destination });
  return { app: await createOpsApp({ env, logger }), lines };
}

/** Starts a reply in a new conversation, with the caller's trace context; returns its request id. */
async function reply(app: TestApp): Promise<{ requestId: string; runId: string }> {
  const conversation = (
    await app.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })
  ).json();
  const started = await app.app.inject({
    method: 'POST',
    url: `/api/conversations/${conversation.id}/messages`,
    headers: { traceparent: TRACEPARENT },
    payload: { content: 'hello' },
  });
  expect(started.statusCode).toBe(202);
  const { runId } = started.json();
  await app.app.parley.runs.get(runId)?.done;
  return { requestId: String(started.headers['x-request-id']), runId };
}

describe('trace ids in logs', () => {
  it('puts the trace and span ids of the request and of the run on their log lines', async () => {
    receiver = await startOtlpReceiver();
    const { app, lines } = await appWithLogs({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    t = app;
    const { requestId, runId } = await reply(app);
    await t.close();
    t = undefined;
    const spans = receiver.spans;
    const requestSpan = spans.find((s) => s.traceId === CALLER_TRACE && s.parentSpanId === CALLER_SPAN);
    const runSpan = spans.find((s) => s.name === 'parley.run' && s.attributes['parley.run.id'] === runId);
    expect(requestSpan?.name).toBe('POST /api/conversations/:id/messages');
    expect(runSpan?.traceId).toBe(CALLER_TRACE);

    // The request's completion line: in the caller's trace, on the request's span.
    const completed = lines.find((line) => line.reqId === requestId && line.msg === 'request completed');
    expect(completed).toMatchObject({
      trace_id: CALLER_TRACE,
      span_id: requestSpan?.spanId,
      trace_flags: '01',
    });
    // The run's summary line: same trace, on the run's span.
    const finished = lines.find((line) => line.runId === runId && line.msg === 'run finished');
    expect(finished).toMatchObject({ trace_id: CALLER_TRACE, span_id: runSpan?.spanId, trace_flags: '01' });
  });

  it('adds no trace fields with tracing off, even when the caller sends a traceparent', async () => {
    const { app, lines } = await appWithLogs({});
    t = app;
    const { requestId, runId } = await reply(app);
    const ours = lines.filter((line) => line.reqId === requestId || line.runId === runId);
    expect(ours.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['request completed', 'run finished']),
    );
    for (const line of lines) {
      expect(Object.keys(line).filter((key) => /^(trace_id|span_id|trace_flags)$/.test(key))).toEqual([]);
    }
  });
});
