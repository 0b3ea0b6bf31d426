import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { APICallError } from '@ai-sdk/provider';
import type { Logger } from 'pino';
import { modelLike } from './model-like.js';
import { type Peeked, peekFirstContent } from './resilience.js';

/**
 * A fallback chain: when the primary model fails before its first token (after its own retries),
 * try each fallback in order. Once any text has reached the user the answering model never changes:
 * a second model would start a different answer. When a fallback answers, its stream carries a
 * `response-metadata` part whose `modelId` is that fallback's id (the last such part wins in the
 * AI SDK), so the caller can tell which model wrote the reply. No such part: the primary answered.
 *
 * Every error except the caller's own abort moves on to the next model: even a client error such as
 * a rejected key or an unknown model leaves the primary unusable. When every model fails, the
 * primary's error is thrown: it is the model the user chose, so its failure is the one to explain.
 */

export interface FallbackModel {
  /** The model's id in the registry (what a conversation would store). */
  id: string;
  model: LanguageModelV3;
}

type Part = LanguageModelV3StreamPart;

function summary(error: unknown): { status?: number; error: string } {
  const status = APICallError.isInstance(error) ? error.statusCode : undefined;
  return {
    ...(status !== undefined ? { status } : {}),
    error: error instanceof Error ? error.message : String(error),
  };
}

/** The head parts, with the answering model's id inserted just before the first content part. */
function announce(peeked: Peeked, modelId: string): Part[] {
  const meta: Part = { type: 'response-metadata', modelId };
  if (peeked.ended) return [...peeked.head, meta];
  return [...peeked.head.slice(0, -1), meta, ...peeked.head.slice(-1)];
}

function resume(
  head: Part[],
  reader: ReadableStreamDefaultReader<Part>,
  ended: boolean,
): ReadableStream<Part> {
  return new ReadableStream<Part>(
    {
      start(controller) {
        for (const part of head) controller.enqueue(part);
        if (ended) controller.close();
      },
      async pull(controller) {
        try {
          const next = await reader.read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * `fallbacks` may be a function, read at each call: a registry can then wrap its models before the
 * models they fall back to exist.
 */
export function withFallbacks(
  primary: LanguageModelV3,
  fallbacks: FallbackModel[] | (() => FallbackModel[]),
  logger?: Logger,
): LanguageModelV3 {
  const chainOf = (): FallbackModel[] => [
    { id: primary.modelId, model: primary },
    ...(typeof fallbacks === 'function' ? fallbacks() : fallbacks),
  ];

  function giveUp(chain: FallbackModel[], index: number, error: unknown) {
    const next = chain[index + 1];
    if (next) {
      logger?.warn(
        { model: chain[index]?.id, fallback: next.id, ...summary(error) },
        'model failed before its first token; trying the next in its fallback chain',
      );
    } else if (index > 0) {
      logger?.warn(
        { model: chain[index]?.id, ...summary(error) },
        'every model of the fallback chain failed',
      );
    }
  }

  return modelLike(primary, {
    async doStream(options) {
      let firstError: unknown;
      const chain = chainOf();
      for (const [index, entry] of chain.entries()) {
        try {
          const result = await entry.model.doStream(options);
          const reader = result.stream.getReader();
          // A model that is not itself resilient may resolve doStream and fail right after: that is
          // still before the first token.
          const peeked = await peekFirstContent(reader);
          const head = index === 0 ? peeked.head : announce(peeked, entry.id);
          return { ...result, stream: resume(head, reader, peeked.ended) };
        } catch (error) {
          if (options.abortSignal?.aborted) throw error;
          if (index === 0) firstError = error;
          giveUp(chain, index, error);
        }
      }
      throw firstError;
    },

    async doGenerate(options) {
      let firstError: unknown;
      const chain = chainOf();
      for (const [index, entry] of chain.entries()) {
        try {
          const result = await entry.model.doGenerate(options);
          if (index === 0) return result;
          return { ...result, response: { ...result.response, modelId: entry.id } };
        } catch (error) {
          if (options.abortSignal?.aborted) throw error;
          if (index === 0) firstError = error;
          giveUp(chain, index, error);
        }
      }
      throw firstError;
    },
  });
}
