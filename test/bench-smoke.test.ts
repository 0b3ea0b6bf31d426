import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/server-process.js';

/**
 * `npm run bench` is not part of the test suite (it takes minutes and measures, not checks), but
 * it must not rot: run it once at tiny sizes (BENCH_QUICK=1) and check that every section produced
 * its figures. The targets themselves are not asserted here; docs/benchmarks.md reports them.
 */
describe('benchmark (quick sizes)', () => {
  it('runs every section and writes bench/results/quick.json', async () => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), BENCH_QUICK: '1' };
    // The bench reads its own settings; a developer's BENCH_ONLY / BENCH_PROFILE must not narrow this run.
    delete env.BENCH_ONLY;
    delete env.BENCH_PROFILE;
    delete env.BENCH_REPS;
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, output.slice(-4000)).toBe(0);

    const results = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'bench/results/quick.json'), 'utf8'));
    expect(results.quick).toBe(true);
    expect(results.machine.cpus).toBeGreaterThan(0);
    expect(results.turnThroughput.parley.requestsPerSecond).toBeGreaterThan(0);
    expect(results.turnThroughput.bare.requestsPerSecond).toBeGreaterThan(0);
    expect(results.turnThroughput.parley.non2xx).toBe(0);
    expect(Number.isFinite(results.timeToFirstToken.sequential.added.p50)).toBe(true);
    expect(Number.isFinite(results.timeToFirstToken.concurrent.parley.p99)).toBe(true);
    const level = results.streams.levels[0];
    expect(level.runs[0].opened).toBe(level.streams);
    expect(level.errors).toBe(0);
    expect(level.lagP99Ms).not.toBeNull();
    expect(results.streams.rate.peakTokensPerSecond).toBeGreaterThan(0);
    expect(results.history.newestPage.requestsPerSecond).toBeGreaterThan(0);
    expect(results.history.newestPage.non2xx).toBe(0);
    // The server's own CPU per request, read from /proc (what the generator beside it cannot skew).
    expect(results.history.newestPage.serverCpuUsPerRequest).toBeGreaterThan(0);
    expect(results.history.chatHistory.non2xx).toBe(0);
    expect(Number.isFinite(results.resume.singleInstance.p99)).toBe(true);
    expect(results.coldStart.readyMs).toBeGreaterThan(0);
    expect(results.coldStart.idleRssMiB).toBeGreaterThan(0);
    expect(results.logLines.cpuUsPerLine.worker).toBeGreaterThan(0);
    expect(results.logLines.cpuUsPerLine['in-process']).toBeGreaterThan(0);
    expect(results.providerPath.errors).toBe(0);
    expect(results.providerPath.tokens).toBe(results.providerPath.turns * results.providerPath.replyTokens);
    expect(results.providerPath.cpuMsPerTurn).toBeGreaterThan(0);
    expect(results.openLoop.turns.parley.errors).toBe(0);
    expect(Number.isFinite(results.openLoop.turns.added.p99)).toBe(true);
    expect(results.openLoop.page.errors).toBe(0);
    expect(results.openLoop.page.p99).toBeGreaterThan(0);
    expect(results.toolStep.tool.turnP50Ms).toBeGreaterThan(0);
    expect(results.toolStep.plain.cpuMsPerTurn).toBeGreaterThan(0);
    expect(results.targets.length).toBeGreaterThan(10);
    // A hang guard, not a figure: the quick bench takes a minute or two, longer on a busy machine.
  }, 360_000);
});
