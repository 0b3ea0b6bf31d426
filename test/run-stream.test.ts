import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterEach, describe, expect, it } from 'vitest';
import { demoReply } from '../src/server/ai/demo-model.js';
import { partsOf, readSse, type SseEvent, textOf, textReader } from './helpers/sse.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

// Runs over a real socket: streaming, dropping and resuming, stop, regenerate, continue.

let t: TestApp;
let base: string;

async function start(options: TestAppOptions = {}) {
  t = await createTestApp(options);
  // Fastify answers with the address it listens on, e.g. http://127.0.0.1:41234.
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
}

afterEach(async () => t?.close());

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function newConversation(): Promise<string> {
  const res = await fetch(`${base}/api/conversations`, json({}));
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

function send(conversationId: string, content: string, stream = true) {
  const init = json({ content });
  if (stream) init.headers = { ...init.headers, accept: 'text/event-stream' } as typeof init.headers;
  return fetch(`${base}/api/conversations/${conversationId}/messages`, init);
}

interface MessageJson {
  id: string;
  role: string;
  content: string;
  status: string;
  parentId: string | null;
}

async function messages(conversationId: string): Promise<MessageJson[]> {
  const res = await fetch(`${base}/api/conversations/${conversationId}/messages?limit=200`);
  return ((await res.json()) as { items: MessageJson[] }).items;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function finished(conversationId: string, messageId: string): Promise<MessageJson> {
  return waitFor(async () => {
    const message = (await messages(conversationId)).find((m) => m.id === messageId);
    return message && message.status !== 'streaming' ? message : undefined;
  }, `message ${messageId} to finish`);
}

function expectContiguous(events: SseEvent[]) {
  expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
}

describe('run stream', () => {
  it('streams the AI SDK UI message protocol with ids, the headers useChat needs, and [DONE]', async () => {
    await start();
    const id = await newConversation();
    const res = await send(id, 'Tell me about streaming');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const events = await readSse(res);
    expectContiguous(events);
    const types = partsOf(events).map((part) => part.type);
    expect(types.slice(0, 4)).toEqual(['start', 'data-run', 'start-step', 'text-start']);
    expect(types.slice(-3)).toEqual(['text-end', 'finish-step', 'finish']);
    expect(events.at(-1)?.data).toBe('[DONE]');
    const stored = (await messages(id)).find((m) => m.role === 'assistant');
    expect(stored?.status).toBe('complete');
    expect(textOf(events)).toBe(stored?.content);
    expect(stored?.content).toBe(demoReply('Tell me about streaming'));
  });

  it('resumes a dropped stream with Last-Event-ID: exactly the remaining events, no gap, no duplicate', async () => {
    await start({ demo: { delayMs: 5 } });
    const id = await newConversation();
    const first = await readSse(await send(id, 'resume me'), 12);
    const lastId = first.at(-1)?.id as number;
    expect(lastId).toBe(12);

    const res = await fetch(`${base}/api/conversations/${id}/stream`, {
      headers: { 'last-event-id': String(lastId) },
    });
    expect(res.status).toBe(200);
    const rest = await readSse(res);
    expect(rest[0]?.id).toBe(lastId + 1);
    const all = [...first, ...rest];
    expectContiguous(all);
    expect(all.at(-1)?.data).toBe('[DONE]');
    const stored = (await messages(id)).find((m) => m.role === 'assistant');
    expect(textOf(all)).toBe(stored?.content);
    expect(stored?.content).toBe(demoReply('resume me'));
  });

  it('resumes with ?after= too, and after the run has ended (the log outlives the run)', async () => {
    await start();
    const id = await newConversation();
    const all = await readSse(await send(id, 'after query'));
    const rest = await readSse(await fetch(`${base}/api/conversations/${id}/stream?after=5`));
    expect(rest).toEqual(all.slice(5));
    const none = await fetch(`${base}/api/conversations/${id}/stream`);
    expect(none.status).toBe(204);
  });

  it('keeps running when the client disconnects', async () => {
    await start({ demo: { delayMs: 2 } });
    const id = await newConversation();
    const res = await send(id, 'do not stop');
    const assistantId = res.headers.get('x-parley-message-id') as string;
    await readSse(res, 6);
    const message = await finished(id, assistantId);
    expect(message.status).toBe('complete');
    expect(message.content).toBe(demoReply('do not stop'));
  });

  it('checkpoints the partial text while streaming (about once a second)', async () => {
    await start({ demo: { delayMs: 15 } });
    const id = await newConversation();
    const accepted = (await (await send(id, 'checkpoint me', false)).json()) as {
      assistantMessage: MessageJson;
    };
    const partial = await waitFor(
      async () => {
        const m = (await messages(id)).find((x) => x.id === accepted.assistantMessage.id);
        return m && m.status === 'streaming' && m.content !== '' ? m : undefined;
      },
      'a checkpoint',
      3_000,
    );
    expect(demoReply('checkpoint me').startsWith(partial.content)).toBe(true);
    expect(partial.content.length).toBeLessThan(demoReply('checkpoint me').length);
  });

  it('answers 202 with the user message, the pending reply and the run id without Accept: text/event-stream', async () => {
    await start();
    const id = await newConversation();
    const res = await send(id, 'no stream please', false);
    expect(res.status).toBe(202);
    const body = (await res.json()) as {
      runId: string;
      userMessage: MessageJson;
      assistantMessage: MessageJson;
    };
    expect(body.userMessage).toMatchObject({ role: 'user', content: 'no stream please', status: 'complete' });
    expect(body.assistantMessage).toMatchObject({
      role: 'assistant',
      status: 'streaming',
      parentId: body.userMessage.id,
    });
    expect(typeof body.runId).toBe('string');
    await finished(id, body.assistantMessage.id);
  });

  it('sends heartbeat comments on a quiet stream', async () => {
    await start({ demo: { delayMs: 200 }, heartbeatMs: 50 });
    const id = await newConversation();
    const res = await send(id, 'slow');
    const reader = textReader(res);
    let text = '';
    while (!text.includes(': heartbeat')) text += (await reader.read()).value ?? '';
    await reader.cancel();
    await fetch(`${base}/api/conversations/${id}/stop`, json({}));
  });

  it('streams share one heartbeat timer: one stream closing leaves the others their heartbeats', async () => {
    await start({ demo: { delayMs: 200 }, heartbeatMs: 50 });
    const first = await newConversation();
    const second = await newConversation();
    const closing = textReader(await send(first, 'slow one'));
    const staying = textReader(await send(second, 'slow two'));
    let text = '';
    while (!text.includes(': heartbeat')) text += (await closing.read()).value ?? '';
    await closing.cancel();
    await fetch(`${base}/api/conversations/${first}/stop`, json({}));
    // Skip what was sent before the other stream closed; then a heartbeat must still come (a
    // timer stopped with the first stream would send none: the read gives up after 5 s).
    const closedAt = Date.now();
    while (Date.now() - closedAt < 200) await staying.read();
    text = '';
    while (!text.includes(': heartbeat') && Date.now() - closedAt < 5_000) {
      text += (await staying.read()).value ?? '';
    }
    expect(text).toContain(': heartbeat');
    await staying.cancel();
    await fetch(`${base}/api/conversations/${second}/stop`, json({}));
  });
});

describe('stop, regenerate, continue', () => {
  it('stop aborts the model call and keeps the partial text as stopped', async () => {
    const signals: (AbortSignal | undefined)[] = [];
    await start({ demo: { delayMs: 10, onCall: ({ abortSignal }) => signals.push(abortSignal) } });
    const id = await newConversation();
    const res = await send(id, 'please stop');
    const assistantId = res.headers.get('x-parley-message-id') as string;
    const reader = readSse(res);
    await waitFor(async () => ((await messages(id)).length === 2 ? true : undefined), 'messages');
    await new Promise((resolve) => setTimeout(resolve, 150));

    const stop = await fetch(`${base}/api/conversations/${id}/stop`, json({}));
    expect(stop.status).toBe(200);
    expect(await stop.json()).toMatchObject({ stopped: true });
    const events = await reader;
    const message = (await messages(id)).find((m) => m.id === assistantId) as MessageJson;
    expect(message.status).toBe('stopped');
    expect(message.content.length).toBeGreaterThan(0);
    expect(message.content.length).toBeLessThan(demoReply('please stop').length);
    expect(demoReply('please stop').startsWith(message.content)).toBe(true);
    expect(textOf(events)).toBe(message.content);
    expect(partsOf(events).map((part) => part.type)).toContain('abort');
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(true);

    // Stopping again is harmless.
    expect(await (await fetch(`${base}/api/conversations/${id}/stop`, json({}))).json()).toEqual({
      stopped: false,
      runIds: [],
    });
  });

  it('continue completes a stopped reply, appending to its text', async () => {
    await start({ demo: { delayMs: 5 } });
    const id = await newConversation();
    const res = await send(id, 'finish me later');
    const assistantId = res.headers.get('x-parley-message-id') as string;
    await readSse(res, 20);
    await fetch(`${base}/api/conversations/${id}/stop`, json({}));
    const stopped = await finished(id, assistantId);
    expect(stopped.status).toBe('stopped');

    const cont = await fetch(`${base}/api/messages/${assistantId}/continue`, {
      method: 'POST',
      headers: { accept: 'text/event-stream' },
    });
    expect(cont.status).toBe(200);
    const events = await readSse(cont);
    expect(stopped.content + textOf(events)).toBe(demoReply('finish me later'));
    const done = await finished(id, assistantId);
    expect(done.status).toBe('complete');
    expect(done.content).toBe(demoReply('finish me later'));

    const again = await fetch(`${base}/api/messages/${assistantId}/continue`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'not_continuable' });
  });

  it('regenerate adds a sibling reply and both stay in the tree', async () => {
    await start();
    const id = await newConversation();
    const res = await send(id, 'twice', false);
    const first = (await res.json()) as { userMessage: MessageJson; assistantMessage: MessageJson };
    await finished(id, first.assistantMessage.id);

    const regen = await fetch(`${base}/api/messages/${first.assistantMessage.id}/regenerate`, {
      method: 'POST',
    });
    expect(regen.status).toBe(202);
    const second = (await regen.json()) as { assistantMessage: MessageJson };
    expect(second.assistantMessage.id).not.toBe(first.assistantMessage.id);
    expect(second.assistantMessage.parentId).toBe(first.userMessage.id);
    await finished(id, second.assistantMessage.id);

    const all = await messages(id);
    const replies = all.filter((m) => m.parentId === first.userMessage.id);
    expect(replies.map((m) => m.id)).toEqual([first.assistantMessage.id, second.assistantMessage.id]);
    expect(replies.every((m) => m.status === 'complete' && m.content === demoReply('twice'))).toBe(true);

    // A new message without parentId attaches to the newest message: the regenerated reply.
    const next = (await (await send(id, 'and then', false)).json()) as { userMessage: MessageJson };
    expect(next.userMessage.parentId).toBe(second.assistantMessage.id);
  });

  it('edit-and-resend: a message with parentId starts a new branch', async () => {
    await start();
    const id = await newConversation();
    const a = (await (await send(id, 'root', false)).json()) as {
      userMessage: MessageJson;
      assistantMessage: MessageJson;
    };
    await finished(id, a.assistantMessage.id);
    const res = await fetch(
      `${base}/api/conversations/${id}/messages`,
      json({ content: 'root, edited', parentId: null }),
    );
    expect(res.status).toBe(202);
    const b = (await res.json()) as { userMessage: MessageJson; assistantMessage: MessageJson };
    expect(b.userMessage.parentId).toBeNull();
    const done = await finished(id, b.assistantMessage.id);
    expect(done.content).toBe(demoReply('root, edited'));
  });

  it('a model that breaks mid-reply leaves an error message with the partial text and an error event', async () => {
    const broken = new MockLanguageModelV3({
      doStream: async () => ({
        stream: simulateReadableStream<LanguageModelV3StreamPart>({
          chunks: [
            { type: 'text-start', id: '1' },
            { type: 'text-delta', id: '1', delta: 'Partial ' },
            { type: 'text-delta', id: '1', delta: 'answer' },
            { type: 'error', error: new Error('upstream connection reset') },
          ],
        }),
      }),
    });
    await start({ models: [{ id: 'broken', model: broken }] });
    const id = await newConversation();
    const res = await fetch(`${base}/api/conversations/${id}/messages`, {
      ...json({ content: 'hi', model: 'broken' }),
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    });
    const events = await readSse(res);
    const error = partsOf(events).find((part) => part.type === 'error');
    expect(error?.errorText).toContain('upstream connection reset');
    expect(events.at(-1)?.data).toBe('[DONE]');
    const message = (await messages(id)).find((m) => m.role === 'assistant') as MessageJson & {
      error: string;
    };
    expect(message.status).toBe('error');
    expect(message.content).toBe('Partial answer');
    expect(message.error).toContain('upstream connection reset');
  });
});

describe('conversation life', () => {
  it('titles a conversation from its first message', async () => {
    await start();
    const id = await newConversation();
    await readSse(await send(id, 'How do I bake sourdough bread at home without a dutch oven?'));
    const conversation = await waitFor(async () => {
      const c = (await (await fetch(`${base}/api/conversations/${id}`)).json()) as { title: string | null };
      return c.title ? c : undefined;
    }, 'a title');
    expect(conversation.title).toBe('How do I bake sourdough bread at home without a dutch oven?');
  });

  it('publishes live events to the user: created, run started/finished, renamed, deleted', async () => {
    await start();
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events`, { signal: controller.signal });
    const reader = textReader(res);
    const seen: { type: string }[] = [];
    let buffer = '';
    const until = async (type: string) => {
      while (!seen.some((event) => event.type === type)) {
        buffer += (await reader.read()).value ?? '';
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) seen.push(JSON.parse(data.slice(6)));
        }
      }
    };
    await until('ready');
    const id = await newConversation();
    await until('conversation.created');
    await readSse(await send(id, 'events'));
    await until('run.finished');
    await fetch(`${base}/api/conversations/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Renamed' }),
    });
    await fetch(`${base}/api/conversations/${id}`, { method: 'DELETE' });
    await until('conversation.deleted');
    controller.abort();
    expect(seen.map((event) => event.type)).toEqual(
      expect.arrayContaining([
        'ready',
        'conversation.created',
        'run.started',
        'run.finished',
        'conversation.updated',
        'conversation.deleted',
      ]),
    );
  });
});
