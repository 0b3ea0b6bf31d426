import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Bench } from '../lib/context.js';
import { json } from '../lib/http.js';
import { ROOT } from '../server.js';
import { format, type LoadFigures, load, medianOf } from './throughput.js';

/**
 * 4. Long history. A default conversation of 10,000 messages (user question / demo reply pairs,
 * ~0.7 KB each on average) is written through Parley's own repositories before the server starts
 * (bench/setup-db.mjs). Then, at 32 connections: the newest page of its messages
 * (`GET /api/conversations/:id/messages?limit=50`) and the seed's `GET /chat/history` (the newest
 * MAX_MESSAGES = 100 of the default conversation).
 */

export interface HistoryResult {
  messages: number;
  connections: number;
  seconds: number;
  newestPage: LoadFigures & { runs: LoadFigures[] };
  chatHistory: LoadFigures & { runs: LoadFigures[] };
}

/**
 * A fresh directory whose SQLite database holds a default conversation of `messages` messages,
 * written through Parley's own repositories (bench/setup-db.mjs) before any server starts.
 */
export function longHistoryDb(bench: Bench, name: string, messages: number) {
  const dir = bench.dir(name);
  const dbFile = path.join(dir, 'parley.db');
  const setup = JSON.parse(
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'bench/setup-db.mjs'), dbFile, '--history', String(messages)],
      {
        encoding: 'utf8',
      },
    ),
  ) as { historyConversationId: string };
  return { dir, dbFile, conversationId: setup.historyConversationId };
}

export async function longHistory(bench: Bench): Promise<HistoryResult> {
  const messages = bench.quick ? 1_000 : 10_000;
  const connections = bench.quick ? 8 : 32;
  const seconds = bench.quick ? 1 : 8;
  bench.log(`\n## 4. Long history: ${messages} messages, ${connections} connections, ${seconds} s per run`);
  const { dir, dbFile, conversationId } = longHistoryDb(bench, 'history', messages);
  const setup = { historyConversationId: conversationId };
  const parley = await bench.parley('history', { cwd: dir, dbFile });
  const page: LoadFigures[] = [];
  const history: LoadFigures[] = [];
  try {
    const pageUrl = `${parley.url}/api/conversations/${setup.historyConversationId}/messages?limit=50`;
    const historyUrl = `${parley.url}/chat/history`;
    // The setup really produced what the figures claim to measure.
    const first = await json<{ items: unknown[]; nextCursor: string | null }>(pageUrl);
    const seed = await json<unknown[]>(historyUrl);
    if (first.body.items.length !== 50 || !first.body.nextCursor || seed.body.length !== 100) {
      throw new Error('the long-history conversation is not what the benchmark expects');
    }
    if (!bench.quick) {
      await load(pageUrl, { connections, seconds: 2 });
      await load(historyUrl, { connections, seconds: 2 });
    }
    for (let rep = 1; rep <= bench.reps; rep++) {
      await bench.quiet();
      const a = await load(pageUrl, { connections, seconds, pids: [parley.pid] });
      page.push(a);
      bench.log(`  run ${rep}/${bench.reps} newest page (50): ${format(a)}`);
      const b = await load(historyUrl, { connections, seconds, pids: [parley.pid] });
      history.push(b);
      bench.log(`  run ${rep}/${bench.reps} /chat/history (100): ${format(b)}`);
    }
  } finally {
    await bench.stopParley(parley);
  }
  const result: HistoryResult = {
    messages,
    connections,
    seconds,
    newestPage: medianOf(page),
    chatHistory: medianOf(history),
  };
  bench.log(`  median newest page: ${format(result.newestPage)}`);
  bench.log(`  median /chat/history: ${format(result.chatHistory)}`);
  return result;
}
