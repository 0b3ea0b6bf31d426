import http from 'node:http';
import type { Bench } from '../lib/context.js';
import { json, pool, timeToFirst } from '../lib/http.js';
import { startParleyOnStub, startStub } from '../lib/stub.js';
import { LoadMeter, median, percentile } from '../server.js';

/**
 * 2. Time to first token added by Parley. A local OpenAI-compatible stub (real chat-completions SSE
 * framing) writes its first token as soon as the request arrives. Parley reaches it through
 * MODELS_FILE, so the real provider path runs: @ai-sdk/openai-compatible, resilience (timeouts,
 * retries, breaker), the run manager, the run log and SSE. The client measures time to the first
 * token calling the stub directly and through Parley (a fresh conversation per sample, so history
 * length plays no part), interleaved; added = Parley − direct, per percentile.
 */

export interface Percentiles {
  p50: number;
  p99: number;
}

export interface TtftMode {
  direct: Percentiles;
  parley: Percentiles;
  added: Percentiles;
  samples: number;
  /** CPU other processes on this shared machine used meanwhile (% of one core). */
  otherCpuPercent?: number;
}

export interface TtftResult {
  sequential: TtftMode & { runs: TtftMode[] };
  concurrent: TtftMode & { concurrency: number; runs: TtftMode[] };
}

const isDelta = (text: string) => text.includes('"type":"text-delta"');
const isStubToken = (text: string) => text.includes('"content":"');

function mode(direct: number[], parley: number[]): TtftMode {
  const d = { p50: percentile(direct, 50), p99: percentile(direct, 99) };
  const p = { p50: percentile(parley, 50), p99: percentile(parley, 99) };
  return { direct: d, parley: p, added: { p50: p.p50 - d.p50, p99: p.p99 - d.p99 }, samples: parley.length };
}

function medianMode(runs: TtftMode[]): TtftMode {
  const pick = (get: (run: TtftMode) => number) => median(runs.map(get));
  return {
    direct: { p50: pick((r) => r.direct.p50), p99: pick((r) => r.direct.p99) },
    parley: { p50: pick((r) => r.parley.p50), p99: pick((r) => r.parley.p99) },
    added: { p50: pick((r) => r.added.p50), p99: pick((r) => r.added.p99) },
    samples: runs[0]?.samples ?? 0,
  };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const describe = (m: TtftMode) =>
  `direct p50 ${ms(m.direct.p50)} p99 ${ms(m.direct.p99)} | Parley p50 ${ms(m.parley.p50)} p99 ${ms(m.parley.p99)} | ` +
  `added p50 ${ms(m.added.p50)} p99 ${ms(m.added.p99)}` +
  (m.otherCpuPercent !== undefined ? ` [others: ${m.otherCpuPercent.toFixed(0)}% CPU]` : '');

export async function timeToFirstToken(bench: Bench): Promise<TtftResult> {
  const sequentialSamples = bench.quick ? 10 : 500;
  const concurrency = bench.quick ? 4 : 32;
  const perWorker = bench.quick ? 3 : 25;
  const warmup = bench.quick ? 3 : 50;
  bench.log(
    `\n## 2. Time to first token added by Parley (OpenAI-compatible stub; ${sequentialSamples} sequential, ` +
      `${concurrency} x ${perWorker} concurrent)`,
  );

  const stub = await startStub();
  const stubUrl = `${stub.url}/v1/chat/completions`;
  const directBody = (i: number) => ({
    model: 'echo',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: `ttft sample ${i}` }],
  });

  const sequentialRuns: TtftMode[] = [];
  const concurrentRuns: TtftMode[] = [];
  try {
    for (let rep = 1; rep <= bench.reps; rep++) {
      await bench.quiet();
      const parley = await startParleyOnStub(bench, 'ttft', `ttft-${rep}`, stub);
      // Separate keep-alive agents, so neither side waits for the other's sockets.
      const toStub = new http.Agent({ keepAlive: true, maxSockets: 64 });
      const toParley = new http.Agent({ keepAlive: true, maxSockets: 64 });
      try {
        const total = warmup + sequentialSamples + concurrency * perWorker;
        const conversations: string[] = [];
        await pool(total, 16, async () => {
          const res = await json<{ id: string }>(`${parley.url}/api/conversations`, {
            method: 'POST',
            body: {},
          });
          if (res.status !== 201) throw new Error(`creating a conversation: HTTP ${res.status}`);
          conversations.push(res.body.id);
        });
        let next = 0;
        const direct = (i: number) =>
          timeToFirst({
            url: stubUrl,
            method: 'POST',
            body: directBody(i),
            agent: toStub,
            found: isStubToken,
            drain: true,
          });
        const viaParley = (i: number) =>
          timeToFirst({
            url: `${parley.url}/api/conversations/${conversations[next++]}/messages`,
            method: 'POST',
            headers: { accept: 'text/event-stream' },
            body: { content: `ttft sample ${i}` },
            agent: toParley,
            found: isDelta,
            drain: true,
          });

        for (let i = 0; i < warmup; i++) {
          await direct(i);
          await viaParley(i);
        }
        let meter = new LoadMeter([parley.pid, stub.pid]);
        const seqDirect: number[] = [];
        const seqParley: number[] = [];
        for (let i = 0; i < sequentialSamples; i++) {
          seqDirect.push(await direct(i));
          seqParley.push(await viaParley(i));
        }
        const sequential = { ...mode(seqDirect, seqParley), otherCpuPercent: meter.otherPercent() };
        sequentialRuns.push(sequential);
        bench.log(`  run ${rep}/${bench.reps} sequential:    ${describe(sequential)}`);

        meter = new LoadMeter([parley.pid, stub.pid]);
        const concDirect: number[] = [];
        const concParley: number[] = [];
        await pool(concurrency * perWorker, concurrency, async (i) => {
          concDirect.push(await direct(i));
        });
        await pool(concurrency * perWorker, concurrency, async (i) => {
          concParley.push(await viaParley(i));
        });
        const concurrent = { ...mode(concDirect, concParley), otherCpuPercent: meter.otherPercent() };
        concurrentRuns.push(concurrent);
        bench.log(`  run ${rep}/${bench.reps} ${concurrency} concurrent: ${describe(concurrent)}`);
      } finally {
        toStub.destroy();
        toParley.destroy();
        await bench.stopParley(parley);
      }
    }
  } finally {
    await stub.stop('SIGKILL');
  }
  const result: TtftResult = {
    sequential: { ...medianMode(sequentialRuns), runs: sequentialRuns },
    concurrent: { ...medianMode(concurrentRuns), concurrency, runs: concurrentRuns },
  };
  bench.log(`  median sequential:    ${describe(result.sequential)}`);
  bench.log(`  median ${concurrency} concurrent: ${describe(result.concurrent)}`);
  return result;
}
