import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { demoReply } from '../src/server/ai/demo-model.js';
import { createModelRegistry } from '../src/server/ai/models.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { parseConfig } from '../src/server/config.js';
import { openStore, type Store } from '../src/server/store/database.js';
import type { FakeServer } from './helpers/fake-providers/fake-server.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';
import { startFakeOpenAICompatible } from './helpers/fake-providers/openai-compatible.js';
import { partsOf, readSse } from './helpers/sse.js';

// Resilience as configured by the settings: the registry wraps every remote model with retries,
// timeouts, its provider's breaker (shown in GET /api/models) and MODELS_FILE fallbacks.

type Env = Record<string, string>;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function parley(env: Env) {
  const config = parseConfig({
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    AUTH_MODE: 'none',
    DEMO_DELAY_MS: '0',
    // Provider calls are counted exactly: no title calls among them (titles.test.ts has those).
    TITLE_MODEL: 'off',
    ...env,
  });
  const logger = pino({ level: 'silent' });
  const models = await createModelRegistry(config, { logger, env });
  const store: Store = await openStore(config.databaseUrl);
  const app: ParleyApp = await buildApp({ config, store, models, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanup.push(async () => {
    await app.close();
    await store.close();
  });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

async function fake(start: Promise<FakeServer>) {
  const server = await start;
  cleanup.push(() => server.close());
  return server;
}

async function ask(base: string, model: string, content = 'hello') {
  const conversation = (await (
    await fetch(`${base}/api/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model }),
    })
  ).json()) as { id: string };
  const res = await fetch(`${base}/api/conversations/${conversation.id}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ content }),
  });
  const events = await readSse(res);
  const page = (await (await fetch(`${base}/api/conversations/${conversation.id}/messages`)).json()) as {
    items: { role: string; status: string; content: string; error: string | null }[];
  };
  return { events, reply: page.items.find((m) => m.role === 'assistant'), conversationId: conversation.id };
}

async function breakerOf(base: string, id: string) {
  const list = (await (await fetch(`${base}/api/models`)).json()) as {
    models: { id: string; breaker: string | null }[];
  };
  return list.models.find((m) => m.id === id)?.breaker;
}

describe('resilience configured from settings', () => {
  it('opens the OpenAI breaker after repeated 500s, fails fast while open, and shows it in GET /api/models', async () => {
    const openai = await fake(startFakeOpenAI());
    openai.script({ status: 500, error: { message: 'upstream exploded', type: 'server_error' } });
    const base = await parley({
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: openai.baseURL,
      MODEL_MAX_RETRIES: '0',
    });
    expect(await breakerOf(base, 'openai/gpt-4o-mini')).toBe('closed');
    for (let i = 0; i < 5; i++) {
      const { reply } = await ask(base, 'openai/gpt-4o-mini');
      expect(reply?.status).toBe('error');
      expect(reply?.error).toContain('500');
    }
    expect(openai.calls).toHaveLength(5);
    expect(await breakerOf(base, 'openai/gpt-4o-mini')).toBe('open');
    // Every model of the provider shares the breaker.
    expect(await breakerOf(base, 'openai/gpt-4o')).toBe('open');
    const { reply } = await ask(base, 'openai/gpt-4o');
    expect(reply?.status).toBe('error');
    expect(reply?.error).toMatch(/circuit|unavailable|retry in/i);
    expect(openai.calls).toHaveLength(5);
  });

  it('retries a 429 that carries Retry-After, then answers', async () => {
    const openai = await fake(startFakeOpenAI());
    openai.enqueue({
      status: 429,
      headers: { 'retry-after': '1' },
      error: { message: 'slow down', type: 'rate_limit' },
    });
    openai.script({ chunks: ['Fine', ' now'] });
    const base = await parley({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.baseURL });
    const { reply } = await ask(base, 'openai/gpt-4o-mini');
    expect(reply).toMatchObject({ status: 'complete', content: 'Fine now' });
    expect(openai.calls).toHaveLength(2);
  });

  it('falls back along the MODELS_FILE chain when a model hangs before its first token', async () => {
    const lab = await fake(startFakeOpenAICompatible());
    lab.script({ hang: true });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-fallback-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'models.yaml');
    await writeFile(
      file,
      `endpoints:\n  - name: lab\n    baseURL: ${lab.baseURL}\n    models:\n      - id: slow\n        fallbacks: [demo]\n`,
    );
    const base = await parley({
      MODELS_FILE: file,
      MODEL_FIRST_TOKEN_TIMEOUT_MS: '300',
      MODEL_MAX_RETRIES: '0',
    });
    const { reply, events } = await ask(base, 'lab/slow', 'who answers?');
    expect(reply).toMatchObject({ status: 'complete', content: demoReply('who answers?') });
    expect(partsOf(events).some((part) => part.type === 'error')).toBe(false);
    expect(lab.calls).toHaveLength(1);
  });

  it('stop closes the upstream connection before the reply is done', async () => {
    const openai = await fake(startFakeOpenAI());
    openai.script({ chunks: Array.from({ length: 200 }, (_, i) => `w${i} `), chunkDelayMs: 50 });
    const base = await parley({ OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: openai.baseURL });
    const conversation = (await (
      await fetch(`${base}/api/conversations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini' }),
      })
    ).json()) as { id: string };
    await fetch(`${base}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'long please' }),
    });
    const call = await openai.waitForCall(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Order, not milliseconds: the upstream was still sending (200 chunks, 10 s) when the stop
    // came, and its connection closed with the reply unfinished. Left alone it would end complete.
    expect(call.closedAt, 'the upstream reply was still going').toBeUndefined();
    await fetch(`${base}/api/conversations/${conversation.id}/stop`, { method: 'POST' });
    await call.closed;
    expect(call.aborted, 'the upstream connection was closed mid-reply').toBe(true);
    const page = (await (await fetch(`${base}/api/conversations/${conversation.id}/messages`)).json()) as {
      items: { role: string; status: string; content: string }[];
    };
    const reply = page.items.find((m) => m.role === 'assistant');
    expect(reply?.status).toBe('stopped');
    expect(reply?.content).toMatch(/^w0 w1 /);
  });
});
