import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Bench } from '../lib/context.js';
import { json, timeToFirst } from '../lib/http.js';
import { median, type Proc, percentile } from '../server.js';

/**
 * 5. Resume. Runs of the demo model stream at 2 tokens/s (DEMO_DELAY_MS=500); a client reconnects to
 * `GET /api/conversations/:id/stream` with `Last-Event-ID: 4` on a fresh connection (as a browser
 * does after a drop) and the time to the first resumed event (id 5, already in the run log) is
 * measured on the client. Single instance: SQLite and the in-memory run log. Across instances: two
 * Parleys on PostgreSQL + Redis; the runs start on A and are resumed on B (and, for comparison, on A).
 */

export interface ResumeFigures {
  p50: number;
  p99: number;
  samples: number;
  runs: { p50: number; p99: number }[];
}

export interface ResumeResult {
  singleInstance: ResumeFigures;
  crossInstance: ResumeFigures | { skipped: string };
  sameInstanceRedis: ResumeFigures | { skipped: string };
}

const RESUME_AFTER = 4;
const resumed = (text: string) =>
  new RegExp(`(?:^|\\n)id: ${RESUME_AFTER + 1}\\ndata: [^\\n]*\\n\\n`).test(text);

/** Start a long demo run in each of `count` new conversations on `url`; returns the conversation ids. */
async function startRuns(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const conversation = await json<{ id: string }>(`${url}/api/conversations`, { method: 'POST', body: {} });
    const run = await json(`${url}/api/conversations/${conversation.body.id}/messages`, {
      method: 'POST',
      body: { content: `resume benchmark ${i}` },
    });
    if (run.status !== 202) throw new Error(`starting a run: HTTP ${run.status}`);
    ids.push(conversation.body.id);
  }
  // Let each run's log hold more than RESUME_AFTER events: start, ids, start-step, text-start, then
  // the first token (sent at once), a token every 500 ms after it.
  await new Promise((resolve) => setTimeout(resolve, 700));
  return ids;
}

async function sample(
  url: string,
  conversations: string[],
  count: number,
): Promise<{ p50: number; p99: number }> {
  const timings: number[] = [];
  for (let i = 0; i < count; i++) {
    timings.push(
      await timeToFirst({
        url: `${url}/api/conversations/${conversations[i % conversations.length]}/stream`,
        headers: { accept: 'text/event-stream', 'last-event-id': String(RESUME_AFTER) },
        agent: false,
        found: resumed,
        drain: false,
      }),
    );
  }
  return { p50: percentile(timings, 50), p99: percentile(timings, 99) };
}

function figures(runs: { p50: number; p99: number }[], samples: number): ResumeFigures {
  return {
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    samples,
    runs,
  };
}

const show = (f: { p50: number; p99: number }) => `p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms`;

export async function resume(bench: Bench): Promise<ResumeResult> {
  const samples = bench.quick ? 10 : 300;
  const warmup = bench.quick ? 2 : 30;
  bench.log(`\n## 5. Resume with Last-Event-ID (${samples} sequential reconnects per run)`);

  const dir = bench.dir('resume');
  const single = await bench.parley('resume-single', {
    cwd: dir,
    dbFile: path.join(dir, 'parley.db'),
    env: { DEMO_DELAY_MS: '500' },
  });
  const singleRuns: { p50: number; p99: number }[] = [];
  try {
    for (let rep = 1; rep <= bench.reps; rep++) {
      await bench.quiet();
      // Fresh runs each time: a demo reply lasts about two minutes at 2 tokens/s.
      const conversations = await startRuns(single.url, 4);
      await sample(single.url, conversations, warmup);
      const run = await sample(single.url, conversations, samples);
      singleRuns.push(run);
      bench.log(`  run ${rep}/${bench.reps} single instance (SQLite, memory run log): ${show(run)}`);
    }
  } finally {
    await bench.stopParley(single);
  }
  const singleInstance = figures(singleRuns, samples);
  bench.log(`  median single instance: ${show(singleInstance)}`);

  const pgUrl = process.env.BENCH_POSTGRES_URL ?? process.env.DATABASE_TEST_URL;
  const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_TEST_URL;
  if (!pgUrl || !redisUrl) {
    const skipped = 'set BENCH_POSTGRES_URL and BENCH_REDIS_URL to measure resume across two instances';
    bench.log(`  across instances: skipped (${skipped})`);
    return { singleInstance, crossInstance: { skipped }, sameInstanceRedis: { skipped } };
  }

  const suffix = randomBytes(4).toString('hex');
  const database = `parley_bench_${suffix}`;
  const prefix = `parley-bench-${suffix}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  const dbUrl = new URL(pgUrl);
  dbUrl.pathname = `/${database}`;
  const env = {
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    DEMO_DELAY_MS: '500',
  };
  const procs: Proc[] = [];
  const crossRuns: { p50: number; p99: number }[] = [];
  const sameRuns: { p50: number; p99: number }[] = [];
  try {
    // One after the other, so the second finds the schema already migrated.
    const a = await bench.parley('resume-a', { cwd: bench.dir('resume-a'), env });
    procs.push(a);
    const b = await bench.parley('resume-b', { cwd: bench.dir('resume-b'), env });
    procs.push(b);
    for (let rep = 1; rep <= bench.reps; rep++) {
      await bench.quiet();
      const conversations = await startRuns(a.url, 4);
      await sample(b.url, conversations, warmup);
      await sample(a.url, conversations, warmup);
      const cross = await sample(b.url, conversations, samples);
      crossRuns.push(cross);
      const same = await sample(a.url, conversations, samples);
      sameRuns.push(same);
      bench.log(
        `  run ${rep}/${bench.reps} across instances (run on A, resumed on B): ${show(cross)}; ` +
          `same instance with Redis + PostgreSQL: ${show(same)}`,
      );
    }
  } finally {
    for (const proc of procs) await bench.stopParley(proc);
    const cleanup = new pg.Client({ connectionString: pgUrl });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${database} with (force)`);
    await cleanup.end();
    const redis = new Redis(redisUrl);
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}:*`, count: 1000 }))
      keys.push(...(batch as string[]));
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  const crossInstance = figures(crossRuns, samples);
  const sameInstanceRedis = figures(sameRuns, samples);
  bench.log(
    `  median across instances: ${show(crossInstance)}; same instance (Redis): ${show(sameInstanceRedis)}`,
  );
  return { singleInstance, crossInstance, sameInstanceRedis };
}
