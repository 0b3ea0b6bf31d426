import { APICallError } from '@ai-sdk/provider';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoModel, demoReply } from '../src/server/ai/demo-model.js';
import { createModelRegistry } from '../src/server/ai/models.js';
import { parseModelsFile } from '../src/server/ai/models-file.js';
import { listedModels } from '../src/server/ai/providers/fixed-list.js';
import { PROVIDERS, type ProviderDescriptor } from '../src/server/ai/providers/index.js';
import { inputByName, TEXT_IMAGE } from '../src/server/ai/providers/model-input.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { describeModelError } from '../src/server/chat/model-errors.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { parseSse, textOf } from './helpers/sse.js';
import { testConfig } from './helpers/test-app.js';

// The provider table (src/server/ai/providers/index.ts) is the one place a provider is described:
// its settings turn on exactly its models, a new row is picked up with no other change, and error
// sentences and reserved MODELS_FILE names come from it.

const logger = pino({ level: 'silent' });
const opened: { app: ParleyApp; store: Store }[] = [];

afterEach(async () => {
  for (const { app, store } of opened.splice(0)) {
    await app.close();
    await store.close();
  }
});

/** Parley as main.ts builds it (settings → registry → app), answered in-process. */
async function parleyWith(env: Record<string, string>, providers?: readonly ProviderDescriptor[]) {
  const config = testConfig(env);
  const models = await createModelRegistry(config, { logger, env, ...(providers ? { providers } : {}) });
  const store = await openStore(config.databaseUrl);
  const app = await buildApp({ config, store, models, logger });
  opened.push({ app, store });
  return app;
}

interface ListedJson {
  defaultModel: string;
  models: {
    id: string;
    provider: string;
    name: string;
    contextWindow: number | null;
    input: string[];
    breaker: unknown;
  }[];
}

async function listed(app: ParleyApp): Promise<ListedJson> {
  const res = await app.inject({ method: 'GET', url: '/api/models' });
  expect(res.statusCode).toBe(200);
  return res.json() as ListedJson;
}

// The rows a key alone turns on; Ollama needs a server and MODELS_FILE / LOCAL_MODEL_PATH a file,
// which test/providers.test.ts and test/local-model.test.ts cover.
const keyed = PROVIDERS.filter((row) => row.keySetting !== undefined);

