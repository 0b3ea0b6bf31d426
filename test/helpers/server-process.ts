import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Runs the real server as a child process (`node --import tsx src/server/main.ts`), so tests can
 * send it real signals (SIGTERM, SIGKILL) and restart it on the same database file.
 */

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(PROJECT_ROOT, 'src/server/main.ts');
// An absolute loader URL lets the child run with its cwd in a temp directory, where no `.env`
// from the developer's checkout can leak settings into the test.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

// Only what Node and tsx need from the parent: Parley settings and provider keys set in the
// developer's shell must not change what the tests see.
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'SystemRoot', 'LANG', 'LC_ALL'];

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** Settings for the server; PORT, HOST, DATABASE_URL and LOG_LEVEL get test defaults. */
  env?: Record<string, string>;
  /** SQLite file to use (`DATABASE_URL=sqlite:<dbFile>`); the child's cwd is its directory. */
  dbFile?: string;
  /** Time allowed for the ready line (default 20 s). */
  readyTimeoutMs?: number;
}

export interface ServerProcess {
  readonly baseUrl: string;
  readonly child: ChildProcess;
  /** Stdout lines so far (JSON log lines). */
  stdout(): string[];
  /** Stderr lines so far. */
  stderr(): string[];
  /** Stdout lines parsed as JSON (non-JSON lines are skipped). */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log line (already seen or yet to come) whose `msg` matches. */
  waitForLog(msg: string | RegExp, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(signal?: NodeJS.Signals): void;
  waitForExit(timeoutMs?: number): Promise<ExitInfo>;
}

export interface SpawnedProcess {
  readonly child: ChildProcess;
  stdout(): string[];
  stderr(): string[];
  waitForExit(timeoutMs?: number): Promise<ExitInfo>;
}

const live = new Set<ChildProcess>();

// Last line of defence: if the test runner itself exits, take the children with it.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A port that was free a moment ago (bound on 127.0.0.1, then released). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function tail(lines: string[]): string {
  return lines.slice(-40).join('\n');
}

/** Spawn main.ts with exactly `env` (plus PATH and friends); no waiting for readiness. */
export function spawnServer(env: Record<string, string>, cwd = os.tmpdir()): SpawnedProcess {
  const base: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) base[name] = value;
  }
  const child = spawn(process.execPath, ['--import', TSX_LOADER, MAIN], {
    cwd,
    env: { ...base, TSX_TSCONFIG_PATH: path.join(PROJECT_ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);

  const out: string[] = [];
  const err: string[] = [];
  // Wait for 'close' rather than 'exit' so every line the child wrote has been read by then.
  const closed = new Promise<ExitInfo>((resolve) => {
    child.once('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      live.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (line) => out.push(line));
  if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => err.push(line));

  return {
    child,
    stdout: () => [...out],
    stderr: () => [...err],
    async waitForExit(timeoutMs = 60_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `server (pid ${child.pid}) did not exit within ${timeoutMs} ms\nstdout:\n${tail(out)}\nstderr:\n${tail(err)}`,
              ),
            ),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([closed, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function matches(log: Record<string, unknown>, msg: string | RegExp): boolean {
  const text = typeof log.msg === 'string' ? log.msg : '';
  return typeof msg === 'string' ? text === msg : msg.test(text);
}

/** Start a server on a free port and wait for its "Parley is ready" line. */
export async function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    // These suites are about runs and processes, not accounts: act as the single local user.
    AUTH_MODE: 'none',
    // A fresh database unless the test names one: runs never share state through a default path.
    DATABASE_URL: `sqlite:${options.dbFile ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'parley-server-')), 'parley.db')}`,
    ...options.env,
  };
  const spawned = spawnServer(env, options.dbFile ? path.dirname(options.dbFile) : os.tmpdir());
  const { child } = spawned;

  const logs = (): Record<string, unknown>[] =>
    spawned.stdout().flatMap((line): Record<string, unknown>[] => {
      const log = parseLine(line);
      return log ? [log] : [];
    });

  const waitForLog = (msg: string | RegExp, timeoutMs = 60_000): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const found = () => logs().find((log) => matches(log, msg));
      const already = found();
      if (already) return resolve(already);
      const cleanup = () => {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('close', onClose);
      };
      // The readline listener is attached first, so lines from this chunk are already recorded.
      const onData = () => {
        const log = found();
        if (log) {
          cleanup();
          resolve(log);
        }
      };
      const onClose = () => {
        // Lines still queued in readline are flushed before 'close' on the child.
        const log = found();
        cleanup();
        if (log) resolve(log);
        else
          fail(`server exited (code ${child.exitCode}, signal ${child.signalCode}) before logging "${msg}"`);
      };
      const fail = (why: string) =>
        reject(new Error(`${why}\nstdout:\n${tail(spawned.stdout())}\nstderr:\n${tail(spawned.stderr())}`));
      const timer = setTimeout(() => {
        cleanup();
        fail(`no "${msg}" log line within ${timeoutMs} ms`);
      }, timeoutMs);
      child.stdout?.on('data', onData);
      child.once('close', onClose);
    });

  let ready: Record<string, unknown>;
  try {
    ready = await waitForLog('Parley is ready', options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    await spawned.waitForExit().catch(() => undefined);
    throw error;
  }
  // The ready line names the address actually bound; fall back to the port we chose.
  const baseUrl = typeof ready.url === 'string' ? ready.url : `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    child,
    stdout: spawned.stdout,
    stderr: spawned.stderr,
    logs,
    waitForLog,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitForExit: spawned.waitForExit,
  };
}

/** SIGKILL every child still running and wait for them; call from afterEach. */
export async function stopAllServers(): Promise<void> {
  const children = [...live];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
