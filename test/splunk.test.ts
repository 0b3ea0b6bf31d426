import { createHook } from 'node:async_hooks';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/server/config.js';
import { createLogger, logShipperOf } from '../src/server/observability/logger.js';
import { hecEventUrl, SplunkHecStream } from '../src/server/observability/splunk-hec.js';
import { type HecServer, startHecServer } from './helpers/hec-server.js';
import { createOpsApp } from './helpers/ops-app.js';
import { parsePrometheus, sampleValue } from './helpers/prometheus.js';
import { startServer, stopAllServers } from './helpers/server-process.js';
import type { TestApp } from './helpers/test-app.js';

/**
 * The direct log shipper to Splunk HTTP Event Collector, against a local server that speaks HEC:
 * batches, retries, a bounded buffer, and a server that keeps serving whatever Splunk does (or its
 * worker thread does). The shipper runs in a worker thread; its figures reach this thread as
 * reports, so the tests read them after `flush()` (every line read by the worker) or wait for them.
 */

const TOKEN = '8f1d2c3b-4a5e-6f70-8192-a3b4c5d6e7f8';
const quiet = { write() {} };

let hec: HecServer | undefined;
let t: TestApp | undefined;
afterEach(async () => {
  await stopAllServers();
  await t?.close();
  await hec?.close();
  t = undefined;
  hec = undefined;
});

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port nothing listens on: connections are refused at once, like a Splunk that is down. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function hecLogger(url: string, splunk: Record<string, unknown> = {}) {
  const problems: string[] = [];
  const logger = createLogger(
    { logLevel: 'info', splunkHecUrl: url, splunkHecToken: TOKEN },
    {
      destination: quiet,
      splunk: {
        batchSize: 5,
        flushIntervalMs: 20,
        statsIntervalMs: 10,
        onProblem: (message: string) => problems.push(message),
        ...splunk,
      },
    },
  );
  const shipper = logShipperOf(logger);
  if (!shipper) throw new Error('no shipper');
  return { logger, shipper, problems };
}

