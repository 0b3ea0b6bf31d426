import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBench } from './lib/context.js';
import { markdown, type Results, rows } from './report.js';
import { attachments } from './sections/attachments.js';
import { coldStart } from './sections/cold-start.js';
import { longHistory } from './sections/history.js';
import { logLines } from './sections/log-lines.js';
import { openLoopLatency } from './sections/open-loop.js';
import { providerPath } from './sections/provider.js';
import { resume } from './sections/resume.js';
import { concurrentStreams } from './sections/streams.js';
import { turnThroughput } from './sections/throughput.js';
import { toolStep } from './sections/tool-step.js';
import { timeToFirstToken } from './sections/ttft.js';
import { BENCH_SETTINGS, ROOT } from './server.js';

/**
 * `npm run bench`: Parley's own cost on this machine, next to peers, against the targets of issue #9.
 * Every server and load generator runs in its own process; see docs/benchmarks.md for the method.
 *
 *   BENCH_QUICK=1        tiny sizes, one run each (the test suite runs this so the bench cannot rot)
 *   BENCH_ONLY=a,b       only these sections: throughput, ttft, streams, history, resume, coldstart,
 *                        attachments, logs, provider, openloop, toolstep
 *   BENCH_PROFILE=1      start every Parley under `node --cpu-prof`; summarize each profile
 *   BENCH_REPS=n         runs per figure (default 3; 1 in quick mode)
 *   BENCH_POSTGRES_URL, BENCH_REDIS_URL   enable resume across two instances
 *
 * A full run (all sections, not quick, not profiling) writes bench/results/latest.json and the
 * results table in docs/benchmarks.md; other runs write bench/results/<quick|partial|profile>.json.
 */

const SECTIONS = [
  'throughput',
  'ttft',
  'streams',
  'history',
  'resume',
  'coldstart',
  'attachments',
  'logs',
  'provider',
  'openloop',
  'toolstep',
] as const;
type Section = (typeof SECTIONS)[number];

const quick = process.env.BENCH_QUICK === '1';
const profiling = process.env.BENCH_PROFILE === '1';
const only = process.env.BENCH_ONLY?.split(',')
  .map((name) => name.trim())
  .filter(Boolean);
for (const name of only ?? []) {
  if (!SECTIONS.includes(name as Section)) {
    throw new Error(`BENCH_ONLY: unknown section "${name}"; expected some of ${SECTIONS.join(', ')}`);
  }
}
const selected = (only as Section[] | undefined) ?? [...SECTIONS];
const reps = Number(process.env.BENCH_REPS ?? (quick ? 1 : 3));
const full = !quick && !profiling && selected.length === SECTIONS.length;

const DOCS = path.join(ROOT, 'docs/benchmarks.md');
const BEGIN = '<!-- bench:results:begin -->';
const END = '<!-- bench:results:end -->';

function command(): string {
  const vars = [
    quick ? 'BENCH_QUICK=1' : '',
    only ? `BENCH_ONLY=${only.join(',')}` : '',
    profiling ? 'BENCH_PROFILE=1' : '',
    process.env.BENCH_REPS ? `BENCH_REPS=${process.env.BENCH_REPS}` : '',
    process.env.BENCH_POSTGRES_URL ? 'BENCH_POSTGRES_URL=…' : '',
    process.env.BENCH_REDIS_URL ? 'BENCH_REDIS_URL=…' : '',
  ].filter(Boolean);
  return [...vars, 'npm run bench'].join(' ');
}

async function main() {
  const started = performance.now();
  process.chdir(ROOT);
  console.log(`Parley benchmark: ${command()}`);
  console.log('building (npm run build)...');
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });

  const work = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  const profileDir = profiling
    ? path.join(ROOT, 'bench/results/profiles', new Date().toISOString().replace(/[:.]/g, '-'))
    : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const bench = createBench({ quick, reps, work, profileDir });

  const cpus = os.cpus();
  const results: Results = {
    date: new Date().toISOString(),
    command: command(),
    quick,
    reps,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      kernel: os.release(),
    },
    settings: BENCH_SETTINGS,
    sectionSeconds: {},
  };
  console.log(
    `machine: ${results.machine.cpus} cores (${results.machine.cpuModel}), ${results.machine.memoryGiB} GiB, ` +
      `Node ${results.machine.node}; Parley settings: ${Object.entries(BENCH_SETTINGS)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
  );

  const timed = async <T>(section: Section, run: () => Promise<T>): Promise<T | undefined> => {
    if (!selected.includes(section)) return undefined;
    const at = performance.now();
    const value = await run();
    results.sectionSeconds[section] = Math.round((performance.now() - at) / 100) / 10;
    return value;
  };
  try {
    results.turnThroughput = await timed('throughput', () => turnThroughput(bench));
    results.timeToFirstToken = await timed('ttft', () => timeToFirstToken(bench));
    results.streams = await timed('streams', () => concurrentStreams(bench));
    results.history = await timed('history', () => longHistory(bench));
    results.resume = await timed('resume', () => resume(bench));
    results.coldStart = await timed('coldstart', () => coldStart(bench));
    results.attachments = await timed('attachments', () => attachments(bench));
    results.logLines = await timed('logs', () => logLines(bench));
    results.providerPath = await timed('provider', () => providerPath(bench));
    results.openLoop = await timed('openloop', () => openLoopLatency(bench));
    results.toolStep = await timed('toolstep', () => toolStep(bench));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const name = full ? 'latest' : quick ? 'quick' : profiling ? 'profile' : 'partial';
  mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  const out = path.join(ROOT, 'bench/results', `${name}.json`);
  writeFileSync(out, `${JSON.stringify({ ...results, targets: rows(results) }, null, 2)}\n`);
  const table = markdown(results);
  const sections = Object.entries(results.sectionSeconds)
    .map(([name, seconds]) => `${name} ${seconds} s`)
    .join(', ');
  console.log(
    `\n## Results (${((performance.now() - started) / 60_000).toFixed(1)} min: ${sections})\n\n${table}`,
  );
  console.log(`written: ${path.relative(ROOT, out)}`);
  if (full && existsSync(DOCS)) {
    const docs = readFileSync(DOCS, 'utf8');
    const begin = docs.indexOf(BEGIN);
    const end = docs.indexOf(END);
    if (begin !== -1 && end > begin) {
      writeFileSync(DOCS, `${docs.slice(0, begin + BEGIN.length)}\n${table}${docs.slice(end)}`);
      console.log(`written: ${path.relative(ROOT, DOCS)} (results table)`);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
