import type { FinishReason } from 'ai';
import type {
  ChatCompletionChunkDto,
  ChatCompletionDto,
  ChoiceLogprobsDto,
  FinishReasonDto,
  OpenAIModelDto,
  OpenAIModelListDto,
  OpenAIUsageDto,
  ToolCallDeltaDto,
  ToolCallOutDto,
} from '../../shared/openai-schemas.js';
import type { ListedModel } from '../ai/model-registry.js';
import { newId } from '../ids.js';
import type { TokenUsage } from './completion-service.js';
import type { ToolCallEvent, ToolCallResult } from './tool-calls.js';

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

/**
 * OpenAI's finish reason. A reply with tool calls finishes with `tool_calls` even when the
 * provider said `stop` (some OpenAI-compatible servers do): that is what clients act on.
 */
export function toFinishReason(reason: FinishReason | null, calledTools = false): FinishReasonDto {
  if (calledTools && reason !== 'length' && reason !== 'content-filter') return 'tool_calls';
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

const toolCallOut = (call: ToolCallResult): ToolCallOutDto => ({
  id: call.id,
  type: 'function',
  function: { name: call.name, arguments: call.arguments },
});

export function completionBody(
  meta: CompletionMeta,
  text: string,
  finishReason: FinishReason | null,
  usage: TokenUsage,
  logprobs: ChoiceLogprobsDto | null = null,
  toolCalls: ToolCallResult[] = [],
): ChatCompletionDto {
  const calls = toolCalls.length > 0;
  return {
    ...meta,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          // OpenAI's content is null for a reply that only calls tools.
          content: calls && text === '' ? null : text,
          refusal: null,
          ...(calls ? { tool_calls: toolCalls.map(toolCallOut) } : {}),
        },
        logprobs,
        finish_reason: toFinishReason(finishReason, calls),
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
  delta: { role?: 'assistant'; content?: string; tool_calls?: ToolCallDeltaDto[] },
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

/**
 * A tool call event as OpenAI's chunk delta: the first piece of a call names it (with empty
 * arguments), the later ones carry argument fragments; the end of a call sends nothing of its own.
 */
export function toolCallDelta(event: ToolCallEvent): ToolCallDeltaDto | undefined {
  if (event.type === 'start') {
    return {
      index: event.index,
      id: event.id,
      type: 'function',
      function: { name: event.name, arguments: '' },
    };
  }
  if (event.type === 'delta') return { index: event.index, function: { arguments: event.delta } };
  return undefined;
}

export function usageChunk(meta: CompletionMeta, usage: TokenUsage): ChatCompletionChunkDto {
  return { ...meta, object: 'chat.completion.chunk', choices: [], usage: toUsage(usage) };
}

/** One SSE event in the wire format OpenAI clients parse. */
export const sseData = (payload: object | '[DONE]'): string =>
  `data: ${payload === '[DONE]' ? payload : JSON.stringify(payload)}\n\n`;
