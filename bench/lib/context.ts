import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printSummary, summarize } from '../cpuprofile-summary.mjs';
import { type Proc, type StartParleyOptions, startParley, waitForQuiet } from '../server.js';

/** What every section gets: sizes (quick or full), a scratch directory, progress output, profiling. */
export interface Bench {
  readonly quick: boolean;
  /** Runs per figure; each figure is the median of these. */
  readonly reps: number;
  /** Scratch directory of this benchmark run (databases, ids, settings files). */
  readonly work: string;
  /** Set (BENCH_PROFILE=1): every Parley is started under --cpu-prof and its profile summarized. */
  readonly profileDir: string | undefined;
  log(line: string): void;
  /** Before a measurement: wait (bounded) until other processes leave the machine quiet. */
  quiet(): Promise<void>;
  /** A fresh subdirectory of `work`. */
  dir(name: string): string;
  /** Start Parley (under --cpu-prof when profiling); `label` names its profile. */
  parley(
    label: string,
    options: Omit<StartParleyOptions, 'cpuProfDir'>,
  ): Promise<Proc & { spawnedAt: number }>;
  /** Stop a Parley started with `parley()`; when profiling, let it exit cleanly and summarize. */
  stopParley(proc: Proc): Promise<void>;
}

export function createBench(options: {
  quick: boolean;
  reps: number;
  work: string;
  profileDir: string | undefined;
}): Bench {
  let dirs = 0;
  // Waiting for quiet is bounded per wait and over the whole run (the run must end in ~20 minutes).
  let quietBudgetMs = 300_000;
  const labels = new Map<Proc, string>();
  const bench: Bench = {
    ...options,
    log(line) {
      process.stdout.write(`${line}\n`);
    },
    async quiet() {
      if (options.quick || quietBudgetMs <= 0) return;
      const started = performance.now();
      await waitForQuiet(bench.log, Math.min(30_000, quietBudgetMs));
      quietBudgetMs -= performance.now() - started;
    },
    dir(name) {
      const dir = path.join(options.work, `${String(++dirs).padStart(3, '0')}-${name}`);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    async parley(label, startOptions) {
      const cpuProfDir = options.profileDir ? path.join(options.profileDir, label) : undefined;
      if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
      const proc = await startParley({ ...startOptions, cpuProfDir });
      labels.set(proc, label);
      return proc;
    },
    async stopParley(proc) {
      const label = labels.get(proc);
      labels.delete(proc);
      if (!options.profileDir || !label) {
        await proc.stop('SIGKILL');
        return;
      }
      // The profile is written when the process exits normally (SIGTERM → graceful shutdown).
      await proc.stop('SIGTERM', 120_000);
      const dir = path.join(options.profileDir, label);
      const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
      const newest = files.sort().at(-1);
      if (!newest) {
        bench.log(`  [profile] ${label}: no profile written (the process did not exit cleanly)`);
        return;
      }
      const summary = summarize(JSON.parse(readFileSync(path.join(dir, newest), 'utf8')), 25);
      writeFileSync(path.join(dir, `${newest}.summary.json`), `${JSON.stringify(summary, null, 2)}\n`);
      bench.log(`  [profile] ${label}: ${path.relative(process.cwd(), path.join(dir, newest))}`);
      printSummary(summary, (text: string) => process.stdout.write(text.replace(/^/gm, '    ')));
    },
  };
  return bench;
}
