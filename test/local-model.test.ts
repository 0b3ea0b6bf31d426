import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalModel, type LocalLanguageModel } from '../src/server/ai/local-model/language-model.js';
import { localModelId, localRuntimeProblem } from '../src/server/ai/local-model/runtime.js';
import { registerLocalModel } from '../src/server/ai/providers/local.js';
import { ConfigError } from '../src/server/config.js';
import { partsOf, readSse, textOf } from './helpers/sse.js';
import { createTestApp } from './helpers/test-app.js';
import { writeTinyGguf } from './helpers/tiny-gguf.js';

// The in-process model, for real: node-llama-cpp runs a tiny random-weight GGUF that the test writes
// itself (no download). node-llama-cpp is not a dependency: without it these tests are skipped on a
// developer's machine and fail in CI, which must install it (.ci/install-local-model-runtime.sh).

const missing = localRuntimeProblem();
if (missing && !process.env.CI) console.warn(`local-model tests skipped: ${missing}`);

// In CI a missing runtime is a failure, not a quiet skip.
if (missing && process.env.CI) {
  it('has node-llama-cpp installed in CI', () => {
    expect.fail(`${missing} CI must run .ci/install-local-model-runtime.sh before the tests.`);
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'parley-local-'));
const file = writeTinyGguf(path.join(dir, 'tiny.gguf'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('local model settings', () => {
  it('names the model after its file', () => {
    expect(localModelId('/models/Llama-3.2-1B-Instruct-Q4_K_M.gguf')).toBe(
      'local/Llama-3.2-1B-Instruct-Q4_K_M',
    );
  });

  it('fails startup with one line naming LOCAL_MODEL_PATH when the file is missing or not GGUF', () => {
    const config = { localModelPath: path.join(dir, 'nope.gguf'), localModelThreads: 2 };
    expect(() => registerLocalModel(config)).toThrow(ConfigError);
    expect(() => registerLocalModel(config)).toThrow(
      /^Invalid setting LOCAL_MODEL_PATH=".*nope\.gguf": no such file/,
    );

    const notGguf = path.join(dir, 'notes.gguf');
    writeFileSync(notGguf, 'hello');
    expect(() => registerLocalModel({ ...config, localModelPath: notGguf })).toThrow(
      /LOCAL_MODEL_PATH.*not a GGUF file/,
    );
  });

  it('registers the model without loading it, or says how to install node-llama-cpp', () => {
    const config = { localModelPath: file, localModelThreads: 2 };
    if (missing) {
      expect(() => registerLocalModel(config)).toThrow(
        /LOCAL_MODEL_PATH is set, but node-llama-cpp is not installed: run "npm install node-llama-cpp"/,
      );
      return;
    }
    expect(registerLocalModel(config).info).toEqual({
      id: 'local/tiny',
      provider: 'local',
      name: 'tiny (local)',
      contextWindow: 1024, // the GGUF's llama.context_length, read from its header
      input: ['text'],
      available: true,
    });
  });

  it('refuses a file part with a clear error instead of dropping it (before loading anything)', async () => {
    // The file does not exist: the refusal comes first, so no runtime is needed for this test.
    const model = createLocalModel({ path: path.join(dir, 'never-loaded.gguf'), threads: 1 });
    const messages = [
      {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: 'What is in this picture?' },
          { type: 'file' as const, data: new Uint8Array([137, 80, 78, 71]), mediaType: 'image/png' },
        ],
      },
    ];
    const refusal = 'The local model reads text only; pick a model that takes images.';
    await expect(generateText({ model, messages, maxRetries: 0 })).rejects.toThrow(refusal);
    let streamed: unknown;
    const result = streamText({
      model,
      messages,
      maxRetries: 0,
      onError: ({ error }) => {
        streamed = error;
      },
    });
    await result.consumeStream();
    expect(String(streamed)).toContain(refusal);
  });

  it('turns a missing file at call time into an error naming LOCAL_MODEL_PATH', async () => {
    const model = createLocalModel({ path: path.join(dir, 'gone.gguf'), threads: 1 });
    await expect(generateText({ model, prompt: 'hi', maxRetries: 0 })).rejects.toThrow(
      /LOCAL_MODEL_PATH=".*gone\.gguf": no such file/,
    );
  });
});

describe.skipIf(missing !== undefined)('local model (node-llama-cpp)', () => {
  let model: LocalLanguageModel;

  beforeAll(() => {
    model = createLocalModel({ path: file, threads: 2, contextSize: 512 });
  });
  afterAll(() => model?.dispose());

  it('streams tokens through the AI SDK and reports usage', async () => {
    // How fast is for benchmarks; this shows what comes back.
    const result = streamText({ model, prompt: 'Hello there', maxOutputTokens: 48, seed: 7 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    const usage = await result.usage;

    expect(deltas.length).toBeGreaterThan(1);
    expect((await result.text).length).toBeGreaterThan(0);
    expect(await result.finishReason).toBe('length');
    expect(usage.inputTokens).toBeGreaterThan(5); // "User: Hello there\nAssistant:" with byte-level tokens
    expect(usage.outputTokens).toBe(48);
  });

  it('stops promptly on abort, and the next request still works', async () => {
    const controller = new AbortController();
    const result = streamText({
      model,
      prompt: 'Go on for a long time',
      abortSignal: controller.signal,
      maxOutputTokens: 400,
      onError: () => {},
    });
    let deltas = 0;
    let afterAbort = 0;
    let sampledAtAbort = 0;
    try {
      for await (const part of result.fullStream) {
        if (part.type !== 'text-delta') continue;
        if (controller.signal.aborted) afterAbort++;
        else if (++deltas === 2) {
          sampledAtAbort = model.sampledTokens();
          controller.abort();
        }
      }
    } catch {
      // an aborted stream may end by throwing the abort reason
    }
    expect(deltas).toBe(2);
    expect(afterAbort).toBe(0);

    // The single context sequence was released: a new request gets it and runs to its end.
    const next = await generateText({ model, prompt: 'Again', maxOutputTokens: 16 });
    expect(next.finishReason).toBe('length');
    expect(next.usage.outputTokens).toBe(16);
    // Stopped promptly, counted in tokens: the next request got the sequence only once the aborted
    // one let go of it, so the meter now holds everything the aborted one sampled after the abort,
    // a token or two at most, not the hundreds it was allowed.
    const sampledAfterAbort = model.sampledTokens() - sampledAtAbort - 16;
    expect(sampledAfterAbort).toBeGreaterThanOrEqual(0);
    expect(sampledAfterAbort).toBeLessThanOrEqual(4);
  });

  it('takes concurrent requests in turns on its one context', async () => {
    const replies = await Promise.all(
      ['one', 'two', 'three'].map((prompt) => generateText({ model, prompt, maxOutputTokens: 12 })),
    );
    for (const reply of replies) {
      expect(reply.text.length).toBeGreaterThan(0);
      expect(reply.usage.outputTokens).toBe(12);
    }

    // A request aborted while it waits for its turn leaves the line at once; the others go on.
    const controller = new AbortController();
    const first = generateText({ model, prompt: 'long', maxOutputTokens: 200 });
    const waiting = generateText({ model, prompt: 'waits', abortSignal: controller.signal, maxRetries: 0 });
    const third = generateText({ model, prompt: 'after', maxOutputTokens: 8 });
    controller.abort();
    await expect(waiting).rejects.toThrow(/abort/i);
    expect((await first).usage.outputTokens).toBe(200);
    expect((await third).usage.outputTokens).toBe(8);
  });

  it('runs a full Parley reply over HTTP: streamed, stored complete, same text', async () => {
    const t = await createTestApp({
      models: [{ id: 'local/tiny', model }],
      env: { AUTH_MODE: 'none' },
    });
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const address = t.app.server.address();
      if (!address || typeof address === 'string') throw new Error('no address');
      const base = `http://127.0.0.1:${address.port}`;
      const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${base}${url}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });

      const created = await post('/api/conversations', { model: 'local/tiny' });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const res = await post(
        `/api/conversations/${id}/messages`,
        { content: 'Hi, tiny model!' },
        {
          accept: 'text/event-stream',
        },
      );
      expect(res.status).toBe(200);
      const events = await readSse(res);
      const streamed = textOf(events);
      expect(streamed.length).toBeGreaterThan(0);
      expect(partsOf(events).some((part) => part.type === 'error')).toBe(false);
      expect(events.at(-1)?.data).toBe('[DONE]');

      const list = await fetch(`${base}/api/conversations/${id}/messages?limit=10`);
      const { items } = (await list.json()) as {
        items: {
          role: string;
          status: string;
          content: string;
          usage: { inputTokens: number; outputTokens: number };
        }[];
      };
      const reply = items.find((m) => m.role === 'assistant');
      expect(reply?.status).toBe('complete');
      expect(reply?.content).toBe(streamed);
      expect(reply?.usage.inputTokens).toBeGreaterThan(0);
      expect(reply?.usage.outputTokens).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});
