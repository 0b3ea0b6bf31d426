import type {
  ChatCompletionRequest,
  ChatMessageInput,
  ResponseFormatInput,
} from '../../shared/openai-schemas.js';
import { type AttachmentLimits, MAX_TEXT_CHARS } from './attachment-limits.js';
import {
  type AttachmentRequest,
  type AttachmentTally,
  textOnlyParts,
  tooLarge,
  type UserPart,
  userParts,
} from './content-parts.js';
import { invalidRequest } from './errors.js';
import { unsupportedField } from './parameters.js';

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

/** A message as the client sent it, its attachments not yet read (that happens after admission). */
export type PromptMessage =
  | { role: 'system' | 'assistant'; content: string }
  | { role: 'user'; content: UserPart[] };

/** What a chat completion request asks of the model, validated beyond the schema. */
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
}

const defined = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

/** A system or assistant message's text; attachments belong in user messages only. */
function plainText(message: ChatMessageInput, index: number): string {
  const { content } = message;
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return textOnlyParts(content, index).join('\n');
}

/** How a recorded conversation shows an attachment: the question keeps a trace of what was sent. */
const attachmentNote = (attachment: AttachmentRequest) =>
  `[${attachment.part === 'image_url' ? 'image' : 'file'}${attachment.filename ? `: ${attachment.filename}` : ''}]`;

function toPrompt(input: ChatMessageInput[], limits: AttachmentLimits) {
  const prompt: PromptMessage[] = [];
  const attachments: AttachmentRequest[] = [];
  const system: string[] = [];
  const counted: AttachmentTally = { count: 0, bytes: 0 };
  let textChars = 0;
  let lastUserText: string | undefined;
  input.forEach((message, index) => {
    if (message.role === 'user') {
      const { content } = message;
      const parts: UserPart[] =
        content === null || content === undefined
          ? []
          : typeof content === 'string'
            ? [{ type: 'text', text: content }]
            : userParts(content, index, limits, counted);
      const texts = parts.flatMap((part) => (part.type === 'text' ? [part.text] : []));
      const attached = parts.flatMap((part) => (part.type === 'attachment' ? [part.attachment] : []));
      attachments.push(...attached);
      textChars += texts.reduce((sum, text) => sum + text.length, 0);
      lastUserText = [...texts, ...attached.map(attachmentNote)].join('\n');
      prompt.push({ role: 'user', content: parts });
      return;
    }
    const text = plainText(message, index);
    textChars += text.length;
    if (message.role === 'assistant') {
      // An empty assistant turn (a tool-call placeholder) carries nothing a model can use.
      if (text !== '') prompt.push({ role: 'assistant', content: text });
      return;
    }
    // Developer messages are OpenAI's newer name for system messages.
    system.push(text);
    prompt.push({ role: 'system', content: text });
  });
  if (textChars > MAX_TEXT_CHARS) {
    throw tooLarge(
      `The messages' text is ${textChars} characters; at most ${MAX_TEXT_CHARS} are accepted per request.`,
      'messages',
    );
  }
  return {
    prompt,
    attachments,
    systemText: system.length > 0 ? system.join('\n\n') : undefined,
    lastUserText,
  };
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
  if (body.tools && body.tools.length > 0) {
    throw invalidRequest(
      'Tools (function calling) are not supported by this server yet.',
      'tools',
      'unsupported_parameter',
    );
  }
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
  };
}
