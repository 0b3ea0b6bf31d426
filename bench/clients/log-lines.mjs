// Event-loop cost of one log line, in its own process (the log-lines section of `npm run bench`).
// Logs `lines` request-style lines through the built server's logger (dist/, so `npm run build`
// first), `burst` lines per event-loop turn like a busy server, waits until the shipper has
// delivered them all, and reports per line the main thread's CPU time (Linux schedstat: what the
// line costs the event loop, whatever else runs on the machine) and its event-loop active time
// (performance.eventLoopUtilization, wall time, so inflated on a busy machine). A warm-up of the
// same lines comes first. Worker threads' time is in neither: that is the point.
// Variants: `stdout` (no shipper), `in-process` (the HEC shipper run on the main thread, as before
// issue 19), `worker` (the production path: the shipper as a pino transport in a worker thread).
// stdout is /dev/null (set by the parent), so the terminal costs nothing.
// Config: one JSON argument {variant, url, token, lines, burst}. Output: one JSON line on stderr.
import { readFileSync } from 'node:fs';
import { createLogger, logShipperOf } from '../../dist/server/observability/logger.js';
import { hecEventUrl } from '../../dist/server/observability/splunk-hec.js';
import { HecShipper } from '../../dist/server/observability/splunk-hec-worker.mjs';

const cfg = JSON.parse(process.argv[2] ?? '{}');
const { variant, url, token, lines, burst } = cfg;
const problems = [];
const onProblem = (message) => problems.push(message);
// Production settings, except a buffer bound that holds every line: a line dropped at the bound
// costs less than one sent, and the figure is the cost of shipping.
const warmup = Math.min(lines, 4_000);
const maxBufferedEvents = warmup + lines;

let inProcess;
let logger;
if (variant === 'stdout') {
  logger = createLogger({ logLevel: 'info' });
} else if (variant === 'worker') {
  logger = createLogger(
    { logLevel: 'info', splunkHecUrl: url, splunkHecToken: token },
    { splunk: { onProblem, maxBufferedEvents } },
  );
} else if (variant === 'in-process') {
  // The logger of the stdout variant, with the shipper beside stdout on the main thread, as
  // pino.multistream did before issue 19.
  const { default: pino } = await import('pino');
  const stdout = pino.destination(1);
  inProcess = new HecShipper({ endpoint: hecEventUrl(url), token, onProblem, maxBufferedEvents });
  logger = createLogger(
    { logLevel: 'info' },
    {
      destination: {
        write(line) {
          stdout.write(line);
          inProcess.write(line);
        },
      },
    },
  );
} else {
  throw new Error(`unknown variant ${variant}`);
}
const worker = logShipperOf(logger);
const shipped = variant !== 'stdout';

/** CPU time of the main thread (its thread id is the process id), in ns; undefined off Linux. */
function mainThreadCpuNs() {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

const sent = () => (inProcess ? inProcess.stats().sent : (worker?.stats().sent ?? 0));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The worker thread starts before the first measurement (as it does at server start).
if (worker) await worker.flush();

/** Log `count` request-style lines, `burst` a turn, and wait until the shipper has delivered them. */
async function logLines(count, offset) {
  for (let i = offset; i < offset + count; i += 2) {
    // The two lines Fastify logs for a request.
    const reqId = `req-${i.toString(36)}`;
    logger.info(
      {
        reqId,
        req: {
          method: 'GET',
          url: `/api/conversations/${i}?limit=50`,
          host: '127.0.0.1:3000',
          remoteAddress: '127.0.0.1',
          remotePort: 50_000 + (i % 10_000),
        },
      },
      'incoming request',
    );
    logger.info({ reqId, res: { statusCode: 200 }, responseTime: 1.234 }, 'request completed');
    // A pause between bursts (timers fire at most about once a millisecond): at most ~20,000
    // lines/s, a very busy server, and a rate the worker keeps up with (a faster burst fills
    // thread-stream's buffer, and lines beyond it are dropped, not shipped).
    if ((i + 2) % burst === 0) await sleep(1);
  }
  if (!shipped) return;
  if (worker) await worker.flush();
  // Polling is cheap next to what it waits for; the deadline is a hang guard, not a measurement.
  const deadline = Date.now() + 120_000;
  while (sent() < offset + count) {
    if (Date.now() > deadline) {
      const stats = inProcess ? inProcess.stats() : worker?.stats();
      throw new Error(
        `only ${sent()} of ${offset + count} lines delivered (${JSON.stringify(stats)}): ${problems.join('; ')}`,
      );
    }
    await sleep(5);
  }
}

await logLines(warmup, 0);

const start = performance.eventLoopUtilization();
const cpuAtStart = mainThreadCpuNs();
const startedAt = performance.now();
await logLines(lines, warmup);
const cpuAtEnd = mainThreadCpuNs();
const used = performance.eventLoopUtilization(start);
const wallMs = performance.now() - startedAt;
const stats = inProcess ? inProcess.stats() : worker?.stats();
process.stderr.write(
  `${JSON.stringify({
    variant,
    lines,
    activeMs: used.active,
    usPerLine: (used.active * 1000) / lines,
    cpuUsPerLine:
      cpuAtStart === undefined || cpuAtEnd === undefined ? null : (cpuAtEnd - cpuAtStart) / 1000 / lines,
    wallMs,
    sent: (stats?.sent ?? 0) - (shipped ? warmup : 0),
    dropped: stats?.dropped ?? 0,
    problems,
  })}\n`,
);
await worker?.close(3_000);
process.exit(0);
