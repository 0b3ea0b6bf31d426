import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/server/ai/circuit-breaker.js';
import { ModelTimeoutError, withResilience } from '../src/server/ai/resilience.js';

/**
 * The idle deadline between parts of a streaming reply is the provider's: time our own reader
 * spends elsewhere (a slow follower, a file being stored) must not count against it, while a
 * provider that goes quiet is still cut off. One timer per stream does both.
 */

const PROMPT = { prompt: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }] };

/** A model whose parts are written by `produce` into its stream, as a provider's would arrive. */
function modelFrom(
  produce: (controller: ReadableStreamDefaultController<LanguageModelV3StreamPart>) => void,
) {
  const model: LanguageModelV3 = {
    specificationVersion: 'v3',
    provider: 'test',
    modelId: 'm',
    supportedUrls: {},
    doGenerate: () => Promise.reject(new Error('not used')),
    doStream: async () => ({ stream: new ReadableStream({ start: produce }) }),
  };
  return withResilience(model, {
    provider: 'test',
    breaker: new CircuitBreaker({ name: 'test' }),
    firstTokenTimeoutMs: 5_000,
    idleTimeoutMs: 200,
    maxRetries: 0,
  });
}

const delta = (text: string): LanguageModelV3StreamPart => ({ type: 'text-delta', id: 't', delta: text });
const finish: LanguageModelV3StreamPart = {
  type: 'finish',
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: {
    inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 3, text: 3, reasoning: 0 },
  },
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('idle deadline of a streaming reply', () => {
  it('a reader that pauses longer than the deadline still gets the whole reply', async () => {
    const model = modelFrom((controller) => {
      for (const text of ['one ', 'two ', 'three']) controller.enqueue(delta(text));
      controller.enqueue(finish);
      controller.close();
    });
    const reader = (await model.doStream(PROMPT)).stream.getReader();
    const texts: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.type === 'text-delta') texts.push(value.delta);
      // Our side is busy for three deadlines between every two parts.
      await sleep(600);
    }
    expect(texts.join('')).toBe('one two three');
  });

  it('a provider that goes quiet mid-reply is cut off with an idle timeout', async () => {
    const model = modelFrom((controller) => {
      controller.enqueue(delta('first '));
      controller.enqueue(delta('second'));
      // ...and nothing more, ever.
    });
    const reader = (await model.doStream(PROMPT)).stream.getReader();
    const texts: string[] = [];
    const error = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        if (value.type === 'text-delta') texts.push(value.delta);
      }
    })().catch((caught: unknown) => caught);
    expect(texts.join('')).toBe('first second');
    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect((error as ModelTimeoutError).phase).toBe('idle');
  });
});
