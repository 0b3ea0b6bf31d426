import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { vi } from 'vitest';
import type { Conversation, Message } from '../../src/web/api.js';

/**
 * Runs the web app's hooks in Vitest without a browser: React renders a component that returns
 * null (so no DOM node is ever made), behind the few browser globals the hooks touch. `fetch` is
 * faked per test: the hooks go through the real `api` client and the real SSE reader.
 */

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

class FakeStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  clear() {
    this.items.clear();
  }
}

/** The page's live events connection; tests push events with `emit`. */
export class FakeEventSource {
  static readonly CLOSED = 2;
  static last: FakeEventSource | null = null;
  readyState = 1;
  onmessage: ((message: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  onopen: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  emit(event: unknown) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
}

export interface Browser {
  keydown: (key: string) => { defaultPrevented: boolean };
  /** Frames asked for with requestAnimationFrame (renders of a streaming reply). */
  frames: () => number;
  /** With `manualFrames`: runs the frames asked for so far. */
  runFrames: () => Promise<void>;
  path: () => string;
}

/** `manualFrames`: animation frames run only when the test calls `runFrames` (else after 16 ms). */
export function installBrowser(options: { manualFrames?: boolean } = {}): Browser {
  const keyListeners = new Set<(event: KeyboardEvent) => void>();
  let frames = 0;
  let pendingFrames: (() => void)[] = [];
  let path = '/';
  const windowFake = {
    event: undefined,
    HTMLIFrameElement: class {},
    document: { activeElement: null },
    location: {
      get pathname() {
        return path;
      },
      search: '',
    },
    history: {
      pushState: (_s: unknown, _t: string, to: string) => {
        path = to;
      },
      replaceState: (_s: unknown, _t: string, to: string) => {
        path = to;
      },
    },
    getSelection: () => null,
    addEventListener() {},
    removeEventListener() {},
  };
  vi.stubGlobal('window', windowFake);
  vi.stubGlobal('document', {
    title: '',
    querySelector: () => null,
    addEventListener: (type: string, listener: (event: KeyboardEvent) => void) => {
      if (type === 'keydown') keyListeners.add(listener);
    },
    removeEventListener: (_type: string, listener: (event: KeyboardEvent) => void) =>
      keyListeners.delete(listener),
  });
  vi.stubGlobal('localStorage', new FakeStorage());
  vi.stubGlobal('sessionStorage', new FakeStorage());
  vi.stubGlobal('requestAnimationFrame', (callback: () => void) => {
    frames += 1;
    if (options.manualFrames) pendingFrames.push(callback);
    else setTimeout(callback, 16);
    return frames;
  });
  vi.stubGlobal('EventSource', FakeEventSource);
  return {
    keydown: (key) => {
      const event = {
        key,
        defaultPrevented: false,
        preventDefault() {
          this.defaultPrevented = true;
        },
      };
      for (const listener of keyListeners) listener(event as unknown as KeyboardEvent);
      return event;
    },
    frames: () => frames,
    runFrames: () =>
      act(async () => {
        const due = pendingFrames;
        pendingFrames = [];
        for (const callback of due) callback();
      }),
    path: () => path,
  };
}

export interface Rendered<R> {
  current: () => R;
  /** Every value the hook returned, oldest first. */
  history: R[];
  rerender: () => Promise<void>;
  unmount: () => Promise<void>;
}

/** Renders nothing: calls the hook under test and keeps what it returned. */
function Probe({ hook, history }: { hook: () => unknown; history: unknown[] }) {
  history.push(hook());
  return null;
}

export async function renderHook<R>(hook: () => R): Promise<Rendered<R>> {
  const history: R[] = [];
  const container = {
    nodeType: 1,
    nodeName: 'DIV',
    tagName: 'DIV',
    ownerDocument: { addEventListener() {}, removeEventListener() {} },
    addEventListener() {},
    removeEventListener() {},
  };
  const root: Root = createRoot(container as unknown as Element);
  const render = () => root.render(createElement(Probe, { hook, history: history as unknown[] }));
  await act(async () => render());
  return {
    current: () => history[history.length - 1] as R,
    history,
    rerender: () => act(async () => render()),
    unmount: () => act(async () => root.unmount()),
  };
}

/** Lets pending requests, stream reads and frames run, inside `act`. */
export async function settle(ms = 40): Promise<void> {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, ms));
  });
}

/** Calls `fn` (a hook's action) inside `act` and waits for what it started. */
export async function run<T>(fn: () => T | Promise<T>): Promise<T> {
  let result!: T;
  await act(async () => {
    result = await fn();
  });
  await settle();
  return result;
}

export interface Call {
  method: string;
  url: string;
  body: unknown;
  lastEventId: string | null;
  signal: AbortSignal | undefined;
}

type Handler = (call: Call) => Response | Promise<Response> | undefined;

/** A fake `fetch`: `handlers` answer in order (the first that returns a Response); any other request fails the test. */
export function fakeFetch(...handlers: Handler[]) {
  const calls: Call[] = [];
  const unhandled: string[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const call: Call = {
      method: init.method ?? 'GET',
      url,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      lastEventId: new Headers(init.headers).get('last-event-id'),
      signal: init.signal ?? undefined,
    };
    calls.push(call);
    for (const handler of handlers) {
      const response = await handler(call);
      if (response) return response;
    }
    unhandled.push(`${call.method} ${url}`);
    return json({ error: 'Not faked.', code: 'not_found' }, 404);
  });
  return { calls, unhandled, requests: () => calls.map((c) => `${c.method} ${c.url}`) };
}

export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const route =
  (method: string, url: string | RegExp, answer: (call: Call) => Response | Promise<Response>): Handler =>
  (call) =>
    call.method === method && (typeof url === 'string' ? call.url === url : url.test(call.url))
      ? answer(call)
      : undefined;

/** A run stream the test writes to as it goes: `event(part)`, `done()`, `drop()`; ids after `lastId`. */
export function sseStream(lastId = 0) {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let id = lastId;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const write = (data: string) => {
    id += 1;
    controller.enqueue(encoder.encode(`id: ${id}\ndata: ${data}\n\n`));
  };
  return {
    /** The answer to `call`: aborting its request errors the body, as a browser does. */
    response: (call: Call) => {
      call.signal?.addEventListener('abort', () => {
        try {
          controller.error(new DOMException('The request was aborted.', 'AbortError'));
        } catch {}
      });
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    },
    event: (part: unknown) => {
      try {
        write(JSON.stringify(part));
      } catch {} // the reader went away: a server would write into a closed socket
    },
    done: () => {
      try {
        write('[DONE]');
        controller.close();
      } catch {}
    },
    drop: () => controller.close(),
  };
}

export const delta = (text: string) => ({ type: 'text-delta', id: 't1', delta: text });

const T0 = '2026-01-01T00:00:00.000Z';

export function conversation(id: string, extra: Partial<Conversation> = {}): Conversation {
  return {
    id,
    title: `Title ${id}`,
    model: 'parley/demo',
    systemPrompt: null,
    tools: [],
    temperature: null,
    maxOutputTokens: null,
    folderId: null,
    pinned: false,
    archived: false,
    createdAt: T0,
    updatedAt: T0,
    activeRun: null,
    ...extra,
  };
}

export function message(id: string, extra: Partial<Message> = {}): Message {
  return {
    id,
    conversationId: 'c1',
    parentId: null,
    role: 'user',
    content: `text ${id}`,
    // No parts: the hooks read only `content`; tests about attachments pass their own.
    parts: [],
    status: 'complete',
    model: null,
    usage: { inputTokens: null, outputTokens: null },
    finishReason: null,
    error: null,
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}
