import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Bench } from '../lib/context.js';
import { median, ROOT } from '../server.js';

/**
 * 8. Event-loop time per log line (issue 19): request-style lines through the built logger with
 * stdout only, with the Splunk HEC shipper on the main thread (before), and with the shipper as a
 * worker-thread transport (now). Each run is a fresh process (bench/clients/log-lines.mjs) that
 * ships to a HEC endpoint served here, in the bench's own process, so the receiving end costs the
 * measured process nothing.
 */

const VARIANTS = ['stdout', 'in-process', 'worker'] as const;
type Variant = (typeof VARIANTS)[number];

export interface LogLinesRun {
  variant: Variant;
  lines: number;
  activeMs: number;
  /** Event-loop active (wall) time per line. */
  usPerLine: number;
  /** Main-thread CPU time per line (null off Linux). */
  cpuUsPerLine: number | null;
  wallMs: number;
  sent: number;
  dropped: number;
}

export interface LogLinesResult {
  lines: number;
  /** Lines logged per event-loop turn. */
  burst: number;
  /** Median µs of main-thread CPU per line, by variant: what a line costs the event loop. */
  cpuUsPerLine: Record<Variant, number>;
  /** Median µs of event-loop active (wall) time per line, by variant (inflated on a busy machine). */
  activeUsPerLine: Record<Variant, number>;
  runs: LogLinesRun[];
}

const TOKEN = 'bench-hec-token';

/** The smallest HEC endpoint: counts the events of each batch and says Success. */
async function startHecSink(): Promise<{ url: string; events: () => number; close(): Promise<void> }> {
  let events = 0;
  const server = http.createServer((req, res) => {
    let newlines = 0;
    let any = false;
    req.on('data', (chunk: Buffer) => {
      any = true;
      for (const byte of chunk) if (byte === 10) newlines += 1;
    });
    req.on('end', () => {
      const ok = req.url === '/services/collector/event' && req.headers.authorization === `Splunk ${TOKEN}`;
      if (ok && any) events += newlines + 1;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"text":"Success","code":0}' : '{"text":"Invalid token","code":4}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events: () => events,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function runClient(config: Record<string, unknown>): Promise<LogLinesRun> {
  return new Promise((resolve, reject) => {
    const devNull = openSync('/dev/null', 'w');
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bench/clients/log-lines.mjs'), JSON.stringify(config)],
      // stdout (the log lines) to /dev/null: the terminal must not be part of the figure.
      { cwd: ROOT, stdio: ['ignore', devNull, 'pipe'], env: { ...process.env } },
    );
    closeSync(devNull);
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = stderr.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`log-lines client exited ${code}: ${stderr.slice(-2000)}`));
      try {
        resolve(JSON.parse(last) as LogLinesRun);
      } catch {
        reject(new Error(`log-lines client: no result in ${stderr.slice(-2000)}`));
      }
    });
  });
}

export async function logLines(bench: Bench): Promise<LogLinesResult> {
  const lines = bench.quick ? 2_000 : 40_000;
  const burst = 20;
  bench.log(
    `\n## 8. Event-loop time per log line (${lines.toLocaleString('en-US')} lines, ${burst} a turn, ${bench.reps} run${bench.reps === 1 ? '' : 's'} each)`,
  );
  const sink = await startHecSink();
  const runs: LogLinesRun[] = [];
  try {
    for (let rep = 1; rep <= bench.reps; rep++) {
      for (const variant of VARIANTS) {
        await bench.quiet();
        const run = await runClient({ variant, url: sink.url, token: TOKEN, lines, burst });
        if (variant !== 'stdout' && (run.sent !== lines || run.dropped !== 0)) {
          throw new Error(`${variant}: sent ${run.sent}, dropped ${run.dropped} of ${lines} lines`);
        }
        runs.push(run);
        bench.log(
          `  run ${rep}/${bench.reps} ${variant.padEnd(10)} ${run.cpuUsPerLine?.toFixed(2) ?? 'n/a'} µs/line main-thread CPU, ` +
            `${run.usPerLine.toFixed(2)} µs/line event loop active (${run.activeMs.toFixed(0)} ms in ${run.wallMs.toFixed(0)} ms)`,
        );
      }
    }
  } finally {
    await sink.close();
  }
  const medians = (figure: (run: LogLinesRun) => number | null) =>
    Object.fromEntries(
      VARIANTS.map((variant) => [
        variant,
        median(runs.filter((run) => run.variant === variant).map((run) => figure(run) ?? Number.NaN)),
      ]),
    ) as Record<Variant, number>;
  const cpuUsPerLine = medians((run) => run.cpuUsPerLine);
  const activeUsPerLine = medians((run) => run.usPerLine);
  bench.log(
    `  median main-thread CPU µs/line: stdout ${cpuUsPerLine.stdout.toFixed(2)}, ` +
      `in-process shipper ${cpuUsPerLine['in-process'].toFixed(2)}, worker transport ${cpuUsPerLine.worker.toFixed(2)}`,
  );
  return { lines, burst, cpuUsPerLine, activeUsPerLine, runs };
}
