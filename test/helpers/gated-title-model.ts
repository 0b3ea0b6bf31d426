import type { LanguageModelV3, LanguageModelV3CallOptions } from '@ai-sdk/provider';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A title model that answers when the test says so: each call waits for its own `answer(text)`
 * (or `fail()`), so a test can rename, or ask again, while a title is being written.
 */
export function gatedTitleModel() {
  const calls: {
    options: LanguageModelV3CallOptions;
    answer: (text: string) => void;
    fail: (error: Error) => void;
  }[] = [];
  const model: LanguageModelV3 = {
    specificationVersion: 'v3',
    provider: 'test',
    modelId: 'gate',
    supportedUrls: {},
    async doGenerate(options) {
      const text = await new Promise<string>((resolve, reject) => {
        calls.push({ options, answer: resolve, fail: reject });
        options.abortSignal?.addEventListener('abort', () => reject(options.abortSignal?.reason), {
          once: true,
        });
      });
      return {
        content: [{ type: 'text', text }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 7, noCache: 7, cacheRead: undefined, cacheWrite: undefined },
          outputTokens: { total: 3, text: 3, reasoning: undefined },
        },
        warnings: [],
      };
    },
    async doStream() {
      throw new Error('the gated model writes titles only');
    },
  };
  return {
    model,
    calls,
    /** The n-th call (1-based), once it arrived. */
    async call(n: number) {
      // A hang guard of 20 s: on a loaded machine a call can take seconds to arrive.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && calls.length < n) await sleep(20);
      const found = calls[n - 1];
      if (!found) throw new Error(`the title model got ${calls.length} calls, not ${n}`);
      return found;
    },
  };
}
