import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Bench } from '../lib/context.js';
import { json, streamTurn } from '../lib/http.js';
import { median, percentile, sampleProc } from '../server.js';

/**
 * 11. A turn with one tool step, against a plain turn on the same server. The demo model, asked
 * `use everything/echo with {...}`, calls the echo tool of the reference MCP server
 * (@modelcontextprotocol/server-everything over stdio, MCP_FILE, no approval), reads its result and
 * answers with it: two model steps and one tool call, as a turn with a real model would have. The
 * plain turn is the demo model's usual reply. Sequential turns, one conversation each kind; figures:
 * the whole turn's latency and the server's CPU per turn (the MCP server's own CPU is not counted).
 * No target: issue 20 asks for the figure.
 */

export interface ToolStepKind {
  turns: number;
  turnP50Ms: number;
  turnP99Ms: number;
  cpuMsPerTurn: number;
  deltasPerTurn: number;
}

export interface ToolStepRun {
  plain: ToolStepKind;
  tool: ToolStepKind;
}

export interface ToolStepResult {
  plain: ToolStepKind;
  tool: ToolStepKind;
  runs: ToolStepRun[];
}

const TOOL_ID = 'everything/echo';

const everythingServer = () =>
  path.join(
    path.dirname(
      createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json'),
    ),
    'dist/index.js',
  );

export async function toolStep(bench: Bench): Promise<ToolStepResult> {
  const turns = bench.quick ? 5 : 200;
  const warmup = bench.quick ? 2 : 20;
  bench.log(
    `\n## 11. A turn with one tool step (MCP echo over stdio) and a plain turn, ${turns} sequential each`,
  );
  const runs: ToolStepRun[] = [];
  for (let rep = 1; rep <= bench.reps; rep++) {
    await bench.quiet();
    const dir = bench.dir('toolstep');
    const mcpFile = path.join(dir, 'mcp.json');
    writeFileSync(
      mcpFile,
      JSON.stringify({
        servers: [
          {
            name: 'everything',
            transport: 'stdio',
            command: process.execPath,
            args: [everythingServer(), 'stdio'],
            tools: ['echo'],
            requireApproval: 'none',
          },
        ],
      }),
    );
    const parley = await bench.parley(`toolstep-${rep}`, {
      cwd: dir,
      dbFile: path.join(dir, 'parley.db'),
      env: { MCP_FILE: mcpFile },
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    try {
      await waitForTool(parley.url);
      const conversation = async (tools: string[]) => {
        const res = await json<{ id: string }>(`${parley.url}/api/conversations`, {
          method: 'POST',
          body: { tools },
        });
        if (res.status !== 201) throw new Error(`creating a conversation: HTTP ${res.status}`);
        return res.body.id;
      };
      const plainId = await conversation([]);
      const toolId = await conversation([TOOL_ID]);
      const measure = async (id: string, content: (i: number) => string): Promise<ToolStepKind> => {
        const url = `${parley.url}/api/conversations/${id}/messages`;
        for (let i = 0; i < warmup; i++) await streamTurn(url, { content: content(i) }, agent);
        const totals: number[] = [];
        let deltas = 0;
        const before = sampleProc(parley.pid);
        for (let i = 0; i < turns; i++) {
          const turn = await streamTurn(url, { content: content(i) }, agent);
          totals.push(turn.totalMs);
          deltas += turn.deltas;
        }
        const after = sampleProc(parley.pid);
        return {
          turns,
          turnP50Ms: percentile(totals, 50),
          turnP99Ms: percentile(totals, 99),
          cpuMsPerTurn: (after.cpuMs - before.cpuMs) / turns,
          deltasPerTurn: deltas / turns,
        };
      };
      const plain = await measure(plainId, (i) => `plain turn ${i}`);
      const tool = await measure(toolId, (i) => `use ${TOOL_ID} with {"message": "tool turn ${i}"}`);
      await requireToolRan(parley.url, toolId);
      runs.push({ plain, tool });
      bench.log(`  run ${rep}/${bench.reps}: plain ${describe(plain)}; with a tool step ${describe(tool)}`);
    } finally {
      agent.destroy();
      await bench.stopParley(parley);
    }
  }
  const pick = (kind: 'plain' | 'tool'): ToolStepKind => {
    const of = (get: (k: ToolStepKind) => number) => median(runs.map((run) => get(run[kind])));
    return {
      turns,
      turnP50Ms: of((k) => k.turnP50Ms),
      turnP99Ms: of((k) => k.turnP99Ms),
      cpuMsPerTurn: of((k) => k.cpuMsPerTurn),
      deltasPerTurn: of((k) => k.deltasPerTurn),
    };
  };
  const result = { plain: pick('plain'), tool: pick('tool'), runs };
  bench.log(`  median: plain ${describe(result.plain)}; with a tool step ${describe(result.tool)}`);
  return result;
}

const describe = (k: ToolStepKind) =>
  `turn p50 ${k.turnP50Ms.toFixed(1)} ms p99 ${k.turnP99Ms.toFixed(1)} ms, ${k.cpuMsPerTurn.toFixed(2)} ms CPU/turn, ` +
  `${k.deltasPerTurn.toFixed(0)} text deltas`;

/** The MCP server connects in the background after start: wait until it is ready with its tool. */
async function waitForTool(base: string): Promise<void> {
  type Tools = { servers?: { state: string; tools: { id: string }[] }[] };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await json<Tools>(`${base}/api/tools`);
    const ready = res.body.servers?.some(
      (server) => server.state === 'ready' && server.tools.some((tool) => tool.id === TOOL_ID),
    );
    if (res.status === 200 && ready) return;
    if (Date.now() > deadline)
      throw new Error(`${TOOL_ID} was not offered within 60 s: ${JSON.stringify(res.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The measured turns must really have called the tool: the newest reply holds its output. */
async function requireToolRan(base: string, conversationId: string): Promise<void> {
  const res = await json<{ items: { role: string; parts?: { type: string; state?: string }[] }[] }>(
    `${base}/api/conversations/${conversationId}/messages?limit=1`,
  );
  const reply = res.body.items?.at(-1);
  const called = reply?.parts?.some(
    (part) => part.type === 'dynamic-tool' && part.state === 'output-available',
  );
  if (!called)
    throw new Error(`the tool turns did not call ${TOOL_ID}: ${JSON.stringify(reply).slice(0, 400)}`);
}
