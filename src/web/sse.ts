import { DONE, decodeRunEvent, type RunStreamPart } from '../shared/run-events.js';

/**
 * A small client for Parley's run streams (SSE over fetch). Why not EventSource: it cannot set
 * headers or pick a resume point per request, and it reconnects to the same URL forever. Why not
 * `useChat` from @ai-sdk/react: its resume support asks the server for "the" stream of a chat by id
 * and restarts it from the beginning; Parley's resume is exact (`Last-Event-ID`), a run can be
 * followed from any tab, and a reply can be a regeneration or a continuation of an older message
 * in a message tree. So: fetch + a ReadableStream reader, `id:`/`data:` parsing, and reconnecting
 * with the last id seen until `[DONE]`.
 */

export interface SseEvent {
  id: string | null;
  data: string;
}

/** Incremental parser of the text/event-stream format (comments and unknown fields ignored). */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private id: string | null = null;

  feed(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const newline = this.buffer.search(/\r\n|\r|\n/);
      if (newline < 0) break;
      const line = this.buffer.slice(0, newline);
      const size = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (size === 1 && this.buffer[newline] === '\r' && newline === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(newline + size);
      if (line === '') {
        if (this.data.length > 0) events.push({ id: this.id, data: this.data.join('\n') });
        this.data = [];
        this.id = null;
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return events;
  }
}

/** One part of the AI SDK UI message stream, as Parley sends it (the shared protocol type). */
export type StreamPart = RunStreamPart;

export interface FollowOptions {
  conversationId: string;
  runId: string;
  /** Resume after this event id (0: from the start). */
  after?: number;
  signal: AbortSignal;
  onPart: (part: StreamPart, eventId: number) => void;
  /** Connection state, for a "reconnecting…" hint. */
  onConnection?: (state: 'open' | 'reconnecting') => void;
  /** Injected in tests; `fetch` otherwise. */
  fetchImpl?: typeof fetch;
}

export type FollowResult = 'done' | 'gone' | 'aborted';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    const online = typeof window === 'undefined' ? undefined : window;
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      online?.removeEventListener('online', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
    // Back online: try at once rather than at the end of the back-off.
    online?.addEventListener('online', done, { once: true });
  });

/**
 * Follow a run until `[DONE]`: reconnect after any drop with `Last-Event-ID`, so every event is
 * delivered exactly once. `gone` when the server no longer has the run's log (204): the stored
 * message is then the truth.
 */
export async function followRun(options: FollowOptions): Promise<FollowResult> {
  const doFetch = options.fetchImpl ?? fetch;
  let last = options.after ?? 0;
  let failures = 0;
  const url = `/api/conversations/${encodeURIComponent(options.conversationId)}/stream?runId=${encodeURIComponent(options.runId)}`;
  while (!options.signal.aborted) {
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (last > 0) headers['last-event-id'] = String(last);
      const res = await doFetch(url, {
        headers,
        signal: options.signal,
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (res.status === 204) return 'gone';
      if (res.status === 404 || res.status === 401) return 'gone';
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      options.onConnection?.('open');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.feed(value)) {
          const id = event.id === null ? Number.NaN : Number(event.id);
          // Never apply an event twice, whatever a proxy or a retry does.
          if (Number.isFinite(id) && id <= last) continue;
          if (Number.isFinite(id)) last = id;
          failures = 0;
          const part = decodeRunEvent(event.data);
          if (part === DONE) {
            void reader.cancel().catch(() => {});
            return 'done';
          }
          if (part) options.onPart(part, last);
        }
      }
      // The stream ended without [DONE]: the connection dropped. Resume.
    } catch {
      if (options.signal.aborted) break;
    }
    if (options.signal.aborted) break;
    options.onConnection?.('reconnecting');
    failures += 1;
    await sleep(Math.min(5000, 150 * 2 ** Math.min(failures, 6)), options.signal);
  }
  return 'aborted';
}
