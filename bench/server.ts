import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Processes the benchmark starts: Parley (built, from dist/), its peers, and load generators. */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = path.join(ROOT, 'dist/server/main.js');

/**
 * What every benchmark Parley gets: no login, the demo model answering at once, and per-user limits
 * raised out of the way so the figures measure speed, not the limiter. LOG_LEVEL=warn keeps the
 * per-request info lines (which a production server would write) out of the measurement.
 */
export const BENCH_SETTINGS: Record<string, string> = {
  AUTH_MODE: 'none',
  DEMO_DELAY_MS: '0',
  RATE_LIMIT_RPM: '100000000',
  MESSAGE_LIMIT_RPM: '100000000',
  MAX_CONCURRENT_RUNS: '100000',
  // The stream benchmarks hold up to 10,000 streams as the one built-in user.
  MAX_STREAMS_PER_USER: '1000000',
  MAX_CONNECTIONS: '1000000',
  LOG_LEVEL: 'warn',
  SHUTDOWN_GRACE_MS: '0',
};

// Only what Node needs from the parent: Parley settings in the developer's shell must not leak in.
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL'];

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export interface Proc {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Stop the process and wait for it to exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface StartParleyOptions {
  /** Settings on top of BENCH_SETTINGS. */
  env?: Record<string, string>;
  /** SQLite file (`DATABASE_URL=sqlite:<file>`), unless env sets DATABASE_URL. */
  dbFile?: string;
  /** Working directory (no `.env` there); defaults to the db file's directory. */
  cwd: string;
  /** Write a V8 CPU profile of the whole life of the process into this directory. */
  cpuProfDir?: string;
  readyTimeoutMs?: number;
}

/** Start a built Parley in its own process; resolves when `/readyz` answers 200. */
export async function startParley(options: StartParleyOptions): Promise<Proc & { spawnedAt: number }> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...baseEnv(),
    ...BENCH_SETTINGS,
    PORT: String(port),
    HOST: '127.0.0.1',
    ...(options.dbFile ? { DATABASE_URL: `sqlite:${options.dbFile}` } : {}),
    ...options.env,
  };
  const args = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, MAIN] : [MAIN];
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = track(child, `http://127.0.0.1:${port}`, port, 'parley');
  await waitReady(`${proc.url}/readyz`, child, options.readyTimeoutMs ?? 30_000);
  return { ...proc, spawnedAt };
}

/** Start any server process that listens on `port`; resolves when `readyPath` answers. */
export async function startProcess(
  command: string,
  args: string[],
  port: number,
  readyPath: string,
  name: string,
  cwd = ROOT,
): Promise<Proc> {
  const child = spawn(command, args, { env: baseEnv(), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = track(child, `http://127.0.0.1:${port}`, port, name);
  await waitReady(`${proc.url}${readyPath}`, child, 30_000);
  return proc;
}

function track(child: ChildProcess, url: string, port: number, name: string): Proc {
  // Keep the last lines of output for error messages; never let a full pipe stall the child.
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(chunk.toString('utf8'));
    if (tail.length > 50) tail.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null && signal === null) {
      process.stderr.write(`[bench] ${name} exited with code ${code}:\n${tail.join('').slice(-2000)}\n`);
    }
  });
  return {
    url,
    port,
    pid: child.pid ?? -1,
    child,
    async stop(signal: NodeJS.Signals = 'SIGKILL', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Poll `url` every 2 ms until it answers 200 (or the child exits, or the time is up). */
export async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${url}: the process exited before it was ready`);
    }
    if ((await statusOf(url)) === 200) return;
    if (performance.now() > deadline) throw new Error(`${url} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function statusOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** CPU time (user + system, ms) and resident memory (MiB) of a process, from /proc. */
export interface ProcSample {
  at: number;
  cpuMs: number;
  rssMiB: number;
  peakRssMiB: number;
}

// USER_HZ is 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)).
const CLOCK_TICKS_PER_SECOND = 100;

export function sampleProc(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return {
    at: performance.now(),
    cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND,
    rssMiB: kib('VmRSS') / 1024,
    peakRssMiB: kib('VmHWM') / 1024,
  };
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(from: ProcSample, to: ProcSample): number {
  return (100 * (to.cpuMs - from.cpuMs)) / (to.at - from.at);
}

export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function median(values: number[]): number {
  const finite = values.filter((value) => Number.isFinite(value));
  return finite.length === 0 ? Number.NaN : percentile(finite, 50);
}

/** Busy and total CPU time of the whole machine so far (ms, summed over cores), from /proc/stat. */
function machineTicks(): { busyMs: number; totalMs: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0);
  const total = busy + (idle ?? 0) + (iowait ?? 0);
  return { busyMs: (busy * 1000) / CLOCK_TICKS_PER_SECOND, totalMs: (total * 1000) / CLOCK_TICKS_PER_SECOND };
}

function cpuMsOf(pid: number): number {
  try {
    return sampleProc(pid).cpuMs;
  } catch {
    return 0; // exited
  }
}

/**
 * CPU used by processes that are not the benchmark's own (other users of this shared machine)
 * while a measurement runs: machine busy time − the benchmark's processes (`pids` and this one).
 * In percent of one core; the machine has os.cpus().length of them.
 */
export class LoadMeter {
  private readonly machine = machineTicks();
  private readonly own: number;
  private readonly started = performance.now();

  private readonly pidsAtStart: number;

  constructor(private readonly pids: number[]) {
    this.pidsAtStart = this.pidsCpuTotal();
    this.own = this.ownCpuMs();
  }

  private pidsCpuTotal(): number {
    return this.pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
  }

  /** CPU the measured processes (`pids`, the server) used since the meter was created, in ms. */
  pidsCpuMs(): number {
    return this.pidsCpuTotal() - this.pidsAtStart;
  }

  private ownCpuMs(): number {
    const self = process.cpuUsage();
    return (self.user + self.system) / 1000 + this.pids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
  }

  /** CPU of other processes, in percent of one core, since the meter was created. */
  otherPercent(): number {
    const machine = machineTicks();
    const elapsed = performance.now() - this.started;
    const other = machine.busyMs - this.machine.busyMs - (this.ownCpuMs() - this.own);
    return Math.max(0, (100 * other) / elapsed);
  }
}

/**
 * Wait (at most `maxMs`) until other processes use less than `thresholdPercent` of one core over a
 * one-second sample, so a burst of someone else's work does not land in a measurement. Returns the
 * last sample.
 */
export async function waitForQuiet(
  log: (line: string) => void,
  maxMs = 60_000,
  thresholdPercent = 20,
): Promise<number> {
  const deadline = performance.now() + maxMs;
  let warned = false;
  for (;;) {
    const meter = new LoadMeter([]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const other = meter.otherPercent();
    if (other < thresholdPercent) return other;
    if (performance.now() > deadline) {
      log(`    (machine still busy: other processes use ${other.toFixed(0)}% of a core; measuring anyway)`);
      return other;
    }
    if (!warned) {
      log(
        `    (other processes use ${other.toFixed(0)}% of a core; waiting up to ${maxMs / 1000} s for quiet)`,
      );
      warned = true;
    }
  }
}
