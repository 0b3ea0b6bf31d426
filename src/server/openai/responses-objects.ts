import type { FinishReason } from 'ai';
import type {
  ResponseObjectDto,
  ResponsesFunctionCallItemDto,
  ResponsesMessageItemDto,
  ResponsesOutputItemDto,
  ResponsesUsageDto,
} from '../../shared/openai-schemas.js';
import { newId } from '../ids.js';
import type { TokenUsage } from './completion-service.js';
import type { ResponsesCall } from './responses-request.js';
import type { ToolCallResult } from './tool-calls.js';

/**
 * The Responses API's objects (openai's `responses.d.ts`; the AI SDK's responses parser reads
 * the same): the response, its output items and usage. Ids carry OpenAI's prefixes (`resp_`,
 * `msg_`, `fc_`) because clients and logs tell the kinds apart by them.
 */

export const responseId = (): string => `resp_${newId()}`;
export const messageItemId = (): string => `msg_${newId()}`;
export const functionCallItemId = (): string => `fc_${newId()}`;

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export function messageItem(
  id: string,
  text: string | undefined,
  status: ItemStatus,
): ResponsesMessageItemDto {
  return {
    type: 'message',
    id,
    status,
    role: 'assistant',
    content: text === undefined ? [] : [outputText(text)],
  };
}

export const outputText = (text: string) => ({
  type: 'output_text' as const,
  text,
  annotations: [],
  logprobs: [],
});

export function functionCallItem(
  id: string,
  call: Pick<ToolCallResult, 'id' | 'name' | 'arguments'>,
  status: ItemStatus,
): ResponsesFunctionCallItemDto {
  return { type: 'function_call', id, call_id: call.id, name: call.name, arguments: call.arguments, status };
}

export function responsesUsage(usage: TokenUsage): ResponsesUsageDto {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/** Why a response stopped short, in OpenAI's words; null when it completed. */
export function incompleteReason(finishReason: FinishReason | null): string | null {
  if (finishReason === 'length') return 'max_output_tokens';
  if (finishReason === 'content-filter') return 'content_filter';
  return null;
}

export interface ResponseMeta {
  id: string;
  createdAt: number;
  model: string;
}

/** The response object in any state; the request's settings are echoed as OpenAI does. */
export function responseObject(
  meta: ResponseMeta,
  call: ResponsesCall,
  state: {
    status: ResponseObjectDto['status'];
    output: ResponsesOutputItemDto[];
    usage: TokenUsage | null;
    incomplete?: string | null;
    error?: { code: string; message: string } | null;
  },
): ResponseObjectDto {
  const { echo } = call;
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status: state.status,
    error: state.error ?? null,
    incomplete_details: state.incomplete ? { reason: state.incomplete } : null,
    instructions: echo.instructions,
    max_output_tokens: echo.maxOutputTokens,
    model: meta.model,
    output: state.output,
    parallel_tool_calls: echo.parallelToolCalls,
    previous_response_id: null,
    // Nothing is kept, whatever the request said.
    store: false,
    temperature: echo.temperature,
    text: { format: echo.textFormat },
    tool_choice: echo.toolChoice,
    tools: echo.tools,
    top_p: echo.topP,
    truncation: 'disabled',
    usage: state.usage ? responsesUsage(state.usage) : null,
    user: call.endUser ?? null,
    metadata: {},
  };
}

/** The whole answer of a non-streamed request: the text as one message, then each tool call. */
export function completedResponse(
  meta: ResponseMeta,
  call: ResponsesCall,
  result: { text: string; finishReason: FinishReason | null; usage: TokenUsage; toolCalls: ToolCallResult[] },
): ResponseObjectDto {
  const incomplete = incompleteReason(result.finishReason);
  const itemStatus: ItemStatus = incomplete ? 'incomplete' : 'completed';
  const output: ResponsesOutputItemDto[] = [];
  if (result.text !== '' || result.toolCalls.length === 0) {
    output.push(messageItem(messageItemId(), result.text, itemStatus));
  }
  for (const toolCall of result.toolCalls)
    output.push(functionCallItem(functionCallItemId(), toolCall, 'completed'));
  return responseObject(meta, call, {
    status: incomplete ? 'incomplete' : 'completed',
    output,
    usage: result.usage,
    incomplete,
  });
}