describe('the provider table', () => {
  it('has the keyed providers this test walks through', () => {
    expect(keyed.map((row) => row.id)).toEqual(['openai', 'anthropic', 'google']);
  });

  it.each(keyed)("$id: its key setting turns on exactly the row's default models", async (row) => {
    const app = await parleyWith({ [row.keySetting as string]: 'sk-test-key' });
    const body = await listed(app);
    const defaults = row.models.filter((model) => model.default);
    expect(defaults.length).toBeGreaterThan(0);
    expect(body.models.map((m) => [m.id, m.provider, m.name, m.contextWindow])).toEqual([
      ['demo', 'parley', 'Demo (built in)', 8192],
      ...defaults.map((model) => [`${row.id}/${model.id}`, row.id, model.name, model.contextWindow]),
    ]);
    expect(body.defaultModel).toBe(`${row.id}/${defaults[0]?.id}`);
    // Remote rows get a circuit breaker, named after the row and shown in the listing.
    expect(body.models.filter((m) => m.id !== 'demo').map((m) => m.breaker)).toEqual(
      defaults.map(() => 'closed'),
    );
  });

  it('offers a row added to the table, through the whole app, without any other change', async () => {
    const acme: ProviderDescriptor = {
      id: 'acme',
      name: 'Acme AI',
      // Any Config field can switch a row on; a real row would get its own setting in config.ts.
      config: { enabledBy: 'openaiApiKey', apiKey: 'openaiApiKey', models: 'openaiModels' },
      keySetting: 'OPENAI_API_KEY',
      models: [
        { id: 'acme-small', name: 'Acme Small', contextWindow: 32_000, default: true },
        { id: 'acme-large', name: 'Acme Large', contextWindow: 64_000 },
      ],
      input: inputByName([[/^acme-large/, TEXT_IMAGE]]),
      imageLimits: { maxDimension: 1000, maxBytes: 1_000_000 },
      hosts: ['acme.test'],
      remote: true,
      // The factory a provider file would export; the demo model stands in for an SDK model.
      load: async () => (input) => ({
        models: listedModels(input, () => createDemoModel({ delayMs: 0 })),
      }),
    };
    const app = await parleyWith({ OPENAI_API_KEY: 'sk-acme', OPENAI_MODELS: 'acme-large,acme-x' }, [acme]);

    const body = await listed(app);
    expect(body.models.map((m) => [m.id, m.provider, m.name, m.contextWindow, m.breaker])).toEqual([
      ['demo', 'parley', 'Demo (built in)', 8192, null],
      ['acme/acme-large', 'acme', 'Acme Large', 64_000, 'closed'],
      ['acme/acme-x', 'acme', 'acme-x', null, 'closed'],
    ]);
    expect(body.defaultModel).toBe('acme/acme-large');
    // What each model reads and the image limits come from the row too.
    expect(body.models.map((m) => [m.id, m.input])).toEqual([
      ['demo', ['text', 'image', 'pdf']],
      ['acme/acme-large', ['text', 'image']],
      ['acme/acme-x', ['text']],
    ]);

    // A reply through the new row's model, as a user would send it.
    const created = await app.inject({
      method: 'POST',
      url: '/api/conversations',
      payload: { model: 'acme/acme-x' },
    });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    const sent = await app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      headers: { accept: 'text/event-stream' },
      payload: { content: 'Hello there' },
    });
    expect(sent.statusCode).toBe(200);
    expect(textOf(parseSse(sent.body))).toBe(demoReply('Hello there'));
  });

  it("gives each model its row's image limits, asked by model id", async () => {
    const openai = PROVIDERS.find((row) => row.id === 'openai');
    if (!openai) throw new Error('no openai row');
    const limits = { maxDimension: 1000, maxBytes: 1_000_000 };
    const registry = await createModelRegistry(testConfig({ OPENAI_API_KEY: 'sk' }), {
      logger,
      providers: [{ ...openai, imageLimits: limits }],
    });
    expect(registry.imageLimits('openai/gpt-4o-mini')).toEqual(limits);
    expect(registry.imageLimits('demo')).toEqual({ maxDimension: 2048, maxBytes: 10 * 1024 * 1024 });
  });

  it.each(PROVIDERS.filter((row) => row.hosts.length > 0))(
    '$id: a rejected key at one of its hosts is worded with its name and key setting',
    (row) => {
      for (const host of row.hosts) {
        const error = new APICallError({
          message: 'Unauthorized',
          url: `https://api.eu.${host}/v1/whatever`,
          requestBodyValues: {},
          statusCode: 401,
        });
        expect(describeModelError(error)).toBe(
          `The ${row.name} API key was rejected (HTTP 401). Check ${row.keySetting}. ${row.name} said: "Unauthorized"`,
        );
      }
    },
  );

  it('names no provider for a host that is in no row', () => {
    const error = new APICallError({
      message: 'Unauthorized',
      url: 'https://api.example.test/v1/chat',
      requestBodyValues: {},
      statusCode: 401,
    });
    const sentence = describeModelError(error);
    expect(sentence).toContain('(HTTP 401)');
    for (const row of keyed) {
      expect(sentence).not.toContain(row.name);
      expect(sentence).not.toContain(row.keySetting);
    }
  });

  it.each(PROVIDERS.filter((row) => !row.namespacesFromSettings))(
    '$id: a MODELS_FILE endpoint cannot take its id prefix',
    (row) => {
      const text = JSON.stringify({
        endpoints: [{ name: row.id, baseURL: 'http://127.0.0.1:9/v1', models: [{ id: 'm' }] }],
      });
      expect(() => parseModelsFile(text, 'models.json')).toThrow(
        `endpoints[0].name "${row.id}" is reserved for a built-in provider`,
      );
    },
  );
});
