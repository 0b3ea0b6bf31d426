import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRegistry } from '../src/server/ai/model-registry.js';
import { createModelRegistry } from '../src/server/ai/models.js';
import { parseModelsFile } from '../src/server/ai/models-file.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { parseConfig } from '../src/server/config.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { startFakeAnthropic } from './helpers/fake-providers/anthropic.js';
import type { FakeServer, RecordedRequest } from './helpers/fake-providers/fake-server.js';
import { startFakeGoogle } from './helpers/fake-providers/google.js';
import { startFakeOllama } from './helpers/fake-providers/ollama.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';
import { startFakeOpenAICompatible } from './helpers/fake-providers/openai-compatible.js';
import { freePort, spawnServer } from './helpers/server-process.js';
import { partsOf, readSse, textOf } from './helpers/sse.js';

// Every real provider, end to end: the registry built from settings, a Parley run over HTTP, and a
// local server speaking the provider's own wire protocol on the other side.

type Env = Record<string, string>;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'parley-providers-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A logger whose lines the test can read (the registry warns about unreachable providers). */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

function configFrom(env: Env) {
  return parseConfig({
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    DEMO_DELAY_MS: '0',
    SHUTDOWN_GRACE_MS: '100',
    AUTH_MODE: 'none',
    // Each provider's calls are counted exactly: no title calls among them (titles.test.ts has those).
    TITLE_MODEL: 'off',
    ...env,
  });
}

async function registryFrom(env: Env, logger: Logger = pino({ level: 'silent' })): Promise<ModelRegistry> {
  return createModelRegistry(configFrom(env), { logger, env });
}

