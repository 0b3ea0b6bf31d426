import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { percentile, startParley } from './server.js';

/**
 * `npm run bench`: Parley's own cost on this machine. BENCH_QUICK=1 runs tiny sizes (used by the
 * test suite so the benchmark cannot rot). Results go to bench/results/latest.json.
 */
const quick = process.env.BENCH_QUICK === '1';

async function timeToFirstToken(url: string, samples: number): Promise<{ p50: number; p99: number }> {
  const timings: number[] = [];
  for (let i = 0; i < samples; i++) {
    // A fresh conversation per sample: the cost of a turn, not of an ever longer history.
    const conversation = (await (await fetch(`${url}/api/conversations`, { method: 'POST' })).json()) as {
      id: string;
    };
    const started = performance.now();
    const res = await fetch(`${url}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ content: `ttft sample ${i}` }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('"text-delta"')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended before the first token');
      text += decoder.decode(value, { stream: true });
    }
    timings.push(performance.now() - started);
    // Read to the end so runs do not pile up and skew later samples.
    while (!(await reader.read()).done) {}
  }
  return { p50: percentile(timings, 50), p99: percentile(timings, 99) };
}

async function turnThroughput(url: string, seconds: number, connections: number) {
  const result = await autocannon({
    url: `${url}/chat/message`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'How fast is Parley?' }),
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const { url, child } = await startParley();
  try {
    console.log('measuring time to first token (sequential, demo model, DEMO_DELAY_MS=0)...');
    const ttft = await timeToFirstToken(url, quick ? 5 : 200);
    console.log(`  TTFT through Parley: p50 ${ttft.p50.toFixed(2)} ms, p99 ${ttft.p99.toFixed(2)} ms`);
    console.log('measuring POST /chat/message throughput (64 connections)...');
    const turns = await turnThroughput(url, quick ? 1 : 10, quick ? 4 : 64);
    console.log(
      `  ${turns.requestsPerSecond.toFixed(0)} req/s, p50 ${turns.latencyP50Ms} ms, p99 ${turns.latencyP99Ms} ms, non-2xx ${turns.non2xx}, errors ${turns.errors}`,
    );
    const results = {
      date: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      },
      node: process.version,
      quick,
      timeToFirstTokenMs: ttft,
      chatMessageTurns: turns,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      `bench/results/${quick ? 'quick' : 'latest'}.json`,
      `${JSON.stringify(results, null, 2)}\n`,
    );
    if (turns.non2xx > 0 || turns.errors > 0) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
