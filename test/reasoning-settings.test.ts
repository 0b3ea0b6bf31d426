import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModelV3, LanguageModelV3StreamPart, SharedV3ProviderOptions } from '@ai-sdk/provider';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../src/server/ai/models.js';
import { parseModelsFileSettings } from '../src/server/ai/models-file.js';
import {
  EFFORT_BUDGET_TOKENS,
  reasoningApiOf,
  reasoningProviderOptions,
  withProviderOptions,
} from '../src/server/ai/reasoning-options.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { parseConfig } from '../src/server/config.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { startFakeAnthropic } from './helpers/fake-providers/anthropic.js';
import type { FakeServer, RecordedRequest } from './helpers/fake-providers/fake-server.js';
import { startFakeGoogle } from './helpers/fake-providers/google.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';
import { startFakeOpenAICompatible } from './helpers/fake-providers/openai-compatible.js';
import { startFakeOpenAIResponses } from './helpers/fake-providers/openai-responses.js';
import { partsOf, readSse, textOf } from './helpers/sse.js';

// Per-model reasoning settings (issue 16 item 4): MODELS_FILE `reasoning: { effort | budgetTokens }`
// reaches each provider's wire as its own field, on every call of that model.

type Env = Record<string, string>;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'parley-reasoning-settings-'));
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

async function fake(start: Promise<FakeServer>): Promise<FakeServer> {
  const server = await start;
  fakes.push(server);
  return server;
}

