// Summarize a V8 .cpuprofile (from `node --cpu-prof`): self time by function, by file (a package
// under node_modules counts as one file), and total (inclusive) time of the hottest functions.
// Usage: node bench/cpuprofile-summary.mjs <file.cpuprofile> [--top N] [--json]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export function summarize(profile, topN = 25) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);

  const where = (frame) => {
    const url = frame.url.replace(/^file:\/\//, '');
    if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
    const nm = url.lastIndexOf('node_modules/');
    if (nm !== -1) {
      const parts = url.slice(nm + 'node_modules/'.length).split('/');
      return `npm:${parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
    }
    if (url.startsWith('node:')) return url;
    return path.relative(process.cwd(), url);
  };
  const label = (frame) =>
    `${frame.functionName || '(anonymous)'} ${where(frame)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;

  const byFunction = new Map();
  const byFile = new Map();
  const inclusive = new Map();
  for (const [id, ms] of self) {
    const frame = nodes.get(id).callFrame;
    byFunction.set(label(frame), (byFunction.get(label(frame)) ?? 0) + ms);
    byFile.set(where(frame), (byFile.get(where(frame)) ?? 0) + ms);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = label(nodes.get(at).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
    }
  }
  const rank = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), percent: Math.round((1000 * ms) / totalMs) / 10 }));
  const idle = self.size === 0 ? 0 : (byFunction.get('(idle) (idle)') ?? 0);
  return {
    totalMs: Math.round(totalMs),
    busyMs: Math.round(totalMs - idle),
    selfByFile: rank(byFile, topN),
    selfByFunction: rank(byFunction, topN),
    inclusive: rank(inclusive, topN * 2).filter((row) => !row.name.startsWith('(')),
    longTasks: longTasks(profile, 50, topN),
  };
}

/**
 * Long tasks: runs of consecutive busy samples (no idle in between) lasting at least `thresholdMs`.
 * They block the event loop (late tokens, slow responses). For each, the Parley function (dist/ or
 * src/) deepest on the stack of each sample says whose work it was.
 */
export function longTasks(profile, thresholdMs = 50, topN = 15) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const isIdle = (id) => nodes.get(id).callFrame.functionName === '(idle)';
  const owner = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = nodes.get(at).callFrame;
      if (/\/(dist|src)\/server\//.test(frame.url)) {
        const file = frame.url.replace(/^.*\/(dist|src)\/server\//, '');
        return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
      }
    }
    const frame = nodes.get(id).callFrame;
    return `(outside Parley) ${frame.functionName || '(anonymous)'}`;
  };
  const tasks = [];
  let current;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (isIdle(id)) {
      if (current) tasks.push(current);
      current = undefined;
      continue;
    }
    current ??= { ms: 0, owners: new Map() };
    current.ms += ms;
    const key = owner(id);
    current.owners.set(key, (current.owners.get(key) ?? 0) + ms);
  }
  if (current) tasks.push(current);
  const long = tasks.filter((task) => task.ms >= thresholdMs);
  const owners = new Map();
  for (const task of long) for (const [key, ms] of task.owners) owners.set(key, (owners.get(key) ?? 0) + ms);
  const total = long.reduce((sum, task) => sum + task.ms, 0);
  return {
    thresholdMs,
    count: long.length,
    totalMs: Math.round(total),
    longestMs: Math.round(Math.max(0, ...long.map((task) => task.ms))),
    owners: [...owners.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([name, ms]) => ({
        name,
        ms: Math.round(ms),
        percent: Math.round((1000 * ms) / (total || 1)) / 10,
      })),
  };
}

export function printSummary(summary, write = (text) => process.stdout.write(text)) {
  const print = (title, rows) => {
    write(`\n${title}\n`);
    for (const row of rows) {
      write(`${String(row.ms).padStart(8)} ms ${String(row.percent).padStart(5)}%  ${row.name}\n`);
    }
  };
  write(`${summary.totalMs} ms sampled, ${summary.busyMs} ms not idle\n`);
  print('self time by file (packages as one):', summary.selfByFile);
  print('self time by function:', summary.selfByFunction);
  print('total (inclusive) time:', summary.inclusive);
  if (summary.longTasks) {
    const t = summary.longTasks;
    write(
      `\nlong tasks (>= ${t.thresholdMs} ms busy without a break): ${t.count}, ${t.totalMs} ms in all, longest ${t.longestMs} ms; whose work (deepest Parley frame):\n`,
    );
    for (const row of t.owners)
      write(`${String(row.ms).padStart(8)} ms ${String(row.percent).padStart(5)}%  ${row.name}\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const file = args.find((arg) => !arg.startsWith('--'));
  if (!file) throw new Error('usage: cpuprofile-summary.mjs <file.cpuprofile> [--top N] [--json]');
  const top = Number(args[args.indexOf('--top') + 1]) || 25;
  const summary = summarize(JSON.parse(readFileSync(file, 'utf8')), top);
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    process.stdout.write(`profile ${file}: `);
    printSummary(summary);
  }
}
