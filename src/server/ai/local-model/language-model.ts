import { randomUUID } from 'node:crypto';
import type { LanguageModelV3, LanguageModelV3Content, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { generate } from './generate.js';
import type { Runtime } from './llama-api.js';
import { partStream } from './part-stream.js';
import { callWarnings, toHistory } from './prompt.js';
import { boundedThreads, type LocalModelOptions, loadRuntime, localModelId } from './runtime.js';
import { abortReason, TurnQueue } from './turn-queue.js';

// The in-process model (LOCAL_MODEL_PATH, a GGUF file run by node-llama-cpp) as an AI SDK model:
// doGenerate and doStream over one lazily loaded runtime, taking turns on its one sequence.

export type { LocalModelOptions } from './runtime.js';

/** A local model can also be unloaded (tests, shutdown); it loads again on the next call. */
export interface LocalLanguageModel extends LanguageModelV3 {
  dispose(): Promise<void>;
  /**
   * Tokens sampled since the model was loaded (llama.cpp's meter, 0 before): a count, so tests can
   * show an abort cut the work short by tokens rather than by milliseconds.
   */
  sampledTokens(): number;
}

export function createLocalModel(options: LocalModelOptions): LocalLanguageModel {
  const threads = boundedThreads(options.threads);
  const modelId = localModelId(options.path).slice('local/'.length);
  const queue = new TurnQueue();
  let loading: Promise<Runtime> | undefined;
  let ready: Runtime | undefined;

  // Loaded once, on the first call; a failed load is forgotten so a fixed file can be picked up.
  const runtime = (): Promise<Runtime> => {
    loading ??= loadRuntime(options, threads).then(
      (started) => {
        ready = started;
        return started;
      },
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading;
  };

  const metadata = () => ({ id: `local-${randomUUID()}`, modelId, timestamp: new Date() });

  return {
    specificationVersion: 'v3',
    provider: 'local',
    modelId,
    supportedUrls: {},

    async doGenerate(callOptions) {
      const signal = callOptions.abortSignal ?? new AbortController().signal;
      const warnings = callWarnings(callOptions);
      const history = toHistory(callOptions.prompt);
      const loaded = await runtime();
      let text = '';
      let reasoning = '';
      const result = await generate(loaded, queue, callOptions, history, signal, {
        text: (delta) => {
          text += delta;
        },
        reasoning: (delta) => {
          reasoning += delta;
        },
      });
      if (signal.aborted) throw abortReason(signal);
      const content: LanguageModelV3Content[] = [];
      if (reasoning) content.push({ type: 'reasoning', text: reasoning });
      content.push({ type: 'text', text });
      return { content, ...result, response: metadata(), warnings };
    },

    async doStream(callOptions) {
      const warnings = callWarnings(callOptions);
      const history = toHistory(callOptions.prompt);
      const loaded = await runtime();
      const head: LanguageModelV3StreamPart[] = [
        { type: 'stream-start', warnings },
        { type: 'response-metadata', ...metadata() },
      ];
      const stream = partStream(head, callOptions.abortSignal, (signal, sink) =>
        generate(loaded, queue, callOptions, history, signal, sink),
      );
      return { stream };
    },

    sampledTokens() {
      return ready?.sequence.tokenMeter.usedOutputTokens ?? 0;
    },

    async dispose() {
      const current = loading;
      loading = undefined;
      ready = undefined;
      const loaded = await current?.catch(() => undefined);
      await loaded?.model.dispose();
    },
  };
}
