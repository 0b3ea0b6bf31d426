import { describe, expect, it } from 'vitest';
import {
  MAX_BATCH_CHARS,
  MAX_BATCH_EVENTS,
  MemoryRunLog,
  type RunEvent,
} from '../src/server/realtime/run-log.js';

/**
 * A run's followers get its events in batches: what arrives together goes out in one write per
 * follower (one socket write for a burst of tokens, not one per token), in order, bounded in size,
 * and the first token after a pause is never held back for the window.
 */

const delta = (seq: number): RunEvent => ({
  seq,
  data: JSON.stringify({ type: 'text-delta', delta: `t${seq}` }),
});

async function batchesOf(iterable: AsyncIterable<RunEvent[]>, onBatch?: (batch: RunEvent[]) => void) {
  const batches: RunEvent[][] = [];
  for await (const batch of iterable) {
    batches.push(batch);
    onBatch?.(batch);
  }
  return batches;
}

describe('run log followers get batches', () => {
  it('a burst of tokens in one event-loop turn reaches a waiting follower as one batch', async () => {
    const log = new MemoryRunLog();
    log.open('run');
    let firstBatch!: () => void;
    const gotFirst = new Promise<void>((resolve) => {
      firstBatch = resolve;
    });
    const following = batchesOf(log.follow('run', 0, new AbortController().signal), () => firstBatch());
    // The follower is waiting for its first event now.
    await new Promise((resolve) => setImmediate(resolve));
    for (let seq = 1; seq <= 60; seq++) log.append('run', delta(seq));
    await gotFirst;
    log.append('run', { seq: 61, data: '[DONE]' });
    log.end('run');
    const batches = await following;
    expect(batches.map((batch) => batch.length)).toEqual([60, 1]);
    expect(batches.flat().map((event) => event.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
  });

  it('a resume of a long run comes in bounded batches, every event once and in order', async () => {
    const log = new MemoryRunLog();
    log.open('run');
    for (let seq = 1; seq <= 1000; seq++) log.append('run', delta(seq));
    log.end('run');
    const batches = await batchesOf(log.follow('run', 10, new AbortController().signal));
    expect(Math.max(...batches.map((batch) => batch.length))).toBe(MAX_BATCH_EVENTS);
    expect(batches.flat().map((event) => event.seq)).toEqual(Array.from({ length: 990 }, (_, i) => i + 11));
  });

  it('large events are batched by size too, so one write never nears the stream’s unsent-bytes bound', async () => {
    const log = new MemoryRunLog();
    log.open('run');
    // 40 tool outputs of 10 KB each: 400 KB in all, more than a stream may hold unsent.
    const big = (seq: number): RunEvent => ({
      seq,
      data: JSON.stringify({ type: 'tool-output', output: 'x'.repeat(10_000) }),
    });
    for (let seq = 1; seq <= 40; seq++) log.append('run', big(seq));
    log.end('run');
    const batches = await batchesOf(log.follow('run', 0, new AbortController().signal));
    for (const batch of batches) {
      expect(batch.reduce((sum, event) => sum + event.data.length, 0)).toBeLessThanOrEqual(MAX_BATCH_CHARS);
    }
    expect(batches.flat().map((event) => event.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('with a window, the first token after a pause goes out alone and the next ones wait to join', async () => {
    const windowMs = 300;
    const log = new MemoryRunLog(60_000, windowMs);
    log.open('run');
    let appended = 1;
    const following = batchesOf(log.follow('run', 0, new AbortController().signal), (batch) => {
      // As soon as the first token is out, more arrive one by one on later turns of the loop.
      if (batch[0]?.seq !== 1) return;
      const more = () => {
        log.append('run', delta(++appended));
        if (appended < 10) setImmediate(more);
        else {
          log.append('run', { seq: 11, data: '[DONE]' });
          log.end('run');
        }
      };
      setImmediate(more);
    });
    await new Promise((resolve) => setImmediate(resolve));
    log.append('run', delta(1));
    const batches = await following;
    // Token 1 was not held for the window; tokens 2–10 (nine turns of the loop) went out together.
    expect(batches[0]?.map((event) => event.seq)).toEqual([1]);
    expect(batches[1]?.map((event) => event.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(batches).toHaveLength(2);
  });

  it('a follower that stops (client gone) stops getting batches', async () => {
    const log = new MemoryRunLog();
    log.open('run');
    const controller = new AbortController();
    const following = batchesOf(log.follow('run', 0, controller.signal), () => {
      controller.abort();
      for (let seq = 2; seq <= 5; seq++) log.append('run', delta(seq));
    });
    await new Promise((resolve) => setImmediate(resolve));
    log.append('run', delta(1));
    const batches = await following;
    expect(batches.flat().map((event) => event.seq)).toEqual([1]);
  });
});
