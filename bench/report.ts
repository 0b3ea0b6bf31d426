import type { AttachmentsResult } from './sections/attachments.js';
import type { ColdStartResult } from './sections/cold-start.js';
import type { HistoryResult } from './sections/history.js';
import type { LogLinesResult } from './sections/log-lines.js';
import type { OpenLoopResult } from './sections/open-loop.js';
import type { ProviderResult } from './sections/provider.js';
import type { ResumeResult } from './sections/resume.js';
import type { StreamsResult } from './sections/streams.js';
import type { LoadFigures, ThroughputResult } from './sections/throughput.js';
import type { ToolStepResult } from './sections/tool-step.js';
import type { TtftResult } from './sections/ttft.js';

/** The targets (#9), checked against a run's results, and the Markdown table of them. */

/** ", server N µs CPU/request" when the run measured the server's own CPU. */
function serverCpu(f: LoadFigures): string {
  return f.serverCpuUsPerRequest === undefined
    ? ''
    : `, server ${f.serverCpuUsPerRequest.toFixed(0)} µs CPU/request`;
}

export interface Results {
  date: string;
  command: string;
  quick: boolean;
  reps: number;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; kernel: string };
  settings: Record<string, string>;
  sectionSeconds: Record<string, number>;
  turnThroughput?: ThroughputResult;
  timeToFirstToken?: TtftResult;
  streams?: StreamsResult;
  history?: HistoryResult;
  resume?: ResumeResult;
  coldStart?: ColdStartResult;
  attachments?: AttachmentsResult;
  logLines?: LogLinesResult;
  providerPath?: ProviderResult;
  openLoop?: OpenLoopResult;
  toolStep?: ToolStepResult;
}

export interface Row {
  figure: string;
  value: string;
  target: string;
  /** undefined: a figure without a target (shown for context). */
  met?: boolean;
}

const msText = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined || Number.isNaN(value) ? 'n/a' : `${value.toFixed(digits)} ms`;

