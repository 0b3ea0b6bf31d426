// Open-loop load generator, in its own process: sends requests at a fixed arrival rate whatever
// the server's answers do (request i is due at start + i / rate), and measures each one's latency
// from the moment it was due, not from when it could be sent, so a server that falls behind is
// charged for the queue it causes (no coordinated omission).
// Config: one JSON argument
//   {urls: string[], method, body?, accept?, marker?, rate, seconds, timeoutMs}
// Request i goes to urls[i % urls.length] (a POST turn gets its own conversation that way). With a
// `marker`, latency ends at the first response chunk containing it (time to first token);
// otherwise at the end of the response. Output: one JSON line with the figures.
import http from 'node:http';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const total = Math.round(cfg.rate * cfg.seconds);
const latencies = new Float64Array(total);
let done = 0;
let measured = 0;
let inFlight = 0;
let maxInFlight = 0;
let lateSends = 0;
const errors = { http: 0, network: 0, timeout: 0 };
const samples = [];

function fail(kind, detail) {
  errors[kind] += 1;
  if (samples.length < 5) samples.push(`${kind}: ${String(detail).slice(0, 200)}`);
}

function send(i, dueAt, finished) {
  const target = new URL(cfg.urls[i % cfg.urls.length]);
  const payload = cfg.body === undefined ? undefined : JSON.stringify(cfg.body);
  let settled = false;
  const settle = (latency) => {
    if (settled) return;
    settled = true;
    if (latency !== undefined) latencies[measured++] = latency;
    inFlight -= 1;
    finished();
  };
  inFlight += 1;
  maxInFlight = Math.max(maxInFlight, inFlight);
  const req = http.request(
    {
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: cfg.method ?? 'GET',
      agent,
      timeout: cfg.timeoutMs ?? 30_000,
      headers: {
        ...(cfg.accept ? { accept: cfg.accept } : {}),
        ...(payload !== undefined
          ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
          : {}),
      },
    },
    (res) => {
      if (res.statusCode < 200 || res.statusCode > 299) {
        fail('http', res.statusCode);
        res.resume();
        res.on('end', () => settle(undefined));
        return;
      }
      let found = false;
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        if (!cfg.marker || found) return;
        const text = tail + chunk;
        if (text.includes(cfg.marker)) {
          found = true;
          latencies[measured++] = performance.now() - dueAt;
        }
        tail = text.slice(-cfg.marker.length);
      });
      res.on('end', () => {
        if (cfg.marker) {
          if (!found) fail('http', 'the stream ended before its first token');
          settle(undefined);
        } else settle(performance.now() - dueAt);
      });
      res.on('error', (error) => {
        fail('network', error.message);
        settle(undefined);
      });
    },
  );
  req.on('timeout', () => {
    fail('timeout', `no answer within ${cfg.timeoutMs ?? 30_000} ms`);
    req.destroy();
  });
  req.on('error', (error) => {
    if (!settled) fail('network', error.message);
    settle(undefined);
  });
  req.end(payload);
}

function percentile(values, p) {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const cpuBefore = process.cpuUsage();
const start = performance.now() + 5;
const interval = 1000 / cfg.rate;
let next = 0;
await new Promise((resolve) => {
  const finished = () => {
    done += 1;
    if (done === total) resolve();
  };
  // Every millisecond, send whatever is due (timers fire late by a little; the latency of a request
  // sent late still counts from its due time, and how many were sent late is reported).
  const tick = () => {
    const now = performance.now();
    while (next < total && start + next * interval <= now) {
      const dueAt = start + next * interval;
      if (now - dueAt > 1) lateSends += 1;
      send(next, dueAt, finished);
      next += 1;
    }
    if (next < total) setTimeout(tick, 1);
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
});
const elapsedMs = performance.now() - start;
const cpu = process.cpuUsage(cpuBefore);
const values = latencies.subarray(0, measured);
process.stdout.write(
  `${JSON.stringify({
    sent: total,
    measured,
    errors,
    samples,
    offeredRate: cfg.rate,
    achievedRate: (1000 * total) / elapsedMs,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: percentile(values, 100),
    maxInFlight,
    lateSends,
    clientCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
  })}\n`,
);
agent.destroy();