interface Parley {
  app: ParleyApp;
  store: Store;
  base: string;
  models: ModelRegistry;
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

async function fake(start: Promise<FakeServer>): Promise<FakeServer> {
  const server = await start;
  fakes.push(server);
  return server;
}

/**
 * Parley as main.ts builds it (settings → registry → app), on a real socket. createTestApp takes
 * extra models but not a registry, so the few lines it does are repeated here.
 */
async function startParley(env: Env): Promise<Parley> {
  const config = configFrom(env);
  const logger = pino({ level: 'silent' });
  const models = await createModelRegistry(config, { logger, env });
  const store = await openStore(config.databaseUrl);
  const app = await buildApp({ config, store, models, logger });
  const parley: Parley = { app, store, base: '', models };
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

interface MessageJson {
  id: string;
  role: string;
  content: string;
  status: string;
  model: string | null;
  usage: { inputTokens: number | null; outputTokens: number | null };
  error: string | null;
}

async function newConversation(parley: Parley, body: object): Promise<string> {
  const res = await fetch(`${parley.base}/api/conversations`, post(body));
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function messages(parley: Parley, conversationId: string): Promise<MessageJson[]> {
  const res = await fetch(`${parley.base}/api/conversations/${conversationId}/messages?limit=200`);
  return ((await res.json()) as { items: MessageJson[] }).items;
}

/** Send a message, read the whole SSE reply, and return it with the stored assistant message. */
async function turn(parley: Parley, conversationId: string, content: string) {
  const res = await fetch(
    `${parley.base}/api/conversations/${conversationId}/messages`,
    post({ content }, true),
  );
  expect(res.status).toBe(200);
  const events = await readSse(res);
  const run = partsOf(events).find((part) => part.type === 'data-run') as
    | { data: { assistantMessageId: string } }
    | undefined;
  const stored = (await messages(parley, conversationId)).find((m) => m.id === run?.data.assistantMessageId);
  return { events, text: textOf(events), stored };
}

const SYSTEM = 'You are terse.';
const FIRST = { chunks: ['Hel', 'lo ', 'there', '!'], usage: { inputTokens: 21, outputTokens: 4 } };
const SECOND = { chunks: ['Second', ' answer', ' here.'], usage: { inputTokens: 37, outputTokens: 3 } };

interface ProviderCase {
  name: string;
  start: () => Promise<FakeServer>;
  /** Settings that point Parley at the fake (and the model to use). */
  env: (server: FakeServer) => Promise<Env> | Env;
  model: string;
  expectAuth: (request: RecordedRequest) => void;
  /** The second call: the system prompt and user, assistant, user in the provider's format. */
  expectPrompt: (request: RecordedRequest) => void;
}

const cases: ProviderCase[] = [
  {
    name: 'OpenAI chat completions',
    start: () => startFakeOpenAI(),
    env: (server) => ({ OPENAI_API_KEY: 'sk-test-openai', OPENAI_BASE_URL: server.baseURL }),
    model: 'openai/gpt-4o-mini',
    expectAuth: (request) => {
      expect(request.path).toBe('/v1/chat/completions');
      expect(request.headers.authorization).toBe('Bearer sk-test-openai');
    },
    expectPrompt: (request) => {
      expect(request.body).toMatchObject({
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(request.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello there!' },
        { role: 'user', content: 'And again?' },
      ]);
    },
  },
  {
    name: 'Anthropic messages',
    start: () => startFakeAnthropic(),
    // The origin without /v1, as Anthropic's own SDKs take it: Parley adds the version path.
    env: (server) => ({ ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: server.origin }),
    model: 'anthropic/claude-sonnet-4-5',
    expectAuth: (request) => {
      expect(request.path).toBe('/v1/messages');
      expect(request.headers['x-api-key']).toBe('sk-ant-test');
      expect(request.headers['anthropic-version']).toBe('2023-06-01');
      expect(request.headers.authorization).toBeUndefined();
    },
    expectPrompt: (request) => {
      expect(request.body).toMatchObject({ model: 'claude-sonnet-4-5', stream: true });
      expect(request.body.max_tokens).toBeGreaterThan(0);
      expect(request.body.system).toEqual([{ type: 'text', text: SYSTEM }]);
      expect(request.body.messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello there!' }] },
        { role: 'user', content: [{ type: 'text', text: 'And again?' }] },
      ]);
    },
  },
  {
    name: 'Google Gemini',
    start: () => startFakeGoogle(),
    env: (server) => ({
      GOOGLE_GENERATIVE_AI_API_KEY: 'goog-test',
      GOOGLE_GENERATIVE_AI_BASE_URL: server.baseURL,
    }),
    model: 'google/gemini-2.5-flash',
    expectAuth: (request) => {
      expect(request.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
      expect(request.query.get('alt')).toBe('sse');
      expect(request.headers['x-goog-api-key']).toBe('goog-test');
      expect(request.query.get('key')).toBeNull();
    },
    expectPrompt: (request) => {
      expect(request.body.systemInstruction).toEqual({ parts: [{ text: SYSTEM }] });
      expect(request.body.contents).toEqual([
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello there!' }] },
        { role: 'user', parts: [{ text: 'And again?' }] },
      ]);
    },
  },
  {
    name: 'Ollama',
    start: () => startFakeOllama({ models: ['llama3.2:latest', 'qwen2.5:7b'] }),
    env: (server) => ({ OLLAMA_BASE_URL: server.origin }),
    model: 'ollama/llama3.2:latest',
    expectAuth: (request) => {
      expect(request.path).toBe('/api/chat');
      // Ollama has no authentication; nothing should be sent that looks like a key.
      expect(request.headers.authorization).toBeUndefined();
    },
    expectPrompt: (request) => {
      expect(request.body).toMatchObject({ model: 'llama3.2:latest', stream: true });
      expect(request.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello there!' },
        { role: 'user', content: 'And again?' },
      ]);
    },
  },
  {
    name: 'a generic OpenAI-compatible endpoint (MODELS_FILE)',
    start: () => startFakeOpenAICompatible(),
    env: async (server) => {
      const file = path.join(tmp, `compatible-${path.basename(server.origin).replace(/\W/g, '')}.yaml`);
      await writeFile(
        file,
        [
          'endpoints:',
          '  - name: local-vllm',
          `    baseURL: ${server.baseURL}`,
          '    apiKeyEnv: VLLM_KEY',
          '    headers:',
          '      X-Title: Parley',
          '    models:',
          '      - id: qwen-2.5-7b',
          '        name: Qwen 2.5 7B',
          '        contextWindow: 32768',
          '',
        ].join('\n'),
      );
      return { MODELS_FILE: file, VLLM_KEY: 'vllm-secret' };
    },
    model: 'local-vllm/qwen-2.5-7b',
    expectAuth: (request) => {
      expect(request.path).toBe('/custom/v1/chat/completions');
      expect(request.headers.authorization).toBe('Bearer vllm-secret');
      expect(request.headers['x-title']).toBe('Parley');
    },
    expectPrompt: (request) => {
      expect(request.body).toMatchObject({
        model: 'qwen-2.5-7b',
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(request.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello there!' },
        { role: 'user', content: 'And again?' },
      ]);
    },
  },
];

describe.each(cases)('$name', (c) => {
  it('streams a reply through a full Parley run: text, usage stored, auth header, history and system prompt', async () => {
    const server = await fake(c.start());
    server.enqueue(FIRST, SECOND);
    const parley = await startParley(await c.env(server));
    expect(parley.models.has(c.model)).toBe(true);
    const id = await newConversation(parley, { model: c.model, systemPrompt: SYSTEM });

    const first = await turn(parley, id, 'Hi');
    expect(first.text).toBe('Hello there!');
    expect(first.stored).toMatchObject({
      content: 'Hello there!',
      status: 'complete',
      model: c.model,
      usage: { inputTokens: 21, outputTokens: 4 },
      error: null,
    });

    const second = await turn(parley, id, 'And again?');
    expect(second.text).toBe('Second answer here.');
    expect(second.events.at(-1)?.data).toBe('[DONE]');
    expect(second.stored).toMatchObject({
      content: 'Second answer here.',
      status: 'complete',
      usage: { inputTokens: 37, outputTokens: 3 },
    });

    expect(server.calls).toHaveLength(2);
    for (const call of server.calls) c.expectAuth(call);
    c.expectPrompt(server.calls[1] as RecordedRequest);
  });

  it('ends the reply as error, with the HTTP status in the message, when the provider answers 401', async () => {
    const server = await fake(c.start());
    server.script({ status: 401, error: { message: 'Incorrect API key provided.' } });
    const parley = await startParley(await c.env(server));
    const id = await newConversation(parley, { model: c.model });

    const { events, stored } = await turn(parley, id, 'Hi');
    const error = partsOf(events).find((part) => part.type === 'error') as { errorText: string } | undefined;
    expect(error?.errorText).toContain('401');
    expect(stored?.status).toBe('error');
    expect(stored?.error).toContain('401');
    expect(stored?.content).toBe('');
  });
});

describe('GET /api/models', () => {
  it('lists each configured provider with ids, names, context windows, breaker state and the default', async () => {
    const openai = await fake(startFakeOpenAI());
    const ollama = await fake(startFakeOllama({ models: ['llama3.2:latest'] }));
    const file = path.join(tmp, 'listed.json');
    await writeFile(
      file,
      JSON.stringify({
        endpoints: [
          {
            name: 'groq',
            baseURL: 'https://api.groq.com/openai/v1',
            apiKey: 'gsk-test',
            models: [{ id: 'llama-3.3-70b-versatile', name: 'Llama 3.3 70B', contextWindow: 131072 }],
          },
        ],
      }),
    );
    const parley = await startParley({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: openai.baseURL,
      ANTHROPIC_API_KEY: 'sk-ant',
      GOOGLE_GENERATIVE_AI_API_KEY: 'goog',
      GOOGLE_MODELS: 'gemini-2.5-pro,gemini-exp-1206',
      OLLAMA_BASE_URL: ollama.origin,
      MODELS_FILE: file,
    });

    const res = await fetch(`${parley.base}/api/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      defaultModel: string;
      models: {
        id: string;
        provider: string;
        name: string;
        contextWindow: number | null;
        breaker: unknown;
      }[];
    };
    // No DEFAULT_MODEL: the first configured provider's first model.
    expect(body.defaultModel).toBe('openai/gpt-4o-mini');
    expect(body.models.map((m) => [m.id, m.provider, m.name, m.contextWindow])).toEqual([
      ['demo', 'parley', 'Demo (built in)', 8192],
      ['openai/gpt-4o-mini', 'openai', 'GPT-4o mini', 128000],
      ['openai/gpt-4o', 'openai', 'GPT-4o', 128000],
      ['openai/gpt-4.1', 'openai', 'GPT-4.1', 1047576],
      ['anthropic/claude-sonnet-4-5', 'anthropic', 'Claude Sonnet 4.5', 200000],
      ['anthropic/claude-haiku-4-5', 'anthropic', 'Claude Haiku 4.5', 200000],
      ['google/gemini-2.5-pro', 'google', 'Gemini 2.5 Pro', 1048576],
      ['google/gemini-exp-1206', 'google', 'gemini-exp-1206', null],
      ['ollama/llama3.2:latest', 'ollama', 'llama3.2 (3.2B)', null],
      ['groq/llama-3.3-70b-versatile', 'groq', 'Llama 3.3 70B', 131072],
    ]);
    for (const model of body.models) {
      expect(model).toMatchObject({ available: true });
      // null until the resilience layer reports its breaker; then one of its states.
      expect([null, 'closed', 'open', 'half-open']).toContain(model.breaker);
    }
    expect(body.models.find((m) => m.id === 'demo')?.breaker).toBeNull();
    // Listing models costs no call to any provider (Ollama's model list is read once, at startup).
    expect(openai.requests).toHaveLength(0);
    expect(ollama.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/tags']);
  });

  it('shows the breaker state a provider entry reports', async () => {
    const models = await registryFrom({ OPENAI_API_KEY: 'sk', OPENAI_MODELS: 'gpt-4o' });
    const entry = models.get('openai/gpt-4o');
    if (!entry) throw new Error('missing');
    let state: 'closed' | 'open' = 'closed';
    entry.breakerState = () => state;
    expect(models.list().find((m) => m.id === 'openai/gpt-4o')?.breaker).toBe('closed');
    state = 'open';
    expect(models.list().find((m) => m.id === 'openai/gpt-4o')?.breaker).toBe('open');
  });

  it('offers only the demo model, as the default, when no provider is configured', async () => {
    const models = await registryFrom({});
    expect(models.list().map((m) => m.id)).toEqual(['demo']);
    expect(models.defaultModel).toBe('demo');
  });

  it('takes DEFAULT_MODEL and the *_MODELS lists from the settings', async () => {
    const models = await registryFrom({
      OPENAI_API_KEY: 'sk',
      OPENAI_MODELS: 'gpt-4.1, o3-mini',
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_MODELS: 'claude-haiku-4-5',
      DEFAULT_MODEL: 'anthropic/claude-haiku-4-5',
    });
    expect(models.list().map((m) => m.id)).toEqual([
      'demo',
      'openai/gpt-4.1',
      'openai/o3-mini',
      'anthropic/claude-haiku-4-5',
    ]);
    expect(models.defaultModel).toBe('anthropic/claude-haiku-4-5');
    expect(models.get('openai/o3-mini')?.info.contextWindow).toBeNull();
    expect((await registryFrom({ DEFAULT_MODEL: 'demo', OPENAI_API_KEY: 'sk' })).defaultModel).toBe('demo');
  });

  it('stops startup with one line for an unknown DEFAULT_MODEL', async () => {
    const attempt = registryFrom({ OPENAI_API_KEY: 'sk', DEFAULT_MODEL: 'openai/gpt-9' });
    await expect(attempt).rejects.toThrow(
      /^Invalid setting DEFAULT_MODEL="openai\/gpt-9": expected one of demo, openai\//,
    );
  });
});

describe('Ollama', () => {
  it('starts without Ollama models, and logs a warning, when Ollama is not reachable', async () => {
    const port = await freePort();
    const { logger, lines } = capturingLogger();
    const models = await registryFrom({ OLLAMA_BASE_URL: `http://127.0.0.1:${port}` }, logger);
    expect(models.list().map((m) => m.id)).toEqual(['demo']);
    expect(lines.some((line) => line.level === 40 && /Ollama is not reachable/.test(String(line.msg)))).toBe(
      true,
    );
  });

  it('does not fail on a DEFAULT_MODEL of an Ollama that is down: it falls back and warns', async () => {
    const port = await freePort();
    const { logger, lines } = capturingLogger();
    const models = await registryFrom(
      { OLLAMA_BASE_URL: `http://127.0.0.1:${port}/api`, DEFAULT_MODEL: 'ollama/llama3.2:latest' },
      logger,
    );
    expect(models.defaultModel).toBe('demo');
    expect(lines.some((line) => /DEFAULT_MODEL is not reachable/.test(String(line.msg)))).toBe(true);
  });

  it('accepts OLLAMA_BASE_URL with or without /api', async () => {
    const server = await fake(startFakeOllama({ models: ['mistral:7b'] }));
    const models = await registryFrom({ OLLAMA_BASE_URL: `${server.origin}/api/` });
    expect(models.list().map((m) => m.id)).toEqual(['demo', 'ollama/mistral:7b']);
    expect(server.requests[0]?.path).toBe('/api/tags');
  });
});

describe('MODELS_FILE', () => {
  const yaml = [
    '# extra endpoints',
    'endpoints:',
    '  - name: openrouter',
    '    baseURL: https://openrouter.ai/api/v1/',
    '    apiKeyEnv: OPENROUTER_API_KEY',
    '    models:',
    '      - id: meta-llama/llama-3.3-70b-instruct',
    '        name: Llama 3.3 70B (OpenRouter)',
    '        contextWindow: 131072',
    '        fallbacks: [small, openai/gpt-4o-mini, demo]',
    '      - id: small',
    '  - name: lm-studio',
    '    baseURL: http://127.0.0.1:1234/v1',
    '    models:',
    '      - id: qwen2.5-7b-instruct',
    '',
  ].join('\n');

  it('loads YAML: models, names, context windows, keys from the environment, resolved fallbacks', async () => {
    const file = path.join(tmp, 'models.yaml');
    await writeFile(file, yaml);
    const models = await registryFrom({
      MODELS_FILE: file,
      OPENROUTER_API_KEY: 'or-key',
      OPENAI_API_KEY: 'sk',
      OPENAI_MODELS: 'gpt-4o-mini',
    });
    expect(models.list().map((m) => [m.id, m.provider, m.name, m.contextWindow])).toEqual([
      ['demo', 'parley', 'Demo (built in)', 8192],
      ['openai/gpt-4o-mini', 'openai', 'GPT-4o mini', 128000],
      ['openrouter/meta-llama/llama-3.3-70b-instruct', 'openrouter', 'Llama 3.3 70B (OpenRouter)', 131072],
      ['openrouter/small', 'openrouter', 'small', null],
      ['lm-studio/qwen2.5-7b-instruct', 'lm-studio', 'qwen2.5-7b-instruct', null],
    ]);
    expect(models.get('openrouter/meta-llama/llama-3.3-70b-instruct')?.fallbacks).toEqual([
      'openrouter/small',
      'openai/gpt-4o-mini',
      'demo',
    ]);
    expect(models.get('openrouter/small')?.fallbacks).toBeUndefined();
  });

  it('loads JSON (by extension, or by content whatever the extension)', async () => {
    const content = JSON.stringify({
      endpoints: [{ name: 'llamacpp', baseURL: 'http://127.0.0.1:8080/v1', models: [{ id: 'local' }] }],
    });
    for (const name of ['models.json', 'models.conf']) {
      const file = path.join(tmp, name);
      await writeFile(file, content);
      const models = await registryFrom({ MODELS_FILE: file });
      expect(models.list().map((m) => m.id)).toEqual(['demo', 'llamacpp/local']);
      expect(models.defaultModel).toBe('llamacpp/local');
    }
  });

  const bad: [string, string, string, Env?][] = [
    [
      'a baseURL that is not http(s)',
      'endpoints:\n  - name: x\n    baseURL: ftp://host/v1\n    models: [{ id: m }]\n',
      'endpoints[0].baseURL must be an http(s) URL',
    ],
    [
      'a name with capitals',
      'endpoints:\n  - name: My Server\n    baseURL: http://h/v1\n    models: [{ id: m }]\n',
      'endpoints[0].name must be lowercase letters, digits and dashes',
    ],
    ['no models', 'endpoints:\n  - name: x\n    baseURL: http://h/v1\n', 'endpoints[0].models is required'],
    [
      'an empty models list',
      'endpoints:\n  - name: x\n    baseURL: http://h/v1\n    models: []\n',
      'endpoints[0].models must not be empty',
    ],
    [
      'a bad context window',
      'endpoints:\n  - name: x\n    baseURL: http://h/v1\n    models: [{ id: m, contextWindow: big }]\n',
      'endpoints[0].models[0].contextWindow must be an integer',
    ],
    [
      'an unknown field',
      'endpoints:\n  - name: x\n    baseUrl: http://h/v1\n    baseURL: http://h/v1\n    models: [{ id: m }]\n',
      'endpoints[0].baseUrl is not a known field',
    ],
    [
      'a duplicate name',
      'endpoints:\n  - { name: x, baseURL: "http://a/v1", models: [{ id: m }] }\n  - { name: x, baseURL: "http://b/v1", models: [{ id: m }] }\n',
      'endpoints[1].name "x" is already used by endpoints[0]',
    ],
    [
      'a built-in provider name',
      'endpoints:\n  - { name: openai, baseURL: "http://a/v1", models: [{ id: m }] }\n',
      'endpoints[0].name "openai" is reserved',
    ],
    [
      'an unset apiKeyEnv',
      'endpoints:\n  - { name: x, baseURL: "http://a/v1", apiKeyEnv: NOPE_KEY, models: [{ id: m }] }\n',
      'endpoints[0].apiKeyEnv names NOPE_KEY, which is not set',
    ],
    [
      'an unknown fallback',
      'endpoints:\n  - { name: x, baseURL: "http://a/v1", models: [{ id: m, fallbacks: [openai/gpt-4o] }] }\n',
      'model x/m lists fallback "openai/gpt-4o", which is not a configured model',
    ],
    ['broken YAML', 'endpoints:\n  - name: x\n   baseURL: [\n', 'not valid YAML'],
    ['broken JSON', '{"endpoints": [', 'not valid JSON'],
    ['no endpoints key', 'models: []\n', 'endpoints is required'],
    ['an empty file', '', 'the file must hold an object with an endpoints list'],
  ];

  it.each(bad)(
    'stops startup with one line naming MODELS_FILE, the path and the problem: %s',
    async (_what, text, problem, env) => {
      const file = path.join(tmp, text.startsWith('{') ? 'bad.json' : 'bad.yaml');
      await writeFile(file, text);
      const error = await registryFrom({ MODELS_FILE: file, ...env }).then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error?.name).toBe('ConfigError');
      expect(error?.message.startsWith(`Invalid setting MODELS_FILE=${JSON.stringify(file)}: `)).toBe(true);
      expect(error?.message).toContain(problem);
      expect(error?.message).not.toContain('\n');
    },
  );

  it('names a missing file', async () => {
    const file = path.join(tmp, 'nope.yaml');
    await expect(registryFrom({ MODELS_FILE: file })).rejects.toThrow(
      `Invalid setting MODELS_FILE=${JSON.stringify(file)}: no such file.`,
    );
  });

  it('parses text directly too (the checker is usable without a file)', () => {
    const endpoints = parseModelsFile(
      'endpoints:\n  - { name: x, baseURL: "http://a/v1/", apiKey: k, models: [{ id: m }] }\n',
      'inline.yaml',
    );
    expect(endpoints).toEqual([
      { name: 'x', baseURL: 'http://a/v1', apiKey: 'k', headers: undefined, models: [{ id: 'm' }] },
    ]);
  });

  it('makes the real server print that one line and exit 1', async () => {
    const file = path.join(tmp, 'bad-for-process.yaml');
    await writeFile(file, 'endpoints:\n  - name: x\n    baseURL: nope\n    models: [{ id: m }]\n');
    const child = spawnServer({
      PORT: String(await freePort()),
      DATABASE_URL: 'sqlite::memory:',
      LOG_LEVEL: 'silent',
      MODELS_FILE: file,
    });
    const exit = await child.waitForExit(60_000);
    expect(exit.code).toBe(1);
    expect(child.stderr()).toEqual([
      `parley: Invalid setting MODELS_FILE=${JSON.stringify(file)}: endpoints[0].baseURL must be an http(s) URL.`,
    ]);
  });
});

describe('the fake provider servers (used by the fault tests too)', () => {
  const ask = (server: FakeServer, signal?: AbortSignal) =>
    fetch(`${server.baseURL}/chat/completions`, { ...post({ model: 'm', stream: true }), signal });

  it('see a client that goes away mid-reply (stallAfter), and can cut a stream (cutAfter)', async () => {
    const server = await fake(startFakeOpenAI());
    server.enqueue({ chunks: ['a', 'b', 'c'], stallAfter: 1 }, { chunks: ['a', 'b', 'c'], cutAfter: 2 });

    const controller = new AbortController();
    const stalled = await ask(server, controller.signal);
    const reader = stalled.body?.getReader();
    await reader?.read();
    const call = await server.waitForCall(1);
    // Stalled after its first chunk, the server would hold the connection forever: it closes only
    // because it saw the client go away. The race is a hang guard, not the assertion.
    expect(call.closedAt, 'closed before the client left').toBeUndefined();
    controller.abort();
    await Promise.race([
      call.closed,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('hang guard: the server never saw the client go away')), 20_000),
      ),
    ]);
    expect(call.aborted).toBe(true);

    const cut = await ask(server);
    await expect(cut.text()).rejects.toThrow();
    expect((await server.waitForCall(2)).aborted).toBe(true);
  });

  it('send the scripted status, headers and error body', async () => {
    const server = await fake(startFakeOpenAI());
    server.enqueue({ status: 429, headers: { 'retry-after': '2' }, error: { message: 'Slow down' } });
    const res = await ask(server);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toEqual({
      error: { message: 'Slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    // The queue is used up: the default reply follows.
    const ok = await ask(server);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('data: [DONE]');
  });
});
