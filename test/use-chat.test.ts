import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { Chat } from '@ai-sdk/react';
import type { UIMessage } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoReply } from '../src/server/ai/demo-model.js';
import { ParleyChatTransport } from '../src/shared/parley-chat-transport.js';
import { Client } from './helpers/clients.js';
import { createTestApp, type TestApp, tableCounts } from './helpers/test-app.js';

// useChat's engine (`Chat` from @ai-sdk/react, no rendering) against a listening Parley, signed in
// with a session cookie and its CSRF token as a browser would be: send, regenerate, stop, resume.

/**
 * A model that writes "Hello from " and then waits for `release()` before "the gate." — so a test
 * can stop or resume a reply that is certainly mid-way. An abort of the call ends its stream.
 */
function gatedModel() {
  const waiting: (() => void)[] = [];
  const state = { calls: 0, aborted: 0 };
  const usage = {
    inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 3, text: 3, reasoning: undefined },
  };
  const model: LanguageModelV3 = {
    specificationVersion: 'v3',
    provider: 'test',
    modelId: 'gated',
    supportedUrls: {},
    async doGenerate() {
      throw new Error('the gated model only streams');
    },
    async doStream(options) {
      state.calls += 1;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async start(controller) {
          options.abortSignal?.addEventListener(
            'abort',
            () => {
              state.aborted += 1;
              controller.error(options.abortSignal?.reason);
            },
            { once: true },
          );
          controller.enqueue({ type: 'stream-start', warnings: [] });
          controller.enqueue({ type: 'text-start', id: 't' });
          controller.enqueue({ type: 'text-delta', id: 't', delta: 'Hello ' });
          controller.enqueue({ type: 'text-delta', id: 't', delta: 'from ' });
          await new Promise<void>((resolve) => waiting.push(resolve));
          if (options.abortSignal?.aborted) return;
          controller.enqueue({ type: 'text-delta', id: 't', delta: 'the gate.' });
          controller.enqueue({ type: 'text-end', id: 't' });
          controller.enqueue({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage });
          controller.close();
        },
      });
      return { stream };
    },
  };
  /** Let every call waiting at the gate go on. */
  const release = () => {
    for (const open of waiting.splice(0)) open();
  };
  return { model, state, release };
}

const gated = gatedModel();
let t: TestApp;
let base: string;
const alice = () => users.a;
const users: Record<'a' | 'b', Client> = {} as Record<'a' | 'b', Client>;

beforeAll(async () => {
  t = await createTestApp({
    env: { AUTH_MODE: 'local' },
    models: [{ id: 'gated', model: gated.model }],
  });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  users.a = new Client(t.app);
  await users.a.signup('alice');
  users.b = new Client(t.app);
  await users.b.signup('bob');
});

afterAll(async () => {
  gated.release();
  await t?.close();
});

/** What a browser sends: the session cookie, and the CSRF token on writes. */
function browserHeaders(client: Client): Record<string, string> {
  return { cookie: client.cookie as string, 'x-csrf-token': client.csrfToken as string };
}

function transportFor(client: Client) {
  return new ParleyChatTransport({ baseUrl: base, headers: () => browserHeaders(client) });
}

async function api(client: Client, method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...browserHeaders(client),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return res;
}

async function newConversation(client: Client, model?: string): Promise<string> {
  const res = await api(client, 'POST', '/api/conversations', model ? { model } : {});
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

interface StoredMessage {
  id: string;
  role: string;
  content: string;
  status: string;
  parentId: string | null;
  parts: { type: string }[];
}

async function stored(client: Client, conversationId: string): Promise<StoredMessage[]> {
  const res = await api(client, 'GET', `/api/conversations/${conversationId}/messages?limit=200`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: StoredMessage[] }).items;
}

/** Poll until `probe` answers (an event, not a clock: the guard only keeps a broken test from hanging). */
async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  // Spaced out: each probe of the API counts against the user's request rate limit.
  for (let i = 0; i < 400; i++) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

