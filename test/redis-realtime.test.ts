import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRealtime, type Realtime } from '../src/server/realtime/realtime.js';
import type { RunEvent } from '../src/server/realtime/run-log.js';
import { redisTestUrl, uniquePrefix } from './helpers/redis.js';

// Two "instances" (two sets of Redis connections) in one process: what one writes, the other reads.

const url = redisTestUrl();
const logger = pino({ level: 'silent' });
const opened: Realtime[] = [];
afterEach(async () => {
  for (const realtime of opened.splice(0)) await realtime.close();
});

async function pair() {
  const config = { redisUrl: url, redisKeyPrefix: uniquePrefix(), streamCoalesceMs: 0 };
  const a = await createRealtime(config, logger);
  const b = await createRealtime(config, logger);
  opened.push(a, b);
  return { a, b };
}

async function collect(
  iterable: AsyncIterable<RunEvent[]>,
  limit = Number.POSITIVE_INFINITY,
): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const batch of iterable) {
    out.push(...batch);
    if (out.length >= limit) break;
  }
  return out.slice(0, limit);
}

const event = (seq: number, data = JSON.stringify({ type: 'text-delta', delta: `t${seq} ` })) => ({
  seq,
  data,
});

describe.skipIf(!url)('Redis run log, bus, control and counters', () => {
  it('another instance resumes a live run after Last-Event-ID: exactly the rest, in order', async () => {
    const { a, b } = await pair();
    a.runLog.open('run-1');
    for (let seq = 1; seq <= 5; seq++) a.runLog.append('run-1', event(seq));
    expect(await b.runLog.has('run-1')).toBe(true);
    const following = collect(b.runLog.follow('run-1', 3, new AbortController().signal));
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let seq = 6; seq <= 9; seq++) a.runLog.append('run-1', event(seq));
    a.runLog.append('run-1', { seq: 10, data: '[DONE]' });
    a.runLog.end('run-1');
    const got = await following;
    expect(got.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(got.at(-1)?.data).toBe('[DONE]');
  });

  it('a finished run is still resumable from another instance for a while', async () => {
    const { a, b } = await pair();
    a.runLog.open('run-2');
    for (let seq = 1; seq <= 3; seq++) a.runLog.append('run-2', event(seq));
    a.runLog.append('run-2', { seq: 4, data: '[DONE]' });
    a.runLog.end('run-2');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(
      (await collect(b.runLog.follow('run-2', 1, new AbortController().signal))).map((e) => e.seq),
    ).toEqual([2, 3, 4]);
  });

  it('terminate ends a dead owner’s log so followers elsewhere finish', async () => {
    const { a, b } = await pair();
    a.runLog.open('run-3');
    a.runLog.append('run-3', event(1));
    a.runLog.append('run-3', event(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const following = collect(b.runLog.follow('run-3', 0, new AbortController().signal));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // B (a survivor) ends the run that A (the dead owner) never finished.
    await b.runLog.terminate('run-3', ['{"type":"abort"}', '[DONE]']);
    const got = await following;
    expect(got.map((e) => e.data)).toEqual([event(1).data, event(2).data, '{"type":"abort"}', '[DONE]']);
  });

  it('a follower stops when its client goes away', async () => {
    const { a, b } = await pair();
    a.runLog.open('run-4');
    a.runLog.append('run-4', event(1));
    const controller = new AbortController();
    const following = collect(b.runLog.follow('run-4', 0, controller.signal));
    setTimeout(() => controller.abort(), 100);
    expect((await following).map((e) => e.seq)).toEqual([1]);
  });

  it('user events published on one instance reach subscribers on the other, and only that user', async () => {
    const { a, b } = await pair();
    const seen: string[] = [];
    const other: string[] = [];
    const off = b.bus.subscribe('user-1', (e) => seen.push(e.type));
    const offOther = b.bus.subscribe('user-2', (e) => other.push(e.type));
    await new Promise((resolve) => setTimeout(resolve, 100));
    a.bus.publish('user-1', { type: 'conversation.deleted', conversationId: 'c1' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual(['conversation.deleted']);
    expect(other).toEqual([]);
    off();
    offOther();
  });

  it('control commands reach every instance', async () => {
    const { a, b } = await pair();
    const got: unknown[] = [];
    await b.control.onCommand((command) => got.push(command));
    await a.control.send({ type: 'stop', userId: 'u', conversationId: 'c' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got).toEqual([{ type: 'stop', userId: 'u', conversationId: 'c' }]);
  });

  it('counters are shared and expire with their window', async () => {
    const { a, b } = await pair();
    expect((await a.counters.hit('k', 300)).count).toBe(1);
    expect((await b.counters.hit('k', 300)).count).toBe(2);
    const peek = await a.counters.peek('k');
    expect(peek.count).toBe(2);
    expect(peek.resetInMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await b.counters.hit('k', 300)).count).toBe(1);
  });
});