export function rows(results: Results): Row[] {
  const out: Row[] = [];
  const t = results.turnThroughput;
  if (t) {
    const load = (f: LoadFigures) =>
      `${f.requestsPerSecond.toFixed(0)} req/s (p50 ${f.latencyP50Ms} ms, p99 ${f.latencyP99Ms} ms)${serverCpu(f)}`;
    out.push({
      figure: `Turn throughput, Parley (${t.connections} connections)`,
      value: load(t.parley),
      target: '',
    });
    if ('requestsPerSecond' in t.flask) {
      out.push({ figure: 'Turn throughput, Flask peer', value: load(t.flask), target: '' });
    }
    out.push({ figure: 'Turn throughput, bare Node peer', value: load(t.bare), target: '' });
    out.push({
      figure: 'Parley / Flask',
      value: t.parleyToFlask === null ? 'n/a (Flask unavailable)' : `${t.parleyToFlask.toFixed(2)}×`,
      target: '≥ 10×',
      met: t.parleyToFlask === null ? undefined : t.parleyToFlask >= 10,
    });
    out.push({
      figure: 'Parley / bare Node',
      value: `${(100 * t.parleyToBare).toFixed(1)}%`,
      target: '≥ 50%',
      met: t.parleyToBare >= 0.5,
    });
  }
  const f = results.timeToFirstToken;
  if (f) {
    out.push({
      figure: 'TTFT direct / through Parley, sequential, p50',
      value: `${msText(f.sequential.direct.p50)} / ${msText(f.sequential.parley.p50)}`,
      target: '',
    });
    out.push({
      figure: 'Added TTFT, sequential, p50',
      value: msText(f.sequential.added.p50),
      target: '≤ 1 ms',
      met: f.sequential.added.p50 <= 1,
    });
    out.push({
      figure: 'Added TTFT, sequential, p99',
      value: msText(f.sequential.added.p99),
      target: '≤ 3 ms',
      met: f.sequential.added.p99 <= 3,
    });
    out.push({
      figure: `Added TTFT, ${f.concurrent.concurrency} concurrent, p50`,
      value: msText(f.concurrent.added.p50),
      target: '',
    });
    out.push({
      figure: `Added TTFT, ${f.concurrent.concurrency} concurrent, p99`,
      value: msText(f.concurrent.added.p99),
      target: '≤ 10 ms',
      met: f.concurrent.added.p99 <= 10,
    });
  }
  const s = results.streams;
  if (s) {
    const largest = Math.max(...s.levels.map((level) => level.streams));
    for (const level of s.levels) {
      const n = level.streams.toLocaleString('en-US');
      const targeted = level.streams === largest;
      if (level.runs.length === 0) {
        out.push({
          figure: `${n} streams`,
          value: `not run: ${level.note}`,
          target: targeted ? 'all met' : '',
          met: targeted ? false : undefined,
        });
        continue;
      }
      const note = level.note ? ` (${level.note})` : '';
      out.push({
        figure: `${n} streams at 2 tokens/s: errors`,
        value: `${level.errors}${note}`,
        target: targeted ? '0' : '',
        met: targeted ? level.errors === 0 : undefined,
      });
      out.push({
        figure: `${n} streams: p99 token lag`,
        value: msText(level.lagP99Ms, 0),
        target: targeted ? '≤ 100 ms' : '',
        met: targeted ? level.lagP99Ms !== null && level.lagP99Ms <= 100 : undefined,
      });
      out.push({
        figure: `${n} streams: server RSS (peak)`,
        value: `${level.rssMiB.toFixed(0)} MiB (${level.peakRssMiB.toFixed(0)} MiB), ${level.rssPerStreamKiB.toFixed(0)} KiB/stream`,
        target: targeted ? '≤ 1 GiB' : '',
        met: targeted ? level.peakRssMiB <= 1024 : undefined,
      });
      out.push({
        figure: `${n} streams: server CPU, time to open all`,
        value: `${level.serverCpuPercent.toFixed(0)}% of a core, ${level.rampSeconds.toFixed(1)} s`,
        target: '',
      });
    }
    out.push({
      figure: `Highest aggregate tokens/s, ${s.rate.streams.toLocaleString('en-US')} streams (p99 lag ≤ 100 ms)`,
      value:
        s.rate.sustainedTokensPerSecond === null
          ? `none sustained (peak delivered ${s.rate.peakTokensPerSecond.toFixed(0)})`
          : `${s.rate.sustainedTokensPerSecond.toFixed(0)} tokens/s at DEMO_DELAY_MS=${s.rate.sustainedDelayMs} (peak delivered ${s.rate.peakTokensPerSecond.toFixed(0)})`,
      target: '',
    });
  }
  const h = results.history;
  if (h) {
    const n = h.messages.toLocaleString('en-US');
    out.push({
      figure: `Newest page (50) of ${n} messages, ${h.connections} connections`,
      value: `${h.newestPage.requestsPerSecond.toFixed(0)} req/s (p50 ${h.newestPage.latencyP50Ms} ms, p99 ${h.newestPage.latencyP99Ms} ms)${serverCpu(h.newestPage)}`,
      target: '≥ 5,000 req/s',
      met: h.newestPage.requestsPerSecond >= 5_000 && h.newestPage.non2xx === 0,
    });
    out.push({
      figure: `/chat/history (100) of ${n} messages, ${h.connections} connections`,
      value: `${h.chatHistory.requestsPerSecond.toFixed(0)} req/s (p50 ${h.chatHistory.latencyP50Ms} ms, p99 ${h.chatHistory.latencyP99Ms} ms)${serverCpu(h.chatHistory)}`,
      target: '',
    });
  }
  const r = results.resume;
  if (r) {
    out.push({
      figure: 'Resume, single instance',
      value: `p50 ${msText(r.singleInstance.p50)}, p99 ${msText(r.singleInstance.p99)}`,
      target: 'p99 ≤ 10 ms',
      met: r.singleInstance.p99 <= 10,
    });
    if ('p99' in r.crossInstance) {
      out.push({
        figure: 'Resume, across instances (Redis + PostgreSQL)',
        value: `p50 ${msText(r.crossInstance.p50)}, p99 ${msText(r.crossInstance.p99)}`,
        target: 'p99 ≤ 25 ms',
        met: r.crossInstance.p99 <= 25,
      });
    } else {
      out.push({
        figure: 'Resume, across instances',
        value: `skipped: ${r.crossInstance.skipped}`,
        target: 'p99 ≤ 25 ms',
      });
    }
    if ('p99' in r.sameInstanceRedis) {
      out.push({
        figure: 'Resume, same instance with Redis + PostgreSQL',
        value: `p50 ${msText(r.sameInstanceRedis.p50)}, p99 ${msText(r.sameInstanceRedis.p99)}`,
        target: '',
      });
    }
  }
  const c = results.coldStart;
  if (c) {
    out.push({
      figure: 'Cold start to ready',
      value: `${c.readyMs.toFixed(0)} ms`,
      target: '≤ 1 s',
      met: c.readyMs <= 1000,
    });
    const mb = (c.idleRssMiB * 2 ** 20) / 1e6;
    out.push({
      figure: 'Idle RSS after start',
      value: `${mb.toFixed(0)} MB (${c.idleRssMiB.toFixed(0)} MiB)`,
      target: '≤ 120 MB',
      met: mb <= 120,
    });
  }
  const a = results.attachments;
  if (a) {
    for (const [kind, label] of [
      ['image', 'photo-like PNG'],
      ['text', 'text document'],
    ] as const) {
      const r = a[kind];
      out.push({
        figure: `Upload of a ${(r.bytes / 2 ** 20).toFixed(0)} MB ${label}, then two turns`,
        value: `upload ${r.uploadMs.toFixed(0)} ms, first turn ${r.firstTurnMs.toFixed(0)} ms, next turn ${r.nextTurnMs.toFixed(0)} ms`,
        target: '',
      });
    }
  }
  const l = results.logLines;
  if (l) {
    const us = (value: number) => (Number.isNaN(value) ? 'n/a' : `${value.toFixed(1)} µs`);
    const cpu = l.cpuUsPerLine;
    out.push({
      figure: 'Main-thread CPU per log line: stdout only / in-process Splunk shipper (before)',
      value: `${us(cpu.stdout)} / ${us(cpu['in-process'])}`,
      target: '',
    });
    const added = cpu.worker - cpu.stdout;
    out.push({
      figure: 'Main-thread CPU per log line: Splunk worker transport (added to stdout only)',
      value: `${us(cpu.worker)} (+${us(added)})`,
      target: '≤ +10 µs',
      met: Number.isNaN(added) ? undefined : added <= 10,
    });
  }
  const p = results.providerPath;
  if (p) {
    const load = `${p.replyTokens}-token turns, ${p.clients} clients`;
    out.push({
      figure: `Provider path: server CPU per turn (${load})`,
      value: `${msText(p.cpuMsPerTurn)} (${p.turnsPerSecond.toFixed(0)} turns/s, ${p.errors} errors)`,
      target: '≤ 3 ms',
      met: p.cpuMsPerTurn <= 3 && p.errors === 0,
    });
    out.push({
      figure: 'Provider path: server CPU per delivered token',
      value: `${p.cpuUsPerToken.toFixed(1)} µs`,
      target: '≤ 50 µs',
      met: p.cpuUsPerToken <= 50,
    });
    out.push({
      figure: 'Provider path under that load: first token p50 / p99, whole turn p50',
      value: `${msText(p.firstTokenP50Ms, 1)} / ${msText(p.firstTokenP99Ms, 1)}, ${msText(p.turnP50Ms, 1)}`,
      target: '',
    });
  }
  const o = results.openLoop;
  if (o) {
    out.push({
      figure: `Added TTFT at an open-loop ${o.turns.rate} turns/s, p50 / p99`,
      value: `${msText(o.turns.added.p50)} / ${msText(o.turns.added.p99)} (${o.turns.parley.errors} errors)`,
      target: 'p99 ≤ 10 ms',
      met: o.turns.added.p99 <= 10 && o.turns.parley.errors === 0,
    });
    out.push({
      figure: `Newest page (50) of ${o.page.messages.toLocaleString('en-US')} messages at an open-loop ${o.page.rate.toLocaleString('en-US')} req/s, p50 / p99`,
      value: `${msText(o.page.p50)} / ${msText(o.page.p99)} (${o.page.errors} errors)`,
      target: 'p99 ≤ 5 ms',
      met: o.page.p99 <= 5 && o.page.errors === 0,
    });
  }
  const steps = results.toolStep;
  if (steps) {
    const kind = (k: ToolStepResult['plain']) =>
      `p50 ${msText(k.turnP50Ms, 1)}, p99 ${msText(k.turnP99Ms, 1)}, ${msText(k.cpuMsPerTurn)} of server CPU ` +
      `(${k.deltasPerTurn.toFixed(0)} text deltas)`;
    out.push({ figure: 'A plain demo turn, sequential: whole turn', value: kind(steps.plain), target: '' });
    out.push({
      figure: 'A demo turn with one MCP tool step (stdio echo), sequential: whole turn',
      value: kind(steps.tool),
      target: '',
    });
  }
  return out;
}

export function markdown(results: Results): string {
  const m = results.machine;
  const lines = [
    `Run ${results.date.slice(0, 10)} (${results.date}), \`${results.command}\`${results.quick ? ' (quick sizes)' : ''}: ` +
      `${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, Node ${m.node}, Linux ${m.kernel}. ` +
      `Each figure is the median of ${results.reps} run${results.reps === 1 ? '' : 's'}; the load generators ran on the same machine.`,
    '',
    '| figure | value | target | met |',
    '| --- | --- | --- | --- |',
  ];
  for (const row of rows(results)) {
    const met = row.met === undefined ? '' : row.met ? 'yes' : '**no**';
    lines.push(`| ${row.figure} | ${row.value.replace(/\|/g, '\\|')} | ${row.target} | ${met} |`);
  }
  return `${lines.join('\n')}\n`;
}