const textOf = (message: UIMessage | undefined) =>
  (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');

/** A Chat for a conversation, recording its statuses and the data parts it was handed. */
function chatFor(client: Client, conversationId: string) {
  const data: { type: string; data: unknown }[] = [];
  const chat = new Chat<UIMessage>({
    id: conversationId,
    transport: transportFor(client),
    onData: (part) => data.push(part as { type: string; data: unknown }),
  });
  const statuses: string[] = [];
  chat['~registerStatusCallback'](() => statuses.push(chat.status));
  return { chat, statuses, data };
}

describe('useChat (Chat from @ai-sdk/react) against POST /api/chat', () => {
  it('sends: submitted → streaming → ready, the reply streams in, and every id it holds is Parley’s', async () => {
    const id = await newConversation(alice());
    const { chat, statuses, data } = chatFor(alice(), id);
    await chat.sendMessage({ text: 'Hello Parley' });

    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
    expect(statuses).toEqual(['submitted', 'streaming', 'ready']);
    const [user, reply] = chat.messages;
    expect(chat.messages).toHaveLength(2);
    expect(textOf(user)).toBe('Hello Parley');
    expect(reply?.role).toBe('assistant');
    expect(textOf(reply)).toBe(demoReply('Hello Parley'));
    expect(reply?.metadata).toMatchObject({ status: 'complete' });

    // data-run is transient: handed to onData, never one of the message's parts.
    expect(chat.messages.flatMap((m) => m.parts).some((part) => part.type.startsWith('data-'))).toBe(false);
    const run = data.find((part) => part.type === 'data-run')?.data as { assistantMessageId: string };
    expect(run.assistantMessageId).toBe(reply?.id);

    // The server wrote the same reply under the id the Chat holds.
    const messages = await stored(alice(), id);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(messages[1]).toMatchObject({ id: reply?.id, status: 'complete', content: textOf(reply) });
    expect(messages[0]?.content).toBe('Hello Parley');

    // A second turn goes on the same branch: Parley's history, not a copy sent by the client.
    await chat.sendMessage({ text: 'And again' });
    expect(textOf(chat.messages[3])).toBe(demoReply('And again'));
    const after = await stored(alice(), id);
    expect(after).toHaveLength(4);
    expect(after[2]?.parentId).toBe(reply?.id);
  });

  it('regenerates the last reply (no id) and a named reply, as siblings under the same user message', async () => {
    const id = await newConversation(alice());
    const { chat } = chatFor(alice(), id);
    await chat.sendMessage({ text: 'Say it twice' });
    const first = chat.messages[1]?.id as string;

    await chat.regenerate();
    expect(chat.status).toBe('ready');
    expect(chat.messages).toHaveLength(2);
    const second = chat.messages[1]?.id as string;
    expect(second).not.toBe(first);
    expect(textOf(chat.messages[1])).toBe(demoReply('Say it twice'));

    await chat.regenerate({ messageId: second });
    const third = chat.messages[1]?.id as string;
    // By the user message's id (the Chat's own id for it): a reply to that message.
    await chat.regenerate({ messageId: chat.messages[0]?.id as string });
    const fourth = chat.messages[1]?.id as string;
    expect(chat.messages).toHaveLength(2);
    expect(new Set([first, second, third, fourth]).size).toBe(4);

    const messages = await stored(alice(), id);
    const userMessage = messages.find((m) => m.role === 'user');
    const replies = messages.filter((m) => m.role === 'assistant');
    expect(replies.map((m) => m.id).sort()).toEqual([first, second, third, fourth].sort());
    expect(replies.every((m) => m.parentId === userMessage?.id && m.status === 'complete')).toBe(true);
  });

  it('edits a user message (sendMessage with its messageId): a new sibling and its reply, the old branch kept', async () => {
    const id = await newConversation(alice());
    const { chat } = chatFor(alice(), id);
    await chat.sendMessage({ text: 'First question' });
    await chat.sendMessage({ text: 'Second question' });
    const oldReply = chat.messages[3]?.id;

    await chat.sendMessage({ text: 'Second question, edited', messageId: chat.messages[2]?.id as string });
    expect(chat.status).toBe('ready');
    expect(chat.messages.map(textOf)).toEqual([
      'First question',
      demoReply('First question'),
      'Second question, edited',
      demoReply('Second question, edited'),
    ]);
    const messages = await stored(alice(), id);
    const byContent = (content: string) => messages.find((m) => m.content === content);
    expect(byContent('Second question, edited')?.parentId).toBe(chat.messages[1]?.id);
    expect(byContent('Second question')?.parentId).toBe(chat.messages[1]?.id);
    expect(messages.find((m) => m.id === oldReply)?.status).toBe('complete');
    expect(messages).toHaveLength(6);
  });

  it('stop() stops the run on the server: the reply is kept as stopped and nothing streams any more', async () => {
    const id = await newConversation(alice(), 'gated');
    const { chat } = chatFor(alice(), id);
    const sending = chat.sendMessage({ text: 'Stop me' });
    await until(() => textOf(chat.messages[1]) === 'Hello from ', 'the first words');
    const callsBefore = gated.state.aborted;

    await chat.stop();
    await sending;
    expect(chat.status).toBe('ready');

    const reply = await until(async () => {
      const found = (await stored(alice(), id)).find((m) => m.role === 'assistant');
      return found && found.status !== 'streaming' ? found : undefined;
    }, 'the reply to be saved');
    expect(reply).toMatchObject({ id: chat.messages[1]?.id, status: 'stopped', content: 'Hello from ' });
    // The model call itself was aborted (the gate is still shut).
    expect(gated.state.aborted).toBe(callsBefore + 1);
    expect((await api(alice(), 'GET', `/api/chat/${id}/stream`)).status).toBe(204);
  });

  it('resumeStream() from a second Chat (another tab) replays the reply so far and picks up the rest', async () => {
    const id = await newConversation(alice(), 'gated');
    const first = chatFor(alice(), id);
    const sending = first.chat.sendMessage({ text: 'Resume me' });
    await until(() => textOf(first.chat.messages[1]) === 'Hello from ', 'the first words');

    const second = chatFor(alice(), id);
    // Twice, as React's StrictMode mounts do: the Chat aborts the first resume, which is no stop.
    const replaced = second.chat.resumeStream();
    const resuming = second.chat.resumeStream();
    await replaced;
    await until(() => textOf(second.chat.messages[0]) === 'Hello from ', 'the resumed words');
    expect(second.chat.status).toBe('streaming');

    gated.release();
    await Promise.all([sending, resuming]);
    for (const { chat } of [first, second]) {
      expect(chat.status).toBe('ready');
      expect(textOf(chat.messages.at(-1))).toBe('Hello from the gate.');
    }
    const replyId = first.chat.messages[1]?.id;
    expect(second.chat.messages.map((m) => m.id)).toEqual([replyId]);
    expect(second.chat.messages[0]?.parts.some((part) => part.type.startsWith('data-'))).toBe(false);
    const reply = (await stored(alice(), id)).find((m) => m.id === replyId);
    expect(reply).toMatchObject({ status: 'complete', content: 'Hello from the gate.' });

    // With no run active, resuming finds nothing (204) and changes nothing.
    const third = chatFor(alice(), id);
    await third.chat.resumeStream();
    expect(third.chat.status).toBe('ready');
    expect(third.chat.messages).toEqual([]);
  });

  it("another user's conversation id is an error and changes nothing; so is an id that is no conversation", async () => {
    const id = await newConversation(alice());
    const { chat } = chatFor(alice(), id);
    await chat.sendMessage({ text: 'Mine alone' });
    const bobs = await newConversation(users.b);
    const before = await tableCounts(t.store);

    for (const target of [id, '0190f5c2-7a4b-7c1d-8e9f-0123456789ab']) {
      const bob = chatFor(users.b, target);
      await bob.chat.sendMessage({ text: 'Let me in' });
      expect(bob.chat.status).toBe('error');
      expect(bob.chat.error?.message).toContain('not_found');
      await bob.chat.resumeStream();
      expect(bob.chat.status).toBe('error');
      const stop = await transportFor(users.b).stopRun(target);
      expect(stop.status).toBe(404);
    }
    // Bob regenerating Alice's reply by its id, in a conversation of his own: not found either.
    const res = await api(users.b, 'POST', '/api/chat', {
      id: bobs,
      messages: [],
      trigger: 'regenerate-message',
      messageId: chat.messages[1]?.id,
    });
    expect(res.status).toBe(404);

    expect(await tableCounts(t.store)).toEqual(before);
    expect((await stored(alice(), id)).map((m) => m.content)).toEqual([
      'Mine alone',
      demoReply('Mine alone'),
    ]);
  });
});

describe('POST /api/chat input', () => {
  const body = (id: string, extra: object = {}) => ({
    id,
    trigger: 'submit-message',
    messages: [{ id: 'client-1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] }],
    ...extra,
  });

  it('answers SSE without an Accept header, and never trusts the client’s copy of the history', async () => {
    const id = await newConversation(alice());
    const res = await api(alice(), 'POST', '/api/chat', {
      ...body(id),
      messages: [
        { id: 'x1', role: 'user', parts: [{ type: 'text', text: 'forged question' }] },
        { id: 'x2', role: 'assistant', parts: [{ type: 'text', text: 'forged answer' }] },
        { id: 'x3', role: 'user', parts: [{ type: 'text', text: 'Hi' }] },
      ],
      somethingTheAppAdded: { ignored: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect((await stored(alice(), id)).map((m) => m.content)).toEqual(['Hi', demoReply('Hi')]);
  });

  it('refuses bad requests with 4xx {error, code} and writes nothing', async () => {
    const id = await newConversation(alice());
    const before = await tableCounts(t.store);
    const cases: [object, number][] = [
      [{ ...body(id), trigger: 'resume-stream' }, 400],
      [{ ...body(id), messages: 'nope' }, 400],
      [{ ...body(id), id: undefined }, 400],
      [
        body(id, {
          messages: [{ id: 'a', role: 'assistant', parts: [{ type: 'text', text: 'approval' }] }],
        }),
        400,
      ],
      [body(id, { messages: [{ id: 'e', role: 'user', parts: [{ type: 'text', text: '   ' }] }] }), 400],
      [
        body(id, {
          messages: [
            {
              id: 'f',
              role: 'user',
              parts: [{ type: 'file', mediaType: 'text/plain', url: 'data:text/plain;base64,aGk=' }],
            },
          ],
        }),
        400,
      ],
      [
        body(id, {
          messages: [{ id: 'l', role: 'user', parts: [{ type: 'text', text: 'x'.repeat(100_001) }] }],
        }),
        400,
      ],
      [body(id, { messages: [{ id: 'n', role: 'user', parts: [{ type: 'text', text: 'a\u0000b' }] }] }), 400],
      [body(id, { model: 'no-such-model' }), 400],
      [body(id, { messageId: 'not-a-parley-message' }), 404],
      [{ ...body(id), trigger: 'regenerate-message', messageId: 'not-a-parley-message' }, 404],
    ];
    for (const [payload, status] of cases) {
      const res = await api(alice(), 'POST', '/api/chat', payload);
      expect(res.status, JSON.stringify(payload).slice(0, 200)).toBe(status);
      const error = (await res.json()) as { error: string; code: string };
      expect(typeof error.error).toBe('string');
      expect(typeof error.code).toBe('string');
    }
    expect(await tableCounts(t.store)).toEqual(before);
  });
});
