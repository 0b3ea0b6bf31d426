import { describe, expect, it } from 'vitest';
import type { MessagePartDto } from '../../src/shared/message-parts.js';
import type { RunStreamPart } from '../../src/shared/run-events.js';
import { stepSummary } from '../../src/web/components/ReplyMeta.js';
import { applyPart, type LiveRun } from '../../src/web/hooks/use-run-follower.js';
import { foldWaiting, NO_PARTS, type Waiting, waitingLabel } from '../../src/web/stream-parts.js';

const retry = { attempt: 2, of: 3, reason: 'no answer within 60s', retryInMs: 800 };
const status: RunStreamPart = { type: 'data-status', data: retry, transient: true };

function liveRun(): LiveRun {
  return {
    runId: 'r1',
    messageId: 'm2',
    text: '',
    prefix: '',
    prefixKnown: true,
    connection: 'open',
    status: null,
    errorText: null,
    finishReason: null,
    files: [],
    reasoning: '',
    kind: null,
    streamed: NO_PARTS,
    waiting: { since: 1_000, retry: null },
  };
}

describe('the wait for a model', () => {
  it('a data-status part starts a retry; the first step ends it; a tool step starts a new wait', () => {
    const start: Waiting = { since: 1_000, retry: null };
    const retrying = foldWaiting(start, status, 5_000);
    expect(retrying).toEqual({ since: 1_000, retry });
    const answering = foldWaiting(retrying, { type: 'start-step' }, 9_000);
    expect(answering).toEqual({ since: 1_000, retry: null });
    // Nothing to change: the same object (no render).
    expect(foldWaiting(answering, { type: 'start-step' }, 9_000)).toBe(answering);
    expect(foldWaiting(answering, { type: 'text-delta', id: 't', delta: 'x' }, 9_000)).toBe(answering);
    expect(foldWaiting(answering, { type: 'finish-step' }, 12_000)).toEqual({ since: 12_000, retry: null });
  });

  it('says what it waits for, or which retry is under way and why', () => {
    expect(waitingLabel('GPT-4o mini', null)).toBe('Waiting for GPT-4o mini…');
    expect(waitingLabel('GPT-4o mini', retry)).toBe('Retrying (2 of 3) after no answer within 60s…');
  });

  it('the live run takes the status, keeps it out of the reply, and drops it at the first token', () => {
    const live = liveRun();
    expect(applyPart(live, status)).toBe(true);
    expect(live.waiting.retry).toEqual(retry);
    // Transient: not a part of the reply.
    expect(live.streamed.parts).toEqual([]);
    expect(live.text).toBe('');
    applyPart(live, { type: 'start-step' });
    applyPart(live, { type: 'text-delta', id: 't', delta: 'Hi' });
    expect(live.waiting.retry).toBeNull();
    expect(live.text).toBe('Hi');
  });
});

describe('a reply’s steps and tool calls', () => {
  const call = (id: string): MessagePartDto => ({
    type: 'dynamic-tool',
    toolCallId: id,
    toolName: 'x/y',
    state: 'output-available',
    input: {},
    output: 'ok',
  });

  it('counts them only when tools were used', () => {
    expect(stepSummary([{ type: 'text', text: 'hi' }])).toBe('');
    expect(stepSummary([])).toBe('');
    const parts: MessagePartDto[] = [
      { type: 'step-start' },
      call('a'),
      call('b'),
      { type: 'step-start' },
      call('c'),
      { type: 'step-start' },
      { type: 'text', text: 'done' },
    ];
    expect(stepSummary(parts)).toBe('3 steps · 3 tool calls');
    expect(stepSummary([{ type: 'step-start' }, call('a')])).toBe('1 step · 1 tool call');
  });
});