describe('the Splunk HEC shipper', () => {
  it('ships the app’s logs in batches, as HEC events, with request and run ids', async () => {
    hec = await startHecServer(TOKEN);
    const { logger, shipper } = hecLogger(hec.url);
    t = await createOpsApp({ logger });
    const conversation = await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} });
    const sent = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation.json().id}/messages`,
      headers: { 'x-request-id': 'req-to-splunk' },
      payload: { content: 'secret words for the model' },
    });
    await t.app.parley.runs.get(sent.json().runId)?.done;
    for (let i = 0; i < 12; i++) await t.app.inject({ method: 'GET', url: '/healthz' });
    await shipper.close();

    const events = hec.events();
    expect(events.length).toBeGreaterThan(20);
    // Batched: several events a request, never more than the batch size.
    expect(hec.accepted.length).toBeLessThan(events.length);
    expect(Math.max(...hec.accepted.map((request) => request.events.length))).toBeLessThanOrEqual(5);
    for (const request of hec.accepted) expect(request.authorization).toBe(`Splunk ${TOKEN}`);
    for (const envelope of events) {
      expect(envelope).toMatchObject({ source: 'parley', sourcetype: '_json' });
      expect(typeof envelope.host).toBe('string');
      expect(envelope.time).toBeCloseTo(Date.parse(String(envelope.event.time)) / 1000, 3);
      expect(envelope.event.service).toBe('parley');
    }
    const received = events.find((e) => e.event.msg === 'user message received');
    expect(received?.event).toMatchObject({ reqId: 'req-to-splunk' });
    const finished = events.find((e) => e.event.msg === 'run finished');
    expect(finished?.event).toMatchObject({
      runId: sent.json().runId,
      conversationId: conversation.json().id,
    });
    // In the order they were written.
    const times = events.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(JSON.stringify(events)).not.toContain('secret words');
    expect(shipper.stats()).toMatchObject({ buffered: 0, dropped: 0, sent: events.length });
  });

  it('never holds a request for a Splunk that does not answer', async () => {
    // A Splunk that accepts connections and never answers: if logging waited for it, the first
    // request would never complete. No clock is read: the requests completing is the proof.
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { logger, shipper } = hecLogger(
        `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}`,
        {
          maxBufferedEvents: 40,
        },
      );
      t = await createOpsApp({ logger });
      for (let i = 0; i < 100; i++) {
        expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      }
      await shipper.flush();
      expect(shipper.stats().sent).toBe(0);
      expect(shipper.stats().buffered).toBeLessThanOrEqual(40);
      expect(shipper.stats().dropped).toBeGreaterThanOrEqual(200 - 40);
      // Its request never ends: closing gives up at the deadline instead of waiting for it.
      await shipper.close(500);
    } finally {
      silent.close();
    }
  });

  it('keeps serving while Splunk is down, within its buffer bound, counting drops', async () => {
    const { logger, shipper, problems } = hecLogger(`http://127.0.0.1:${await closedPort()}`, {
      maxBufferedEvents: 40,
      baseBackoffMs: 20,
      maxBackoffMs: 100,
    });
    t = await createOpsApp({ logger });
    for (let i = 0; i < 150; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
    }
    await shipper.flush();
    await until('a failed delivery', () => shipper.stats().failedRequests > 0);
    const stats = shipper.stats();
    expect(stats.buffered).toBeLessThanOrEqual(40);
    expect(stats.dropped).toBeGreaterThanOrEqual(300 - 40 - 5);
    expect(stats.sent).toBe(0);
    // Reported once per outage, not per failure.
    expect(problems).toEqual(['splunk hec unreachable; buffering log events and retrying']);
    // Operators see it in /metrics too.
    const metrics = parsePrometheus((await t.app.inject({ method: 'GET', url: '/metrics' })).body);
    const dropped = sampleValue(metrics, 'parley_log_shipper_events_total', { outcome: 'dropped' }) ?? 0;
    expect(dropped).toBeGreaterThanOrEqual(300 - 40 - 5);
    expect(sampleValue(metrics, 'parley_log_shipper_events_total', { outcome: 'sent' })).toBe(0);
    // The worker's 40, plus the scrape's own request line, still on its way to the worker.
    expect(sampleValue(metrics, 'parley_log_shipper_buffered_events')).toBeLessThanOrEqual(40 + 1);
    // Closing does not wait out the outage: after one last attempt it gives up, long before its
    // own deadline (an hour here: if close waited for Splunk, the test would time out).
    await shipper.close(3_600_000);
    expect(shipper.stats().sent).toBe(0);
  });

  it('retries a busy Splunk (503) with backoff and delivers what it kept once it recovers', async () => {
    hec = await startHecServer(TOKEN);
    hec.mode = 'busy';
    const server = hec;
    const shipper = new SplunkHecStream({
      url: server.url,
      token: TOKEN,
      batchSize: 10,
      flushIntervalMs: 10,
      baseBackoffMs: 20,
      maxBackoffMs: 60,
      maxBufferedEvents: 25,
      statsIntervalMs: 10,
      onProblem: () => {},
    });
    const line = (i: number) =>
      `${JSON.stringify({ level: 30, time: new Date().toISOString(), msg: `line ${i}` })}\n`;
    for (let i = 0; i < 40; i++) shipper.write(line(i));
    await until('retries', () => server.received >= 3);
    await shipper.flush();
    expect(shipper.stats()).toMatchObject({ sent: 0, dropped: 15 });
    expect(shipper.stats().buffered).toBe(25);

    server.mode = 'ok';
    await until('delivery after recovery', () => shipper.stats().sent === 25);
    // The batch that was being sent (0-9) was kept; the oldest waiting ones (10-24) were dropped.
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => i),
      ...Array.from({ length: 15 }, (_, i) => i + 25),
    ];
    expect(server.events().map((e) => e.event.msg)).toEqual(expected.map((i) => `line ${i}`));
    expect(shipper.stats()).toMatchObject({ buffered: 0, dropped: 15, sent: 25 });
    await shipper.close();
  });

  it('drops a batch Splunk refuses as malformed (400) instead of retrying it forever', async () => {
    hec = await startHecServer(TOKEN);
    hec.mode = 'reject';
    const server = hec;
    const problems: string[] = [];
    const shipper = new SplunkHecStream({
      url: `${server.url}/services/collector/event`,
      token: TOKEN,
      batchSize: 2,
      flushIntervalMs: 10,
      baseBackoffMs: 10,
      statsIntervalMs: 10,
      onProblem: (message) => problems.push(message),
    });
    shipper.write('{"msg":"a"}\n');
    shipper.write('not json at all\n');
    await until('the refusal', () => shipper.stats().dropped === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.received).toBe(1);
    expect(problems).toEqual(['splunk hec refused a batch of log events; dropped it']);
    await shipper.close(200);
  });

  it('retries a rejected token (it may be rotated) and loses nothing below the bound', async () => {
    hec = await startHecServer('another-token');
    const server = hec;
    const shipper = new SplunkHecStream({
      url: server.url,
      token: TOKEN,
      batchSize: 2,
      flushIntervalMs: 10,
      baseBackoffMs: 10,
      maxBackoffMs: 20,
      onProblem: () => {},
    });
    shipper.write('{"msg":"a"}\n');
    shipper.write('{"msg":"b"}\n');
    await until('retries', () => server.received >= 3);
    await shipper.flush();
    expect(shipper.stats()).toMatchObject({ sent: 0, dropped: 0, buffered: 2 });
    await shipper.close(200);
  });

  it('sends from its worker thread: this thread opens no connection to Splunk', async () => {
    hec = await startHecServer(TOKEN);
    const server = hec;
    // Outgoing TCP connections made by this thread (fetch makes one per socket): Splunk's must not be.
    let connects = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === 'TCPCONNECTWRAP') connects += 1;
      },
    }).enable();
    try {
      const shipper = new SplunkHecStream({
        url: server.url,
        token: TOKEN,
        batchSize: 20,
        flushIntervalMs: 10,
      });
      for (let i = 0; i < 100; i++) shipper.write(`${JSON.stringify({ level: 30, msg: `line ${i}` })}\n`);
      await until('delivery', () => server.events().length === 100);
      await shipper.close();
      expect(shipper.stats()).toMatchObject({ sent: 100, dropped: 0, buffered: 0 });
    } finally {
      hook.disable();
    }
    expect(connects).toBe(0);
    expect(server.events().map((e) => e.event.msg)).toEqual(
      Array.from({ length: 100 }, (_, i) => `line ${i}`),
    );
  });

  it('keeps serving when its worker thread dies, reporting it once and counting what is lost', async () => {
    const problems: string[] = [];
    const logger = createLogger(
      { logLevel: 'info', splunkHecUrl: 'http://127.0.0.1:9', splunkHecToken: TOKEN },
      {
        destination: quiet,
        splunk: {
          workerFile: fileURLToPath(new URL('./helpers/dying-log-worker.mjs', import.meta.url)),
          onProblem: (message: string) => problems.push(message),
        },
      },
    );
    const shipper = logShipperOf(logger);
    if (!shipper) throw new Error('no shipper');
    t = await createOpsApp({ logger });
    for (let i = 0; i < 5; i++)
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await until('the worker’s death', () => problems.length > 0);
    const before = shipper.stats().dropped;
    for (let i = 0; i < 20; i++)
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(problems).toEqual([
      'splunk hec log shipper stopped; log events for Splunk are dropped from now on',
    ]);
    expect(shipper.stats()).toMatchObject({ buffered: 0, sent: 0 });
    expect(shipper.stats().dropped).toBeGreaterThanOrEqual(before + 40);
    const metrics = parsePrometheus((await t.app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(sampleValue(metrics, 'parley_log_shipper_events_total', { outcome: 'dropped' })).toBeGreaterThan(
      40,
    );
    await shipper.close();
  });

  it('keeps what waits on this thread bounded when the worker stops reading, counting the rest', async () => {
    const shipper = new SplunkHecStream({
      url: 'http://127.0.0.1:9',
      token: TOKEN,
      workerFile: fileURLToPath(new URL('./helpers/stalled-log-worker.mjs', import.meta.url)),
      onProblem: () => {},
    });
    const line = `${JSON.stringify({ level: 30, msg: 'x'.repeat(1_000) })}\n`;
    // ~12 MiB at once: every call returns at once (this loop finishing is the proof no write waits).
    for (let i = 0; i < 12_000; i++) expect(shipper.write(line)).toBe(true);
    const kept = 12_000 - shipper.stats().dropped;
    // thread-stream's 4 MiB shared buffer, plus at most 4 MiB more waiting for it.
    expect(kept).toBeLessThanOrEqual(Math.ceil((8 * 1024 * 1024) / line.length) + 1);
    expect(kept).toBeGreaterThanOrEqual(Math.floor((4 * 1024 * 1024) / line.length));
    // A worker that reads nothing is not waited for on close either (the deadline, then it is stopped).
    await shipper.close(300);
    expect(shipper.write(line)).toBe(true);
  });

  it('reports sent and dropped events as counters that only go up', async () => {
    hec = await startHecServer(TOKEN);
    const { logger, shipper } = hecLogger(hec.url);
    t = await createOpsApp({ logger });
    const app = t.app;
    const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const sentIn = (body: string) =>
      sampleValue(parsePrometheus(body), 'parley_log_shipper_events_total', { outcome: 'sent' });
    const first = await scrape();
    expect(first).toContain('# TYPE parley_log_shipper_events_total counter');
    expect(first).toContain('# TYPE parley_log_shipper_buffered_events gauge');
    expect(
      sampleValue(parsePrometheus(first), 'parley_log_shipper_events_total', { outcome: 'dropped' }),
    ).toBe(0);
    for (let i = 0; i < 10; i++) await app.inject({ method: 'GET', url: '/healthz' });
    await shipper.flush();
    await until('delivery', () => shipper.stats().sent >= 20 && shipper.stats().buffered === 0);
    const second = await scrape();
    expect(sentIn(second)).toBe(shipper.stats().sent);
    await shipper.close();
    // After close the running totals stay where they were: a counter never goes down.
    expect(sentIn(await scrape())).toBeGreaterThanOrEqual(sentIn(second) ?? Number.POSITIVE_INFINITY);
  });

  it('in a real server process: ships from the start, flushes on SIGTERM, exits 0', async () => {
    hec = await startHecServer(TOKEN);
    const server = await startServer({ env: { SPLUNK_HEC_URL: hec.url, SPLUNK_HEC_TOKEN: TOKEN } });
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    server.kill('SIGTERM');
    expect(await server.waitForExit(60_000)).toEqual({ code: 0, signal: null });
    const messages = hec.events().map((e) => e.event.msg);
    // The last line before exit made it too: the queue was flushed, not abandoned.
    expect(messages).toEqual(expect.arrayContaining(['Parley is ready', 'shut down cleanly']));
    // The same lines went to stdout as well.
    expect(server.logs().map((log) => log.msg)).toEqual(expect.arrayContaining(['shut down cleanly']));
  });

  it('in a real server process with Splunk down: serves, and exits 0 without waiting for it', async () => {
    const server = await startServer({
      env: { SPLUNK_HEC_URL: `http://127.0.0.1:${await closedPort()}`, SPLUNK_HEC_TOKEN: TOKEN },
    });
    for (let i = 0; i < 20; i++) expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
    server.kill('SIGTERM');
    // No clock is read: that the shipper gives up after one last attempt is shown by the test
    // above; 10 s is only a hang guard (main.ts gives Splunk at most 3 s).
    expect(await server.waitForExit(60_000)).toEqual({ code: 0, signal: null });
    expect(server.logs().map((log) => log.msg)).toContain('shut down cleanly');
    expect(server.stderr().join('\n')).toContain('splunk hec unreachable');
  });

  it('accepts a base URL or the full event endpoint', () => {
    expect(hecEventUrl('https://splunk.example:8088')).toBe(
      'https://splunk.example:8088/services/collector/event',
    );
    expect(hecEventUrl('https://splunk.example:8088/')).toBe(
      'https://splunk.example:8088/services/collector/event',
    );
    expect(hecEventUrl('https://splunk.example:8088/services/collector/event')).toBe(
      'https://splunk.example:8088/services/collector/event',
    );
    expect(hecEventUrl('https://splunk.example:8088/services/collector')).toBe(
      'https://splunk.example:8088/services/collector',
    );
  });

  it('needs SPLUNK_HEC_URL and SPLUNK_HEC_TOKEN together, and an http(s) URL', () => {
    expect(() => parseConfig({ SPLUNK_HEC_URL: 'https://splunk:8088' })).toThrow(
      /^Invalid setting SPLUNK_HEC_TOKEN: required when SPLUNK_HEC_URL is set\.$/,
    );
    expect(() => parseConfig({ SPLUNK_HEC_TOKEN: TOKEN })).toThrow(
      /^Invalid setting SPLUNK_HEC_URL: required when SPLUNK_HEC_TOKEN is set\.$/,
    );
    expect(() => parseConfig({ SPLUNK_HEC_URL: 'splunk:8088', SPLUNK_HEC_TOKEN: TOKEN })).toThrow(
      /^Invalid setting SPLUNK_HEC_URL="splunk:8088": expected an http:\/\/ or https:\/\/ URL\.$/,
    );
    expect(parseConfig({ SPLUNK_HEC_URL: 'https://splunk:8088/', SPLUNK_HEC_TOKEN: TOKEN })).toMatchObject({
      splunkHecUrl: 'https://splunk:8088',
      splunkHecToken: TOKEN,
    });
  });
});
