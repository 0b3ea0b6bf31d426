import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Conversation, ModelList, RunAccepted } from '../../src/web/api.js';
import { stopLiveEvents } from '../../src/web/events.js';
import { useConversation } from '../../src/web/hooks/use-conversation.js';
import {
  type Call,
  conversation,
  delta,
  fakeFetch,
  installBrowser,
  json,
  message,
  renderHook,
  route,
  run,
  settle,
  sseStream,
} from './hook-harness.js';

// The conversation page's state as ConversationView renders it: the four hooks together, over a fake API.

afterEach(() => {
  stopLiveEvents();
  vi.unstubAllGlobals();
});

const models: ModelList = {
  defaultModel: 'parley/demo',
  models: [{ id: 'parley/demo', provider: 'parley', label: 'Demo' }],
} as unknown as ModelList;

const page =
  (items: unknown[], nextCursor: string | null = null) =>
  () =>
    json({ items, nextCursor });

function view(conversationId: string | null, onConversation: (c: Conversation) => void = () => {}) {
  return () => useConversation({ conversationId, summary: null, models, onConversation });
}

const shown = (items: { id: string; content: string; status: string }[]) =>
  items.map((m) => `${m.id}:${m.status}:${m.content}`);

describe('useConversation', () => {
  it('opens on a reply still being written, streams it into the branch, and keeps its final text', async () => {
    installBrowser();
    const stream = sseStream(3);
    const net = fakeFetch(
      route('GET', '/api/conversations/c1', () =>
        json(conversation('c1', { activeRun: { id: 'r1', messageId: 'm2' } })),
      ),
      route(
        'GET',
        '/api/conversations/c1/messages?limit=50',
        page([
          message('m2', { parentId: 'm1', role: 'assistant', status: 'streaming', content: '' }),
          message('m1'),
        ]),
      ),
      route('GET', '/api/conversations/c1/stream?runId=r1', (call: Call) => stream.response(call)),
    );
    const hook = await renderHook(view('c1'));
    await settle();
    expect(hook.current().running).toBe(true);
    expect(hook.current().currentModel).toBe('parley/demo');
    stream.event({ type: 'data-run', data: { kind: 'reply' } });
    stream.event(delta('The answer'));
    await settle();
    expect(shown(hook.current().items)).toEqual(['m1:complete:text m1', 'm2:streaming:The answer']);
    stream.event(delta(' is 42.'));
    stream.event({ type: 'finish', finishReason: 'stop', messageMetadata: { status: 'complete' } });
    stream.done();
    await settle();
    expect(hook.current().running).toBe(false);
    expect(shown(hook.current().items)).toEqual(['m1:complete:text m1', 'm2:complete:The answer is 42.']);
    expect(hook.current().announce).toBe('Reply finished.');
    expect(net.unhandled).toEqual([]);
  });

  it('sends under the branch shown: both messages appear at once, then the reply streams in', async () => {
    installBrowser();
    const stream = sseStream();
    const accepted: RunAccepted = {
      runId: 'r2',
      conversationId: 'c1',
      userMessage: message('m3', { parentId: 'm2', content: 'And then?' }),
      assistantMessage: message('m4', {
        parentId: 'm3',
        role: 'assistant',
        status: 'streaming',
        content: '',
      }),
    };
    const net = fakeFetch(
      route('GET', '/api/conversations/c1', () => json(conversation('c1'))),
      route(
        'GET',
        '/api/conversations/c1/messages?limit=50',
        page([message('m2', { parentId: 'm1', role: 'assistant' }), message('m1')]),
      ),
      route('POST', '/api/conversations/c1/messages', () => json(accepted, 202)),
      route('GET', '/api/conversations/c1/stream?runId=r2', (call: Call) => stream.response(call)),
    );
    const hook = await renderHook(view('c1'));
    await settle();
    expect(await run(() => hook.current().send('And then?'))).toBe(true);
    expect(net.calls.find((c) => c.method === 'POST')?.body).toEqual({
      content: 'And then?',
      parentId: 'm2',
    });
    expect(hook.current().items.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(hook.current().running).toBe(true);
    stream.event(delta('Then the end.'));
    stream.event({ type: 'finish', messageMetadata: { status: 'complete' } });
    stream.done();
    await settle();
    expect(hook.current().items.at(-1)).toMatchObject({ content: 'Then the end.', status: 'complete' });
  });

  it('hands the home page’s first run to the conversation page it opens', async () => {
    const browser = installBrowser();
    const created = conversation('c5', { title: null });
    const stream = sseStream();
    const accepted: RunAccepted = {
      runId: 'r5',
      conversationId: 'c5',
      userMessage: message('m1', { conversationId: 'c5', content: 'Hi' }),
      assistantMessage: message('m2', {
        conversationId: 'c5',
        parentId: 'm1',
        role: 'assistant',
        status: 'streaming',
        content: '',
      }),
    };
    fakeFetch(
      route('POST', '/api/conversations/start', () => json(accepted, 202)),
      route('GET', '/api/conversations/c5', () =>
        json({ ...created, activeRun: { id: 'r5', messageId: 'm2' } }),
      ),
      route(
        'GET',
        '/api/conversations/c5/messages?limit=50',
        page([accepted.assistantMessage, accepted.userMessage]),
      ),
      route('GET', '/api/conversations/c5/stream?runId=r5', (call: Call) => stream.response(call)),
    );
    const listed: Conversation[] = [];
    const home = await renderHook(view(null, (c) => listed.push(c)));
    expect(await run(() => home.current().send('Hi'))).toBe(true);
    expect(listed).toEqual([{ ...created, activeRun: { id: 'r5', messageId: 'm2' } }]);
    expect(browser.path()).toBe('/c/c5');
    await home.unmount();

    const page5 = await renderHook(view('c5'));
    // The first render already shows the two messages and the reply being written.
    expect(page5.history[0]?.items.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(page5.history[0]?.loading).toBe(false);
    stream.event(delta('Hello!'));
    await settle();
    expect(page5.current().items.at(-1)).toMatchObject({ content: 'Hello!', status: 'streaming' });
    stream.done();
    await settle();
    expect(page5.current().items.at(-1)).toMatchObject({ content: 'Hello!', status: 'complete' });
  });

  it('shows a failed older page as an error with a Retry', async () => {
    installBrowser();
    let olderFails = true;
    fakeFetch(
      route('GET', '/api/conversations/c1', () => json(conversation('c1'))),
      route(
        'GET',
        '/api/conversations/c1/messages?limit=50',
        page([message('m3', { parentId: 'm2', role: 'assistant' })], 'm3'),
      ),
      route('GET', '/api/conversations/c1/messages?limit=100&before=m3', () =>
        olderFails
          ? json({ error: 'The server is busy.', code: 'internal' }, 503)
          : json({ items: [message('m2', { parentId: null })], nextCursor: null }),
      ),
    );
    const hook = await renderHook(view('c1'));
    await settle();
    await run(() => hook.current().loadOlder());
    expect(hook.current().error?.message).toBe('The server is busy.');
    olderFails = false;
    await run(() => hook.current().error?.retry?.());
    expect(hook.current().items.map((m) => m.id)).toEqual(['m2', 'm3']);
  });
});
