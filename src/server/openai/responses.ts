import type { FinishReason } from 'ai';
import type {
  ChatCompletionChunkDto,
  ChatCompletionDto,
  ChoiceLogprobsDto,
  FinishReasonDto,
  OpenAIModelDto,
  OpenAIModelListDto,
  OpenAIUsageDto,
} from '../../shared/openai-schemas.js';
import type { ListedModel } from '../ai/model-registry.js';
import { newId } from '../ids.js';
import type { TokenUsage } from './completion-service.js';

/** The OpenAI response shapes, built from what a completion produced. */

export const completionId = (): string => `chatcmpl-${newId()}`;

/** Seconds since the epoch, as OpenAI's `created` fields are. */
export const unixSeconds = (at = Date.now()): number => Math.floor(at / 1000);

/** `owned_by` is the provider; `created` is when this server started (registries have no dates). */
export const modelObject = (
  model: Pick<ListedModel, 'id' | 'provider'>,
  created: number,
): OpenAIModelDto => ({
  id: model.id,
  object: 'model',
  created,
  owned_by: model.provider,
});

export function modelList(models: ListedModel[], created: number): OpenAIModelListDto {
  return { object: 'list', data: models.map((model) => modelObject(model, created)) };
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

/** One `{token, logprob}` entry, or undefined when the provider's entry is not one. */
function tokenLogprob(value: unknown) {
  const entry = asRecord(value);
  if (typeof entry?.token !== 'string' || typeof entry.logprob !== 'number') return undefined;
  return { token: entry.token, logprob: entry.logprob, bytes: null };
}

/**
 * The provider's log probabilities (the AI SDK's `providerMetadata.openai.logprobs`: OpenAI's
 * entries without `bytes`) in OpenAI's `choices[].logprobs` shape; null when there are none.
 */
export function toChoiceLogprobs(raw: unknown): ChoiceLogprobsDto | null {
  if (!Array.isArray(raw)) return null;
  const content = raw.flatMap((value) => {
    const entry = tokenLogprob(value);
    if (!entry) return [];
    const top = asRecord(value)?.top_logprobs;
    const alternatives = Array.isArray(top) ? top.flatMap((alt) => tokenLogprob(alt) ?? []) : [];
    return [{ ...entry, top_logprobs: alternatives }];
  });
  return { content, refusal: null };
}

export function toFinishReason(reason: FinishReason | null): FinishReasonDto {
  switch (reason) {
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'tool-calls':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

export function toUsage(usage: TokenUsage): OpenAIUsageDto {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function completionBody(
  meta: CompletionMeta,
  text: string,
  finishReason: FinishReason | null,
  usage: TokenUsage,
  logprobs: ChoiceLogprobsDto | null = null,
): ChatCompletionDto {
  return {
    ...meta,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        logprobs,
        finish_reason: toFinishReason(finishReason),
      },
    ],
    usage: toUsage(usage),
  };
}

/**
 * One `chat.completion.chunk`. With include_usage every chunk carries `usage: null` and one more
 * chunk with empty choices carries the totals, as OpenAI does. Log probabilities arrive from the
 * provider layer only at the end, so they all ride on the finishing chunk.
 */
export function chunk(
  meta: CompletionMeta,
  delta: { role?: 'assistant'; content?: string },
  finishReason: FinishReasonDto | null,
  includeUsage: boolean,
  logprobs: ChoiceLogprobsDto | null = null,
): ChatCompletionChunkDto {
  return {
    ...meta,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

export function usageChunk(meta: CompletionMeta, usage: TokenUsage): ChatCompletionChunkDto {
  return { ...meta, object: 'chat.completion.chunk', choices: [], usage: toUsage(usage) };
}

/** One SSE event in the wire format OpenAI clients parse. */
export const sseData = (payload: object | '[DONE]'): string =>
  `data: ${payload === '[DONE]' ? payload : JSON.stringify(payload)}\n\n`;
