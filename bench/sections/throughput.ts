import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Bench } from '../lib/context.js';
import { freePort, LoadMeter, median, type Proc, ROOT, startProcess } from '../server.js';

/**
 * 1. Turn throughput: `POST /chat/message` at 64 connections, Parley (demo model, DEMO_DELAY_MS=0,
 * SQLite file) next to two peers doing the same work in the same run: the original app's routes in
 * Flask (Debian's python3-flask, its threaded dev server, an in-memory list) and a bare node:http +
 * better-sqlite3 server (two inserts, JSON reply). Each target gets a fresh process and database.
 */

export interface LoadFigures {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU other processes on this shared machine used meanwhile (% of one core). */
  otherCpuPercent?: number;
  /**
   * The server's own CPU per answered request (µs, from /proc), when its pid was given: what a
   * request costs Parley whatever the load generator beside it could send.
   */
  serverCpuUsPerRequest?: number;
}

export interface ThroughputResult {
  connections: number;
  seconds: number;
  parley: LoadFigures & { runs: LoadFigures[] };
  flask: (LoadFigures & { runs: LoadFigures[] }) | { unavailable: string };
  bare: LoadFigures & { runs: LoadFigures[] };
  parleyToFlask: number | null;
  parleyToBare: number;
}

const PYTHON = '/usr/bin/python3';

/**
 * Make sure Debian's python3-flask is there; install it (apt-get) when missing. Quick runs (the
 * test suite's) do not install system packages: they go on without the Flask peer.
 */
export function ensureFlask(log: (line: string) => void, install: boolean): string | undefined {
  const has = () => spawnSync(PYTHON, ['-c', 'import flask'], { stdio: 'ignore' }).status === 0;
  if (has()) return undefined;
  if (!install) return 'python3-flask is not installed (a full `npm run bench` installs it)';
  log('  python3-flask is missing: apt-get update && apt-get install -y python3-flask');
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'python3-flask'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    return `could not install python3-flask (${error instanceof Error ? error.message.split('\n')[0] : error})`;
  }
  return has() ? undefined : 'python3-flask installed but `import flask` still fails';
}

export async function load(
  url: string,
  options: { connections: number; seconds: number; method?: 'GET' | 'POST'; body?: unknown; pids?: number[] },
): Promise<LoadFigures> {
  const meter = new LoadMeter(options.pids ?? []);
  const result = await autocannon({
    url,
    method: options.method ?? 'GET',
    connections: options.connections,
    duration: options.seconds,
    ...(options.body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(options.body) }
      : {}),
  });
  const ok = (result as unknown as Record<string, number>)['2xx'] ?? result.requests.total;
  const serverCpuMs = meter.pidsCpuMs();
  return {
    ...(options.pids?.length && ok > 0 ? { serverCpuUsPerRequest: (1000 * serverCpuMs) / ok } : {}),
    requestsPerSecond: ok / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    otherCpuPercent: meter.otherPercent(),
  };
}

export function medianOf(runs: LoadFigures[]): LoadFigures & { runs: LoadFigures[] } {
  return {
    requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
    latencyP50Ms: median(runs.map((run) => run.latencyP50Ms)),
    latencyP99Ms: median(runs.map((run) => run.latencyP99Ms)),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    ...(runs.every((run) => run.serverCpuUsPerRequest !== undefined)
      ? { serverCpuUsPerRequest: median(runs.map((run) => run.serverCpuUsPerRequest as number)) }
      : {}),
    runs,
  };
}

export const format = (f: LoadFigures) =>
  `${f.requestsPerSecond.toFixed(0)} req/s, p50 ${f.latencyP50Ms} ms, p99 ${f.latencyP99Ms} ms` +
  (f.non2xx || f.errors ? `, non-2xx ${f.non2xx}, errors ${f.errors}` : '') +
  (f.serverCpuUsPerRequest !== undefined
    ? `, server ${f.serverCpuUsPerRequest.toFixed(0)} µs CPU/request`
    : '') +
  (f.otherCpuPercent !== undefined ? ` [others: ${f.otherCpuPercent.toFixed(0)}% CPU]` : '');

export async function turnThroughput(bench: Bench): Promise<ThroughputResult> {
  const connections = bench.quick ? 8 : 64;
  const seconds = bench.quick ? 1 : 10;
  const warmupSeconds = bench.quick ? 0 : 2;
  const body = { message: 'How fast is Parley?' };
  bench.log(`\n## 1. Turn throughput: POST /chat/message, ${connections} connections, ${seconds} s per run`);
  const flaskProblem = ensureFlask(bench.log, !bench.quick);
  if (flaskProblem) bench.log(`  Flask peer unavailable: ${flaskProblem}`);

  const targets: Record<'parley' | 'flask' | 'bare', LoadFigures[]> = { parley: [], flask: [], bare: [] };
  for (let rep = 1; rep <= bench.reps; rep++) {
    for (const name of ['parley', 'flask', 'bare'] as const) {
      if (name === 'flask' && flaskProblem) continue;
      await bench.quiet();
      const dir = bench.dir(`throughput-${name}`);
      let proc: Proc;
      if (name === 'parley') {
        proc = await bench.parley(`throughput-${rep}`, { cwd: dir, dbFile: path.join(dir, 'parley.db') });
      } else if (name === 'flask') {
        const port = await freePort();
        proc = await startProcess(
          PYTHON,
          [path.join(ROOT, 'bench/peers/flask_app.py'), String(port)],
          port,
          '/',
          'flask',
        );
      } else {
        const port = await freePort();
        proc = await startProcess(
          process.execPath,
          [path.join(ROOT, 'bench/peers/bare-node.mjs'), String(port), path.join(dir, 'bare.db')],
          port,
          '/',
          'bare-node',
        );
      }
      try {
        const url = `${proc.url}/chat/message`;
        if (warmupSeconds > 0) await load(url, { connections, seconds: warmupSeconds, method: 'POST', body });
        const figures = await load(url, { connections, seconds, method: 'POST', body, pids: [proc.pid] });
        targets[name].push(figures);
        bench.log(`  run ${rep}/${bench.reps} ${name.padEnd(6)} ${format(figures)}`);
      } finally {
        if (name === 'parley') await bench.stopParley(proc);
        else await proc.stop('SIGKILL');
      }
    }
  }
  const parley = medianOf(targets.parley);
  const bare = medianOf(targets.bare);
  const flask = flaskProblem ? { unavailable: flaskProblem } : medianOf(targets.flask);
  const result: ThroughputResult = {
    connections,
    seconds,
    parley,
    flask,
    bare,
    parleyToFlask: 'requestsPerSecond' in flask ? parley.requestsPerSecond / flask.requestsPerSecond : null,
    parleyToBare: parley.requestsPerSecond / bare.requestsPerSecond,
  };
  bench.log(`  median parley: ${format(parley)}`);
  if ('requestsPerSecond' in flask) bench.log(`  median flask:  ${format(flask)}`);
  bench.log(`  median bare:   ${format(bare)}`);
  bench.log(
    `  Parley/Flask = ${result.parleyToFlask?.toFixed(2) ?? 'n/a'}x (target >= 10x), ` +
      `Parley/bare = ${(100 * result.parleyToBare).toFixed(1)}% (target >= 50%)`,
  );
  return result;
}
