import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoReasoning, demoReply } from '../src/server/ai/demo-model.js';
import { createModelRegistry } from '../src/server/ai/models.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { MAX_REASONING_CHARS, messagePartsOf, partsOf } from '../src/server/chat/message-parts.js';
import { parseConfig } from '../src/server/config.js';
import { ReplyBuilder } from '../src/server/runs/reply-builder.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { startFakeAnthropic } from './helpers/fake-providers/anthropic.js';
import type { FakeServer, RecordedRequest } from './helpers/fake-providers/fake-server.js';
import { startFakeOpenAICompatible } from './helpers/fake-providers/openai-compatible.js';
import { readSse, partsOf as streamPartsOf } from './helpers/sse.js';

// Reasoning (issue 16 item 4): what a model thinks before it answers is relayed on the run stream,
// stored as a `reasoning` part before the text, and kept out of `content` and of later prompts.

type Env = Record<string, string>;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'parley-reasoning-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Parley {
  app: ParleyApp;
  store: Store;
  base: string;
}

const started: Parley[] = [];
const fakes: FakeServer[] = [];
afterEach(async () => {
  for (const parley of started.splice(0)) {
    await parley.app.close();
    await parley.store.close();
  }
  for (const fake of fakes.splice(0)) await fake.close();
});

/** Parley as main.ts builds it (settings → registry → app), on a real socket. */
async function startParley(env: Env): Promise<Parley> {
  const config = parseConfig({
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    DEMO_DELAY_MS: '0',
    SHUTDOWN_GRACE_MS: '100',
    AUTH_MODE: 'none',
    // Provider calls are counted exactly: no title calls among them (titles.test.ts has those).
    TITLE_MODEL: 'off',
    ...env,
  });
  const logger = pino({ level: 'silent' });
  const models = await createModelRegistry(config, { logger, env });
  const store = await openStore(config.databaseUrl);
  const app = await buildApp({ config, store, models, logger });
  const parley: Parley = { app, store, base: '' };
  started.push(parley);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  parley.base = `http://127.0.0.1:${address.port}`;
  return parley;
}

const post = (body: unknown, stream = false) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(stream ? { accept: 'text/event-stream' } : {}) },
  body: JSON.stringify(body),
});

/** Send a message, read the whole run stream, and return it with the stored reply's row. */
async function turn(parley: Parley, conversationId: string, content: string) {
  const res = await fetch(
    `${parley.base}/api/conversations/${conversationId}/messages`,
    post({ content }, true),
  );
  expect(res.status).toBe(200);
  const parts = streamPartsOf(await readSse(res));
  const run = parts.find((part) => part.type === 'data-run') as
    | { data: { assistantMessageId: string } }
    | undefined;
  if (!run) throw new Error('no data-run part');
  const row = await parley.store.db
    .selectFrom('messages')
    .selectAll()
    .where('id', '=', run.data.assistantMessageId)
    .executeTakeFirst();
  if (!row) throw new Error('no stored reply');
  const reasoning = parts
    .filter((part) => part.type === 'reasoning-delta')
    .map((part) => part.delta)
    .join('');
  return { parts, row, reasoning };
}

