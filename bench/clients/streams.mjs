// Load generator for the concurrent-streams benchmark, in its own process. Opens N streaming runs
// (POST /api/conversations/:id/messages, Accept: text/event-stream), one per conversation, and holds
// them open; after all are open and a short settle time, it measures during a window:
// - every gap between two consecutive text-delta events of a stream (client receive times);
//   token lag = gap − DEMO_DELAY_MS, the delay of a token past its 500 ms schedule (see
//   docs/benchmarks.md for why the schedule is taken from the previous token, not the first);
// - tokens received (aggregate tokens/s), errors, and this process's own CPU.
// `continuous`: a stream that ends ([DONE]) starts the next turn at once, so N stay open.
// Config: one JSON argument {url, idsFile, n, delayMs, rampConcurrency, rampDeadlineMs, settleMs,
// windowMs, continuous, timeoutMs}; streams not open by rampDeadlineMs are reported as not opened.
// Output: JSON lines on stdout ({"event": ...}); the last one is the result.
import { readFileSync } from 'node:fs';
import http from 'node:http';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const target = new URL(cfg.url);
const ids = JSON.parse(readFileSync(cfg.idsFile, 'utf8')).conversationIds.slice(0, cfg.n);
if (ids.length < cfg.n) throw new Error(`only ${ids.length} conversations for ${cfg.n} streams`);

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

let windowStart = Number.POSITIVE_INFINITY;
let windowEnd = Number.POSITIVE_INFINITY;
let stopping = false;
let gaps = new Float64Array(1 << 16);
let gapCount = 0;
let tokensInWindow = 0;
let tokensTotal = 0;
let repliesFinished = 0;
let openNow = 0;
const errors = { http: 0, network: 0, streamError: 0, earlyEnd: 0 };
const errorSamples = [];
const responses = new Set();

function fail(kind, detail) {
  if (stopping) return;
  errors[kind] += 1;
  if (errorSamples.length < 5) errorSamples.push(`${kind}: ${String(detail).slice(0, 200)}`);
}

function recordGap(gap) {
  if (gapCount === gaps.length) {
    const bigger = new Float64Array(gaps.length * 2);
    bigger.set(gaps);
    gaps = bigger;
  }
  gaps[gapCount++] = gap;
}

/** Start one turn on conversation `i`; `onOpen(ok)` is called once, when headers (or an error) arrive. */
function openStream(i, turn, onOpen) {
  const body = JSON.stringify({ content: `Stream ${i}, turn ${turn}: tell me about concurrent streams` });
  let settled = false;
  const opened = (ok) => {
    if (settled) return;
    settled = true;
    onOpen(ok);
  };
  const req = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: 'POST',
      path: `/api/conversations/${ids[i]}/messages`,
      agent,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'content-length': Buffer.byteLength(body),
      },
    },
    (res) => {
      if (res.statusCode !== 200) {
        fail('http', res.statusCode);
        res.resume();
        opened(false);
        return;
      }
      responses.add(res);
      openNow += 1;
      opened(true);
      res.setEncoding('utf8');
      let buffer = '';
      let last;
      let finished = false;
      res.on('data', (chunk) => {
        const at = performance.now();
        const inWindow = at >= windowStart && at <= windowEnd;
        buffer += chunk;
        for (let cut = buffer.indexOf('\n\n'); cut !== -1; cut = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (event.includes('"type":"text-delta"')) {
            tokensTotal += 1;
            if (inWindow) {
              tokensInWindow += 1;
              if (last !== undefined) recordGap(at - last);
            }
            last = at;
          } else if (event.includes('data: [DONE]')) {
            finished = true;
          } else if (event.includes('"type":"error"')) {
            fail('streamError', event);
          }
        }
      });
      res.on('error', (error) => fail('network', error.code ?? error.message));
      res.on('close', () => {
        responses.delete(res);
        openNow -= 1;
        if (stopping) return;
        if (!finished) {
          fail('earlyEnd', `stream ${i} closed before [DONE]`);
          return;
        }
        repliesFinished += 1;
        if (cfg.continuous) openStream(i, turn + 1, () => {});
      });
    },
  );
  req.on('error', (error) => {
    fail('network', error.code ?? error.message);
    opened(false);
  });
  req.end(body);
}

async function rampUp() {
  const started = performance.now();
  let next = 0;
  let ok = 0;
  let lastReport = 0;
  await new Promise((resolve) => {
    let inFlight = 0;
    const pump = () => {
      if (performance.now() - started > (cfg.rampDeadlineMs ?? Number.POSITIVE_INFINITY)) {
        // Out of time: open no more; the ones in flight still count when they answer.
        if (inFlight === 0) resolve();
        return;
      }
      while (inFlight < cfg.rampConcurrency && next < ids.length) {
        const i = next++;
        inFlight += 1;
        openStream(i, 0, (success) => {
          inFlight -= 1;
          if (success) ok += 1;
          const done = next - inFlight;
          if (done - lastReport >= 1000) {
            lastReport = done;
            say({ event: 'ramp', opened: ok, of: ids.length, seconds: (performance.now() - started) / 1000 });
          }
          if (done === ids.length && inFlight === 0) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  return { opened: ok, seconds: (performance.now() - started) / 1000 };
}

const deadline = setTimeout(() => {
  say({ event: 'timeout' });
  process.exit(2);
}, cfg.timeoutMs ?? 600_000);

const ramp = await rampUp();
say({ event: 'opened', ...ramp });
await new Promise((resolve) => setTimeout(resolve, cfg.settleMs));
const cpuBefore = process.cpuUsage();
windowStart = performance.now();
say({ event: 'window-start' });
await new Promise((resolve) => setTimeout(resolve, cfg.windowMs));
windowEnd = performance.now();
const cpu = process.cpuUsage(cpuBefore);
const openAtEnd = openNow;
say({ event: 'window-end' });
stopping = true;

const sorted = gaps.subarray(0, gapCount).sort();
const pick = (p) =>
  gapCount === 0 ? null : sorted[Math.min(gapCount - 1, Math.floor((p / 100) * gapCount))];
let sum = 0;
for (let i = 0; i < gapCount; i++) sum += sorted[i];
const seconds = (windowEnd - windowStart) / 1000;
say({
  event: 'result',
  streams: cfg.n,
  opened: ramp.opened,
  rampSeconds: ramp.seconds,
  openAtWindowEnd: openAtEnd,
  windowSeconds: seconds,
  tokensInWindow,
  tokensTotal,
  repliesFinished,
  tokensPerSecond: tokensInWindow / seconds,
  gapsMs: {
    count: gapCount,
    mean: gapCount ? sum / gapCount : null,
    p50: pick(50),
    p99: pick(99),
    max: gapCount ? sorted[gapCount - 1] : null,
  },
  errors,
  errorCount: errors.http + errors.network + errors.streamError + errors.earlyEnd,
  errorSamples,
  clientCpuPercent: (100 * (cpu.user + cpu.system)) / 1000 / (windowEnd - windowStart),
});
clearTimeout(deadline);
for (const res of responses) res.destroy();
agent.destroy();
process.exit(0);
