import type {
  ChatCompletionRequest,
  ChatMessageInput,
  ChatToolChoiceInput,
  ResponseFormatInput,
} from '../../shared/openai-schemas.js';
import type { AttachmentLimits } from './attachment-limits.js';
import { type AttachmentRequest, textOnlyParts } from './content-parts.js';
import { invalidRequest } from './errors.js';
import { unsupportedField } from './parameters.js';
import { PromptBuilder, type PromptMessage } from './prompt-builder.js';
import { checkChoice, checkTools, type ToolRequest } from './tools.js';

export type { PromptMessage } from './prompt-builder.js';

/** Sampling settings, in the AI SDK's names. */
export interface CallSettings {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  stopSequences?: string[];
}

/** `response_format` in the AI SDK's terms: JSON, with a schema for structured output. */
export interface JsonResponseFormat {
  type: 'json';
  schema?: Record<string, unknown>;
  name?: string;
  description?: string;
  /** OpenAI's `json_schema.strict`: off unless the client turned it on (OpenAI's default). */
  strict: boolean;
}

/** What a chat completion (or Responses) request asks of the model, validated beyond the schema. */
export interface CompletionCall {
  modelId: string;
  /** The whole conversation as the client sent it; the client owns the context here. */
  prompt: PromptMessage[];
  /** Every image and file of the prompt, in order (for the checks before admission). */
  attachments: AttachmentRequest[];
  /** The system and developer messages' text, kept as the conversation's system prompt in history. */
  systemText: string | undefined;
  /** The last user message's text: what a recorded conversation shows as the question. */
  lastUserText: string | undefined;
  settings: CallSettings;
  /** JSON mode or structured output; undefined for plain text. */
  responseFormat: JsonResponseFormat | undefined;
  /** Log probabilities asked for: `true`, or how many alternatives per token (`top_logprobs`). */
  logprobs: true | number | undefined;
  stream: boolean;
  includeUsage: boolean;
  endUser: string | undefined;
  /** Function tools for the model to call (the client runs them); undefined without tools. */
  tools: ToolRequest | undefined;
}

export const defined = <T>(value: T | null | undefined): T | undefined =>
  value === null ? undefined : value;

/** A system, assistant or tool message's text; attachments belong in user messages only. */
function plainText(message: ChatMessageInput, index: number): string {
  const { content } = message;
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return textOnlyParts(content, `messages[${index}].content`).join('\n');
}

function toPrompt(input: ChatMessageInput[], limits: AttachmentLimits) {
  const builder = new PromptBuilder(limits);
  input.forEach((message, index) => {
    const at = `messages[${index}]`;
    if (message.role === 'user') {
      builder.addUser(defined(message.content) ?? '', `${at}.content`);
    } else if (message.role === 'assistant') {
      const calls = (defined(message.tool_calls) ?? []).map((call, callIndex) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
        param: `${at}.tool_calls[${callIndex}].function.arguments`,
      }));
      builder.addAssistant(plainText(message, index), calls);
    } else if (message.role === 'tool') {
      const callId = defined(message.tool_call_id);
      if (callId === undefined) {
        throw invalidRequest(
          `Missing required parameter: '${at}.tool_call_id'.`,
          `${at}.tool_call_id`,
          'missing_required_parameter',
        );
      }
      builder.addToolResult(callId, plainText(message, index), `${at}.tool_call_id`);
    } else {
      // Developer messages are OpenAI's newer name for system messages.
      builder.addSystem(plainText(message, index));
    }
  });
  return builder.build('messages');
}

/** `tools`, `tool_choice` and `parallel_tool_calls` of a chat completion, checked. */
function toTools(body: ChatCompletionRequest): ToolRequest | undefined {
  const tools = checkTools(
    (defined(body.tools) ?? []).map((tool, index) => {
      if (tool.type !== 'function') {
        throw invalidRequest(
          `Tools of type '${tool.type}' are not supported; send function tools.`,
          `tools[${index}].type`,
          'unsupported_parameter',
        );
      }
      const fn = defined(tool.function);
      if (fn === undefined) {
        throw invalidRequest(
          `Missing required parameter: 'tools[${index}].function'.`,
          `tools[${index}].function`,
          'missing_required_parameter',
        );
      }
      return {
        name: fn.name,
        description: defined(fn.description),
        parameters: defined(fn.parameters),
        strict: defined(fn.strict),
      };
    }),
    (index) => `tools[${index}].function`,
  );
  const choice = defined(body.tool_choice);
  const named = (c: ChatToolChoiceInput) => (typeof c === 'string' ? c : { name: c.function.name });
  const checked = checkChoice(choice === undefined ? undefined : named(choice), tools, 'tool_choice');
  if (tools.length === 0) return undefined;
  return { tools, choice: checked, parallel: defined(body.parallel_tool_calls) };
}

function toResponseFormat(format: ResponseFormatInput | null | undefined): JsonResponseFormat | undefined {
  if (!format || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json', strict: false };
  const spec = format.json_schema;
  if (!spec) {
    throw invalidRequest(
      "Missing required parameter: 'response_format.json_schema'.",
      'response_format.json_schema',
      'missing_required_parameter',
    );
  }
  return {
    type: 'json',
    name: spec.name,
    description: defined(spec.description),
    schema: defined(spec.schema),
    strict: spec.strict === true,
  };
}

function toLogprobs(body: ChatCompletionRequest): true | number | undefined {
  const top = defined(body.top_logprobs);
  if (body.logprobs !== true) {
    if (top !== undefined) {
      throw invalidRequest("'top_logprobs' needs 'logprobs' set to true.", 'top_logprobs', 'invalid_value');
    }
    return undefined;
  }
  return top === undefined || top === 0 ? true : top;
}

export function toCompletionCall(body: ChatCompletionRequest, limits: AttachmentLimits): CompletionCall {
  const unsupported = unsupportedField(body);
  if (unsupported) throw unsupported;
  const stop = defined(body.stop);
  const settings: CallSettings = {
    // max_completion_tokens is the current name; max_tokens the deprecated one still widely sent.
    maxOutputTokens: defined(body.max_completion_tokens) ?? defined(body.max_tokens),
    temperature: defined(body.temperature),
    topP: defined(body.top_p),
    presencePenalty: defined(body.presence_penalty),
    frequencyPenalty: defined(body.frequency_penalty),
    seed: defined(body.seed),
    stopSequences: stop === undefined ? undefined : typeof stop === 'string' ? [stop] : stop,
  };
  return {
    modelId: body.model,
    ...toPrompt(body.messages, limits),
    settings,
    responseFormat: toResponseFormat(body.response_format),
    logprobs: toLogprobs(body),
    stream: body.stream === true,
    includeUsage: body.stream_options?.include_usage === true,
    endUser: defined(body.user),
    tools: toTools(body),
  };
}