let files = 0;
async function modelsFile(lines: string[]): Promise<string> {
  files += 1;
  const file = path.join(tmp, `models-${files}.yaml`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

const baseEnv = (env: Env): Env => ({
  DATABASE_URL: 'sqlite::memory:',
  LOG_LEVEL: 'silent',
  DEMO_DELAY_MS: '0',
  SHUTDOWN_GRACE_MS: '100',
  AUTH_MODE: 'none',
  // Provider calls are counted exactly: no title calls among them (titles.test.ts has those).
  TITLE_MODEL: 'off',
  ...env,
});

function registryFrom(env: Env) {
  return createModelRegistry(parseConfig(baseEnv(env)), { logger: pino({ level: 'silent' }), env });
}

/** Parley as main.ts builds it (settings → registry → app), on a real socket. */
async function startParley(env: Env): Promise<Parley> {
  const config = parseConfig(baseEnv(env));
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

/** One turn with `model` through the public API; returns the streamed text. */
async function ask(parley: Parley, model: string, content = 'Think hard: 2+2?'): Promise<string> {
  const created = await fetch(`${parley.base}/api/conversations`, post({ model }));
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const res = await fetch(`${parley.base}/api/conversations/${id}/messages`, post({ content }, true));
  expect(res.status).toBe(200);
  return textOf(await readSse(res));
}

describe('MODELS_FILE reasoning settings on the wire', () => {
  it('OpenAI (Chat Completions): reasoning_effort, on the named model only', async () => {
    const server = await fake(startFakeOpenAI());
    const file = await modelsFile(['models:', '  - id: openai/o4-mini', '    reasoning: { effort: high }']);
    const parley = await startParley({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_MODELS: 'o4-mini,gpt-4o-mini',
      MODELS_FILE: file,
    });
    expect(await ask(parley, 'openai/o4-mini')).toBe('Hello from the fake provider.');
    await ask(parley, 'openai/gpt-4o-mini');
    const [reasoner, plain] = server.calls as [RecordedRequest, RecordedRequest];
    expect(reasoner.body.model).toBe('o4-mini');
    expect(reasoner.body.reasoning_effort).toBe('high');
    expect(plain.body.model).toBe('gpt-4o-mini');
    expect(plain.body).not.toHaveProperty('reasoning_effort');
  });

  it('an OpenAI-compatible endpoint (DeepSeek style): reasoning_effort from the endpoint model', async () => {
    const server = await fake(startFakeOpenAICompatible());
    const file = await modelsFile([
      'endpoints:',
      '  - name: deepseek',
      `    baseURL: ${server.baseURL}`,
      '    models:',
      '      - id: deepseek-reasoner',
      '        reasoning: { effort: low }',
      '      - id: deepseek-chat',
    ]);
    const parley = await startParley({ MODELS_FILE: file });
    await ask(parley, 'deepseek/deepseek-reasoner');
    await ask(parley, 'deepseek/deepseek-chat');
    const [reasoner, plain] = server.calls as [RecordedRequest, RecordedRequest];
    expect(reasoner.body).toMatchObject({ model: 'deepseek-reasoner', reasoning_effort: 'low' });
    expect(plain.body.model).toBe('deepseek-chat');
    expect(plain.body).not.toHaveProperty('reasoning_effort');
  });

  it('Anthropic: thinking {type: enabled, budget_tokens}, from a budget or an effort', async () => {
    const server = await fake(startFakeAnthropic());
    const file = await modelsFile([
      'models:',
      '  - id: anthropic/claude-sonnet-4-5',
      '    reasoning: { budgetTokens: 4096 }',
      '  - id: anthropic/claude-haiku-4-5',
      '    reasoning: { effort: medium }',
    ]);
    const parley = await startParley({
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: server.origin,
      ANTHROPIC_MODELS: 'claude-sonnet-4-5,claude-haiku-4-5,claude-opus-4-1',
      MODELS_FILE: file,
    });
    await ask(parley, 'anthropic/claude-sonnet-4-5');
    await ask(parley, 'anthropic/claude-haiku-4-5');
    await ask(parley, 'anthropic/claude-opus-4-1');
    // The OpenAI-compatible /v1 API calls the same wrapped model: the setting goes along.
    const gateway = await fetch(`${parley.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'anthropic/claude-sonnet-4-5',
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 100,
      }),
    });
    expect(gateway.status).toBe(200);
    const [budget, effort, plain, viaGateway] = server.calls as [
      RecordedRequest,
      RecordedRequest,
      RecordedRequest,
      RecordedRequest,
    ];
    expect(viaGateway.body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    expect(viaGateway.body.max_tokens).toBe(100 + 4096);
    expect(budget.body.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 });
    // The SDK adds the budget to max_tokens, so thinking never eats the answer's share.
    expect(budget.body.max_tokens).toBeGreaterThan(4096);
    expect(effort.body.thinking).toEqual({ type: 'enabled', budget_tokens: EFFORT_BUDGET_TOKENS.medium });
    expect(plain.body).not.toHaveProperty('thinking');
  });

  it('Google Gemini: generationConfig.thinkingConfig with the budget and includeThoughts', async () => {
    const server = await fake(startFakeGoogle());
    const file = await modelsFile([
      'models:',
      '  - id: google/gemini-2.5-flash',
      '    reasoning: { effort: low }',
      '  - id: google/gemini-2.5-pro',
      '    reasoning: { budgetTokens: 2000 }',
    ]);
    const parley = await startParley({
      GOOGLE_GENERATIVE_AI_API_KEY: 'g-test',
      GOOGLE_GENERATIVE_AI_BASE_URL: server.origin,
      MODELS_FILE: file,
    });
    await ask(parley, 'google/gemini-2.5-flash');
    await ask(parley, 'google/gemini-2.5-pro');
    const [flash, pro] = server.calls as [RecordedRequest, RecordedRequest];
    expect(flash.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    expect(flash.body.generationConfig.thinkingConfig).toEqual({
      thinkingBudget: EFFORT_BUDGET_TOKENS.low,
      includeThoughts: true,
    });
    expect(pro.body.generationConfig.thinkingConfig).toEqual({ thinkingBudget: 2000, includeThoughts: true });
  });

  it('Google Gemini: with includeThoughts, the thought parts stream as reasoning and are stored before the answer', async () => {
    const server = await fake(startFakeGoogle());
    const frame = (parts: unknown[], last: boolean) =>
      `data: ${JSON.stringify({
        candidates: [
          { content: { parts, role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 },
        ],
        usageMetadata: last
          ? { promptTokenCount: 5, candidatesTokenCount: 9, thoughtsTokenCount: 6, totalTokenCount: 20 }
          : { promptTokenCount: 5, totalTokenCount: 5 },
        modelVersion: 'gemini-2.5-flash',
        responseId: 'thoughts',
      })}\n\n`;
    server.enqueue({
      raw: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(frame([{ text: 'Two and two ', thought: true }], false));
        res.write(frame([{ text: 'make four.', thought: true }], false));
        res.write(frame([{ text: 'It is four.' }], true));
        res.end();
      },
    });
    const file = await modelsFile([
      'models:',
      '  - id: google/gemini-2.5-flash',
      '    reasoning: { effort: high }',
    ]);
    const parley = await startParley({
      GOOGLE_GENERATIVE_AI_API_KEY: 'g-test',
      GOOGLE_GENERATIVE_AI_BASE_URL: server.origin,
      MODELS_FILE: file,
    });
    const created = await fetch(
      `${parley.base}/api/conversations`,
      post({ model: 'google/gemini-2.5-flash' }),
    );
    const { id } = (await created.json()) as { id: string };
    const res = await fetch(
      `${parley.base}/api/conversations/${id}/messages`,
      post({ content: '2+2?' }, true),
    );
    const parts = partsOf(await readSse(res));
    expect(server.calls[0]?.body.generationConfig.thinkingConfig).toEqual({
      thinkingBudget: EFFORT_BUDGET_TOKENS.high,
      includeThoughts: true,
    });
    expect(
      parts
        .filter((part) => part.type === 'reasoning-delta')
        .map((part) => part.delta)
        .join(''),
    ).toBe('Two and two make four.');
    const messages = await fetch(`${parley.base}/api/conversations/${id}/messages`);
    const { items } = (await messages.json()) as {
      items: { role: string; content: string; parts: unknown }[];
    };
    const reply = items.at(-1);
    expect(reply?.content).toBe('It is four.');
    expect(reply?.parts).toEqual([
      { type: 'reasoning', text: 'Two and two make four.' },
      { type: 'text', text: 'It is four.' },
    ]);
  });

  it('OpenAI Responses API: reasoning {effort, summary: auto}; a caller’s own option wins', async () => {
    const server = await fake(startFakeOpenAIResponses());
    const provider = createOpenAI({ apiKey: 'sk-test', baseURL: server.baseURL });
    const responses = provider.responses('o4-mini');
    const api = reasoningApiOf('openai', responses, false);
    expect(api).toBe('openai-responses');
    expect(reasoningApiOf('openai', provider.chat('o4-mini'), false)).toBe('openai-chat');
    const model = (await withProviderOptions(
      responses,
      reasoningProviderOptions(api ?? 'openai-responses', { effort: 'medium' }, 'models[0].reasoning'),
    )) as LanguageModelV3;
    expect(model.provider).toBe('openai.responses');
    expect(model.modelId).toBe('o4-mini');

    const read = async (providerOptions?: SharedV3ProviderOptions) => {
      const { stream } = await model.doStream({
        prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
        ...(providerOptions ? { providerOptions } : {}),
      });
      const parts: LanguageModelV3StreamPart[] = [];
      for await (const part of stream) parts.push(part);
      return parts;
    };
    const parts = await read();
    expect(parts.filter((part) => part.type === 'text-delta').map((part) => part.delta)).toEqual([
      'Hello',
      ' from',
      ' the fake provider.',
    ]);
    expect(server.calls[0]?.body.reasoning).toEqual({ effort: 'medium', summary: 'auto' });

    // A call that sets its own effort keeps it; the model's summary setting stays.
    await read({ openai: { reasoningEffort: 'low' } });
    expect(server.calls[1]?.body.reasoning).toEqual({ effort: 'low', summary: 'auto' });
  });
});

describe('MODELS_FILE reasoning settings that cannot work stop startup with one line', () => {
  const endpoint = (reasoning: string) => [
    'endpoints:',
    '  - name: x',
    '    baseURL: http://127.0.0.1:9/v1',
    '    models:',
    '      - id: m',
    `        reasoning: ${reasoning}`,
  ];
  const cases: [string, string[], string, Env?][] = [
    [
      'an unknown effort',
      endpoint('{ effort: extreme }'),
      'endpoints[0].models[0].reasoning.effort is "extreme"; expected one of low, medium, high',
    ],
    [
      'a budget below 1024',
      ['models:', '  - id: anthropic/claude-sonnet-4-5', '    reasoning: { budgetTokens: 100 }'],
      'models[0].reasoning.budgetTokens must be at least 1024',
      { ANTHROPIC_API_KEY: 'k' },
    ],
    [
      'a budget that is not a number',
      endpoint('{ budgetTokens: lots }'),
      'endpoints[0].models[0].reasoning.budgetTokens must be an integer',
    ],
    [
      'an unknown field',
      endpoint('{ level: high }'),
      'endpoints[0].models[0].reasoning.level is not a known field',
    ],
    [
      'neither field',
      endpoint('{}'),
      'endpoints[0].models[0].reasoning must set effort (low, medium, high) or budgetTokens',
    ],
    [
      'both fields',
      ['models:', '  - id: google/gemini-2.5-flash', '    reasoning: { effort: low, budgetTokens: 2048 }'],
      'models[0].reasoning sets both effort and budgetTokens; keep one',
      { GOOGLE_GENERATIVE_AI_API_KEY: 'k' },
    ],
    ['not an object', endpoint('high'), 'endpoints[0].models[0].reasoning must be an object'],
    [
      'a budget for an OpenAI-compatible endpoint',
      endpoint('{ budgetTokens: 2048 }'),
      'endpoints[0].models[0].reasoning.budgetTokens is not supported by OpenAI-compatible endpoints; use effort (low, medium, high)',
    ],
    [
      'a budget for an OpenAI model',
      ['models:', '  - id: openai/gpt-5', '    reasoning: { budgetTokens: 2048 }'],
      'models[0].reasoning.budgetTokens is not supported by OpenAI models; use effort (low, medium, high)',
      { OPENAI_API_KEY: 'k', OPENAI_MODELS: 'gpt-5' },
    ],
    [
      'a model that is not configured',
      ['models:', '  - id: anthropic/claude-sonnet-4-5', '    reasoning: { effort: high }'],
      'models[0].id "anthropic/claude-sonnet-4-5" is not a configured model',
    ],
    [
      'a model set twice',
      [...endpoint('{ effort: low }'), 'models:', '  - id: x/m', '    reasoning: { effort: high }'],
      'models[0].id "x/m" already has settings at endpoints[0].models[0]',
    ],
    ['a models entry without reasoning', ['models:', '  - id: x/m'], 'models[0] must set reasoning or price'],
  ];

  it.each(cases)('%s', async (_what, lines, problem, env = {}) => {
    const file = await modelsFile(lines);
    const error = await registryFrom({ MODELS_FILE: file, ...env }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toBe(`Invalid setting MODELS_FILE=${JSON.stringify(file)}: ${problem}.`);
  });

  it('a file of model settings alone is fine; an empty one still asks for endpoints', async () => {
    const { endpoints, settings } = parseModelsFileSettings(
      'models:\n  - { id: openai/o3, reasoning: { effort: high } }\n',
      'settings.yaml',
    );
    expect(endpoints).toEqual([]);
    expect(settings).toEqual([{ id: 'openai/o3', at: 'models[0]', reasoning: { effort: 'high' } }]);
    expect(() => parseModelsFileSettings('models: []\n', 'empty.yaml')).toThrow(
      'Invalid setting MODELS_FILE="empty.yaml": endpoints is required (or a models list of model settings).',
    );
  });

  it('the registry keeps the setting on the model entry', async () => {
    const file = await modelsFile(endpoint('{ effort: medium }'));
    const models = await registryFrom({ MODELS_FILE: file });
    expect(models.get('x/m')?.reasoning).toEqual({ effort: 'medium' });
    expect(models.get('demo')?.reasoning).toBeUndefined();
  });
});