async function conversation(parley: Parley, model: string): Promise<string> {
  const res = await fetch(`${parley.base}/api/conversations`, post({ model }));
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const THOUGHTS = ['Let me ', 'think: ', 'two plus two ', 'is four.'];
const ANSWER = { chunks: ['It is', ' four.'], usage: { inputTokens: 9, outputTokens: 12 } };

interface Case {
  name: string;
  start: () => Promise<FakeServer>;
  env: (server: FakeServer) => Promise<Env> | Env;
  model: string;
  /** The assistant turn of the second call's history, in the provider's format. */
  historyReply: (request: RecordedRequest) => unknown;
  expectedReply: unknown;
  /** What the stored reasoning part carries besides its text. */
  seal: object;
}

const cases: Case[] = [
  {
    name: 'Anthropic (a thinking block)',
    start: () => startFakeAnthropic(),
    env: (server) => ({ ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.origin }),
    model: 'anthropic/claude-sonnet-4-5',
    historyReply: (request) => request.body.messages[1],
    expectedReply: { role: 'assistant', content: [{ type: 'text', text: 'It is four.' }] },
    seal: { providerMetadata: { anthropic: { signature: expect.any(String) } } },
  },
  {
    name: 'an OpenAI-compatible endpoint (DeepSeek-style reasoning_content)',
    start: () => startFakeOpenAICompatible(),
    env: async (server) => {
      const file = path.join(tmp, `reasoner-${server.origin.replace(/\W/g, '')}.yaml`);
      await writeFile(
        file,
        [
          'endpoints:',
          '  - name: deepseek',
          `    baseURL: ${server.baseURL}`,
          '    models:',
          '      - id: deepseek-reasoner',
          '',
        ].join('\n'),
      );
      return { MODELS_FILE: file };
    },
    model: 'deepseek/deepseek-reasoner',
    historyReply: (request) => request.body.messages[1],
    expectedReply: { role: 'assistant', content: 'It is four.' },
    seal: {},
  },
];

describe.each(cases)('reasoning from $name', (c) => {
  it('streams reasoning-delta parts, stores a reasoning part before the text, and keeps it out of content and the next prompt', async () => {
    const server = await c.start();
    fakes.push(server);
    server.enqueue({ ...ANSWER, reasoning: THOUGHTS }, { chunks: ['Yes.'] });
    const parley = await startParley(await c.env(server));
    const id = await conversation(parley, c.model);

    const first = await turn(parley, id, 'What is 2+2?');
    const types = first.parts.map((part) => part.type);
    expect(first.reasoning).toBe(THOUGHTS.join(''));
    // The reasoning opens, streams and closes before the answer starts.
    expect(types.indexOf('reasoning-start')).toBeGreaterThan(-1);
    expect(types.indexOf('reasoning-end')).toBeLessThan(types.indexOf('text-start'));
    // Anthropic's signature (an empty delta) is not relayed.
    expect(first.parts.filter((part) => part.type === 'reasoning-delta' && part.delta === '')).toEqual([]);
    expect(first.row.status).toBe('complete');
    expect(first.row.content).toBe('It is four.');
    // Anthropic's signature is kept as the reasoning's seal (sent back only within the reply's tool steps).
    expect(messagePartsOf(first.row)).toEqual([
      { type: 'reasoning', text: THOUGHTS.join(''), ...c.seal },
      { type: 'text', text: 'It is four.' },
    ]);

    // The next turn's history has the answer only: a model is never sent the reasoning back.
    const second = await turn(parley, id, 'Sure?');
    expect(second.row.parts).toBeNull();
    expect(c.historyReply(server.calls[1] as RecordedRequest)).toEqual(c.expectedReply);
    expect(JSON.stringify(server.calls[1]?.body)).not.toContain('two plus two');
  });
});

describe('reasoning from the demo model', () => {
  it('/think streams and stores the demo reasoning; a plain message stores no parts', async () => {
    const parley = await startParley({});
    const id = await conversation(parley, 'demo');
    const asked = '/think Why is the sky blue?';
    const thought = await turn(parley, id, asked);
    expect(thought.reasoning).toBe(demoReasoning(asked));
    expect(thought.row.content).toBe(demoReply(asked));
    expect(messagePartsOf(thought.row)).toEqual([
      { type: 'reasoning', text: demoReasoning(asked) },
      { type: 'text', text: demoReply(asked) },
    ]);

    const plain = await turn(parley, id, 'Why is the sky blue?');
    expect(plain.reasoning).toBe('');
    expect(plain.row.parts).toBeNull();
  });
});

describe('reply parts (ReplyBuilder: what a run stores)', () => {
  it('are NULL for text alone, and keep reasoning, text and files in the order they arrived', () => {
    const plain = new ReplyBuilder();
    plain.appendText('Hi');
    expect(plain.stored()).toBeNull();
    const file = {
      type: 'file' as const,
      fileId: 'f1',
      mediaType: 'image/png',
      filename: 'a.png',
      size: 3,
      url: '/api/files/f1',
    };
    const reply = new ReplyBuilder();
    reply.startReasoning();
    reply.appendReasoning('Hm');
    reply.appendReasoning('m');
    reply.endReasoning();
    reply.appendText('Hi');
    reply.addFile(file);
    const stored = reply.stored();
    expect(JSON.parse(stored ?? '')).toEqual([
      { type: 'reasoning', text: 'Hmm' },
      { type: 'text', text: 'Hi' },
      file,
    ]);
    // What prompts and exports read leaves the reasoning out.
    expect(partsOf({ content: 'Hi', parts: stored })).toEqual([{ type: 'text', text: 'Hi' }, file]);
    // A reasoning block that brought nothing is not stored.
    const empty = new ReplyBuilder();
    empty.startReasoning();
    empty.endReasoning();
    empty.appendText('Hi');
    expect(empty.stored()).toBeNull();
  });

  it('bound the stored reasoning over the whole reply and say where it was cut', () => {
    const reply = new ReplyBuilder();
    reply.appendReasoning('x'.repeat(MAX_REASONING_CHARS - 10));
    reply.appendReasoning('y'.repeat(510));
    reply.appendReasoning('z'.repeat(100));
    const [part] = JSON.parse(reply.stored() ?? '[]') as { text: string }[];
    expect(part?.text.startsWith(`${'x'.repeat(MAX_REASONING_CHARS - 10)}${'y'.repeat(10)}`)).toBe(true);
    expect(part?.text.slice(MAX_REASONING_CHARS)).toMatch(
      /^\n\n\[Reasoning cut here: .*100,000 characters\.\]$/,
    );
    expect(part?.text).not.toContain('z');
  });

  it('keep a provider seal on its reasoning block; later reasoning starts a new block', () => {
    const reply = new ReplyBuilder();
    reply.startReasoning();
    reply.appendReasoning('first');
    reply.sealReasoning({ anthropic: { signature: 'sig' } });
    reply.endReasoning();
    reply.appendReasoning('second');
    expect(JSON.parse(reply.stored() ?? '')).toEqual([
      { type: 'reasoning', text: 'first', providerMetadata: { anthropic: { signature: 'sig' } } },
      { type: 'reasoning', text: 'second' },
    ]);
  });
});
