import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Bench } from '../lib/context.js';
import { json, pool } from '../lib/http.js';
import { startParleyOnStub, startStub } from '../lib/stub.js';
import { LoadMeter, median, ROOT } from '../server.js';
import { longHistoryDb } from './history.js';

/**
 * 10. Latency at a fixed arrival rate (open loop). A closed loop of N clients measures
 * N / throughput; here requests are sent on a schedule whatever the answers do
 * (bench/clients/open-loop.mjs, its own process), and each one's latency counts from the moment it
 * was due, so queueing shows. Two loads:
 * - turns at 200/s through the OpenAI-compatible stub: time to first token, direct to the stub and
 *   through Parley (a fresh conversation per turn, created beforehand), added = Parley − direct;
 * - the newest page of a 10,000-message conversation at 2,000 requests/s.
 */

export interface OpenLoopFigures {
  offeredRate: number;
  achievedRate: number;
  p50: number;
  p99: number;
  errors: number;
  lateSends: number;
  otherCpuPercent?: number;
}

export interface OpenLoopResult {
  turns: {
    rate: number;
    seconds: number;
    direct: OpenLoopFigures;
    parley: OpenLoopFigures;
    added: { p50: number; p99: number };
  };
  page: { rate: number; seconds: number; messages: number } & OpenLoopFigures;
}

const run = promisify(execFile);

async function openLoop(config: Record<string, unknown>, pids: number[]): Promise<OpenLoopFigures> {
  const meter = new LoadMeter(pids);
  const { stdout } = await run(
    process.execPath,
    [path.join(ROOT, 'bench/clients/open-loop.mjs'), JSON.stringify(config)],
    {
      maxBuffer: 1 << 20,
    },
  );
  const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  const errors = out.errors.http + out.errors.network + out.errors.timeout;
  if (errors > 0) process.stdout.write(`    errors: ${out.samples.join('; ')}\n`);
  return {
    offeredRate: out.offeredRate,
    achievedRate: out.achievedRate,
    p50: out.p50,
    p99: out.p99,
    errors,
    lateSends: out.lateSends,
    otherCpuPercent: meter.otherPercent(),
  };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const describe = (f: OpenLoopFigures) =>
  `${f.achievedRate.toFixed(0)}/s offered ${f.offeredRate}/s, p50 ${ms(f.p50)}, p99 ${ms(f.p99)}, ${f.errors} errors` +
  (f.otherCpuPercent !== undefined ? ` [others: ${f.otherCpuPercent.toFixed(0)}% CPU]` : '');

function medianFigures(runs: OpenLoopFigures[]): OpenLoopFigures {
  const pick = (get: (f: OpenLoopFigures) => number) => median(runs.map(get));
  return {
    offeredRate: runs[0]?.offeredRate ?? 0,
    achievedRate: pick((f) => f.achievedRate),
    p50: pick((f) => f.p50),
    p99: pick((f) => f.p99),
    errors: runs.reduce((sum, f) => sum + f.errors, 0),
    lateSends: pick((f) => f.lateSends),
  };
}

export async function openLoopLatency(bench: Bench): Promise<OpenLoopResult> {
  const turnRate = bench.quick ? 20 : 200;
  const pageRate = bench.quick ? 200 : 2_000;
  const seconds = bench.quick ? 2 : 10;
  const messages = bench.quick ? 1_000 : 10_000;
  bench.log(
    `\n## 10. Open-loop latency: turns at ${turnRate}/s (time to first token) and the newest page at ` +
      `${pageRate}/s, ${seconds} s each`,
  );

  // Turns through the stub.
  const stub = await startStub();
  const direct: OpenLoopFigures[] = [];
  const parleyTurns: OpenLoopFigures[] = [];
  try {
    for (let rep = 1; rep <= bench.reps; rep++) {
      await bench.quiet();
      const parley = await startParleyOnStub(bench, 'open-loop-turns', `open-loop-turns-${rep}`, stub);
      try {
        const count = turnRate * seconds;
        const ids: string[] = [];
        await pool(count + turnRate, 16, async () => {
          const res = await json<{ id: string }>(`${parley.url}/api/conversations`, {
            method: 'POST',
            body: {},
          });
          if (res.status !== 201) throw new Error(`creating a conversation: HTTP ${res.status}`);
          ids.push(res.body.id);
        });
        const turnUrls = (from: number, n: number) =>
          ids.slice(from, from + n).map((id) => `${parley.url}/api/conversations/${id}/messages`);
        const turn = {
          method: 'POST',
          accept: 'text/event-stream',
          marker: '"type":"text-delta"',
          body: { content: 'open loop' },
        };
        // Warm-up: one second at the rate.
        await openLoop({ ...turn, urls: turnUrls(0, turnRate), rate: turnRate, seconds: 1 }, []);
        const stubTurn = {
          method: 'POST',
          marker: '"content":"',
          body: { model: 'echo', stream: true, messages: [{ role: 'user', content: 'open loop' }] },
        };
        const d = await openLoop(
          { ...stubTurn, urls: [`${stub.url}/v1/chat/completions`], rate: turnRate, seconds },
          [stub.pid],
        );
        direct.push(d);
        bench.log(`  run ${rep}/${bench.reps} turns direct:  ${describe(d)}`);
        const p = await openLoop({ ...turn, urls: turnUrls(turnRate, count), rate: turnRate, seconds }, [
          parley.pid,
          stub.pid,
        ]);
        parleyTurns.push(p);
        bench.log(`  run ${rep}/${bench.reps} turns Parley:  ${describe(p)}`);
      } finally {
        await bench.stopParley(parley);
      }
    }
  } finally {
    await stub.stop('SIGKILL');
  }

  // The newest page of a long conversation.
  const { dir, dbFile, conversationId } = longHistoryDb(bench, 'open-loop-page', messages);
  const pages: OpenLoopFigures[] = [];
  const parley = await bench.parley('open-loop-page', { cwd: dir, dbFile });
  try {
    const url = `${parley.url}/api/conversations/${conversationId}/messages?limit=50`;
    await openLoop({ urls: [url], rate: pageRate, seconds: 1 }, []);
    for (let rep = 1; rep <= bench.reps; rep++) {
      await bench.quiet();
      const f = await openLoop({ urls: [url], rate: pageRate, seconds }, [parley.pid]);
      pages.push(f);
      bench.log(`  run ${rep}/${bench.reps} newest page: ${describe(f)}`);
    }
  } finally {
    await bench.stopParley(parley);
  }

  const d = medianFigures(direct);
  const p = medianFigures(parleyTurns);
  const result: OpenLoopResult = {
    turns: {
      rate: turnRate,
      seconds,
      direct: d,
      parley: p,
      added: { p50: p.p50 - d.p50, p99: p.p99 - d.p99 },
    },
    page: { rate: pageRate, seconds, messages, ...medianFigures(pages) },
  };
  bench.log(
    `  median turns: direct p50 ${ms(d.p50)} p99 ${ms(d.p99)} | Parley p50 ${ms(p.p50)} p99 ${ms(p.p99)} | ` +
      `added p50 ${ms(result.turns.added.p50)} p99 ${ms(result.turns.added.p99)}`,
  );
  bench.log(`  median newest page: ${describe(result.page)}`);
  return result;
}
