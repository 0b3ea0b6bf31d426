import { describe, expect, it } from 'vitest';
import { followRun, SseParser, type StreamPart } from '../../src/web/sse.js';
import { MessageTree } from '../../src/web/thread.js';

// The web UI's own logic, without a browser: the SSE parser, resuming a run, and the message tree.

describe('SseParser', () => {
  it('parses ids, data, comments and events split anywhere, with any line ending', () => {
    const parser = new SseParser();
    const text =
      ': heartbeat\n\nid: 1\ndata: {"a":1}\n\nid: 2\r\ndata: x\r\ndata: y\r\n\r\nid: 3\rdata: [DONE]\r\n\r\n';
    const events = [];
    for (const char of text) events.push(...parser.feed(char));
    expect(events).toEqual([
      { id: '1', data: '{"a":1}' },
      { id: '2', data: 'x\ny' },
      { id: '3', data: '[DONE]' },
    ]);
  });
});

function sse(events: [number, string][]): Response {
  const body = events.map(([id, data]) => `id: ${id}\ndata: ${data}\n\n`).join('');
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

const delta = (text: string) => JSON.stringify({ type: 'text-delta', id: 't', delta: text });

describe('followRun', () => {
  it('resumes after a drop with Last-Event-ID and applies every event exactly once', async () => {
    const calls: (string | null)[] = [];
    const responses = [
      // Drops after event 3 (no [DONE]).
      sse([
        [1, JSON.stringify({ type: 'start' })],
        [2, delta('Hel')],
        [3, delta('lo')],
      ]),
      // A proxy replays event 3 before the rest: it must be skipped.
      sse([
        [3, delta('lo')],
        [4, delta(', world')],
        [5, JSON.stringify({ type: 'finish', messageMetadata: { status: 'complete' } })],
        [6, '[DONE]'],
      ]),
    ];
    const fetchImpl = (async (_url: string, init: RequestInit) => {
      calls.push(new Headers(init.headers).get('last-event-id'));
      const next = responses.shift();
      if (!next) throw new Error('no more responses');
      return next;
    }) as typeof fetch;
    const parts: StreamPart[] = [];
    const result = await followRun({
      conversationId: 'c',
      runId: 'r',
      signal: new AbortController().signal,
      onPart: (part) => parts.push(part),
      fetchImpl,
    });
    expect(result).toBe('done');
    expect(calls).toEqual([null, '3']);
    expect(
      parts
        .filter((p) => p.type === 'text-delta')
        .map((p) => p.delta)
        .join(''),
    ).toBe('Hello, world');
    expect(parts.at(-1)?.type).toBe('finish');
  });

  it('answers "gone" when the server no longer has the run (204)', async () => {
    const result = await followRun({
      conversationId: 'c',
      runId: 'r',
      after: 10,
      signal: new AbortController().signal,
      onPart: () => {},
      fetchImpl: (async () => new Response(null, { status: 204 })) as typeof fetch,
    });
    expect(result).toBe('gone');
  });
});

describe('MessageTree', () => {
  // u1 → a1, a1' (regenerated); a1 → u2 → a2; edit of u2: u2' → a2'.
  const m = (id: string, parentId: string | null, role: string) => ({ id, parentId, role });
  const messages = [
    m('01', null, 'user'),
    m('02', '01', 'assistant'),
    m('03', '02', 'user'),
    m('04', '03', 'assistant'),
    m('05', '01', 'assistant'),
    m('06', '02', 'user'),
    m('07', '06', 'assistant'),
  ];

  it('shows the branch of the newest message by default, root first', () => {
    const tree = new MessageTree(messages);
    expect(tree.newest()?.id).toBe('07');
    expect(tree.branch('07').messages.map((x) => x.id)).toEqual(['01', '02', '06', '07']);
    expect(tree.branch('07').complete).toBe(true);
  });

  it('lists siblings by parent and role, and follows the newest child down', () => {
    const tree = new MessageTree(messages);
    expect(tree.siblings(m('02', '01', 'assistant')).map((x) => x.id)).toEqual(['02', '05']);
    expect(tree.siblings(m('06', '02', 'user')).map((x) => x.id)).toEqual(['03', '06']);
    expect(tree.newestLeafUnder('03')).toBe('04');
    expect(tree.newestLeafUnder('02')).toBe('07');
  });

  it('marks a branch incomplete when older messages are not loaded yet', () => {
    const tree = new MessageTree(messages.slice(2));
    const branch = tree.branch('04');
    expect(branch.messages.map((x) => x.id)).toEqual(['03', '04']);
    expect(branch.complete).toBe(false);
  });
});
