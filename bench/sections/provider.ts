import http from 'node:http';
import type { Bench } from '../lib/context.js';
import { json, pool, streamTurn } from '../lib/http.js';
import { startParleyOnStub, startStub } from '../lib/stub.js';
import { LoadMeter, median, percentile, sampleProc } from '../server.js';

/**
 * 9. The provider path under load: what a turn costs Parley's process when the model is a real
 * OpenAI-compatible server, not the demo model. The stub (bench/peers/openai-stub.mjs) streams a
 * 60-token reply with chat-completions SSE framing; Parley reaches it through MODELS_FILE, so every
 * layer runs: the AI SDK's HTTP client and SSE parser, chunk validation, resilience, the run
 * manager, the run log, storage and SSE out. 64 clients post turns back to back, each in its own
 * conversation, and read each stream to its end. Figures: the server's
 * CPU (user + system, /proc) per turn and per delivered token, turns/s, and time to first token and
 * to the end under that load.
 */

export interface ProviderRun {
  turns: number;
  tokens: number;
  errors: number;
  turnsPerSecond: number;
  cpuMsPerTurn: number;
  cpuUsPerToken: number;
  /** The stub's own CPU per turn: what the upstream costs, for comparison. */
  stubCpuMsPerTurn: number;
  firstTokenP50Ms: number;
  firstTokenP99Ms: number;
  turnP50Ms: number;
  otherCpuPercent: number;
}

export interface ProviderResult extends Omit<ProviderRun, 'otherCpuPercent'> {
  clients: number;
  replyTokens: number;
  runs: ProviderRun[];
}

const REPLY_TOKENS = 60;

const describe = (r: ProviderRun | ProviderResult) =>
  `${r.cpuMsPerTurn.toFixed(2)} ms CPU/turn, ${r.cpuUsPerToken.toFixed(1)} µs/token, ` +
  `${r.turnsPerSecond.toFixed(0)} turns/s, first token p50 ${r.firstTokenP50Ms.toFixed(1)} ms ` +
  `p99 ${r.firstTokenP99Ms.toFixed(1)} ms, turn p50 ${r.turnP50Ms.toFixed(1)} ms, ` +
  `${r.errors} errors (stub ${r.stubCpuMsPerTurn.toFixed(2)} ms/turn)` +
  ('otherCpuPercent' in r ? ` [others: ${r.otherCpuPercent.toFixed(0)}% CPU]` : '');

export async function providerPath(bench: Bench): Promise<ProviderResult> {
  const clients = bench.quick ? 8 : 64;
  const turnsPerClient = bench.quick ? 3 : 20;
  const warmupTurns = 2; // per client
  const measured = clients * turnsPerClient;
  bench.log(
    `\n## 9. Provider path (OpenAI-compatible stub, ${REPLY_TOKENS}-token replies; ${clients} clients, ` +
      `${measured} turns after ${warmupTurns} warm-up turns each)`,
  );
  const stub = await startStub(REPLY_TOKENS);
  const runs: ProviderRun[] = [];
  try {
    for (let rep = 1; rep <= bench.reps; rep++) {
      await bench.quiet();
      const parley = await startParleyOnStub(bench, 'provider', `provider-${rep}`, stub);
      const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
      try {
        // One conversation per client, as people chat: its history grows turn by turn.
        const conversations: string[] = [];
        await pool(clients, 16, async () => {
          const res = await json<{ id: string }>(`${parley.url}/api/conversations`, {
            method: 'POST',
            body: {},
          });
          if (res.status !== 201) throw new Error(`creating a conversation: HTTP ${res.status}`);
          conversations.push(res.body.id);
        });
        let errors = 0;
        const first: number[] = [];
        const total: number[] = [];
        let tokens = 0;
        const turns = async (count: number, measure: boolean) =>
          Promise.all(
            conversations.map(async (id, lane) => {
              for (let k = 0; k < count; k++) {
                const result = await streamTurn(
                  `${parley.url}/api/conversations/${id}/messages`,
                  { content: `provider turn ${k} of client ${lane}` },
                  agent,
                ).catch(() => undefined);
                if (!measure) continue;
                if (result?.deltas !== REPLY_TOKENS) errors++;
                if (!result) continue;
                tokens += result.deltas;
                first.push(result.firstMs);
                total.push(result.totalMs);
              }
            }),
          );
        // The first turn of a conversation also has its title written: left out of the figures.
        await turns(warmupTurns, false);

        const meter = new LoadMeter([parley.pid, stub.pid]);
        const before = sampleProc(parley.pid);
        const stubBefore = sampleProc(stub.pid);
        await turns(turnsPerClient, true);
        const after = sampleProc(parley.pid);
        const stubAfter = sampleProc(stub.pid);
        const cpuMs = after.cpuMs - before.cpuMs;
        const run: ProviderRun = {
          turns: measured,
          tokens,
          errors,
          turnsPerSecond: (1000 * measured) / (after.at - before.at),
          cpuMsPerTurn: cpuMs / measured,
          cpuUsPerToken: (1000 * cpuMs) / Math.max(1, tokens),
          stubCpuMsPerTurn: (stubAfter.cpuMs - stubBefore.cpuMs) / measured,
          firstTokenP50Ms: percentile(first, 50),
          firstTokenP99Ms: percentile(first, 99),
          turnP50Ms: percentile(total, 50),
          otherCpuPercent: meter.otherPercent(),
        };
        runs.push(run);
        bench.log(`  run ${rep}/${bench.reps}: ${describe(run)}`);
      } finally {
        agent.destroy();
        await bench.stopParley(parley);
      }
    }
  } finally {
    await stub.stop('SIGKILL');
  }
  const pick = (get: (run: ProviderRun) => number) => median(runs.map(get));
  const result: ProviderResult = {
    clients,
    replyTokens: REPLY_TOKENS,
    turns: measured,
    tokens: pick((r) => r.tokens),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    turnsPerSecond: pick((r) => r.turnsPerSecond),
    cpuMsPerTurn: pick((r) => r.cpuMsPerTurn),
    cpuUsPerToken: pick((r) => r.cpuUsPerToken),
    stubCpuMsPerTurn: pick((r) => r.stubCpuMsPerTurn),
    firstTokenP50Ms: pick((r) => r.firstTokenP50Ms),
    firstTokenP99Ms: pick((r) => r.firstTokenP99Ms),
    turnP50Ms: pick((r) => r.turnP50Ms),
    runs,
  };
  bench.log(`  median: ${describe(result)}`);
  return result;
}
