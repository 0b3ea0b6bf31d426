import { type Static, type TSchema, Type } from 'typebox';
import { MAX_CONTENT_CHARS } from './api-schemas.js';

/**
 * The OpenAI chat completions protocol as Parley speaks it at /v1. The fields Parley knows are
 * validated here; a top-level field it does not pass on is refused by name in openai/request.ts
 * (a gateway that silently drops a parameter changes what the caller asked for). Optional
 * parameters also accept null, which several clients send for "not set".
 */

const Opt = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

/** Messages in one request: generous for long agent transcripts, bounded against abuse. */
export const MAX_OPENAI_MESSAGES = 2_000;

/**
 * A content part: `text`, `image_url` (a data: URL or an http(s) URL the server downloads) or
 * `file` (inline `file_data`). Other types, and `file_id`, are refused with a clear error. The
 * URLs and file data carry no length bound of their own: the route's body limit and the decoded
 * size checks (MAX_FILE_MB) bound them.
 */
export const ContentPart = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  text: Type.Optional(Type.String({ maxLength: MAX_CONTENT_CHARS })),
  image_url: Type.Optional(
    Type.Union([
      Type.String({ minLength: 1 }),
      Type.Object({
        url: Type.String({ minLength: 1 }),
        /** OpenAI's resolution hint; images are fitted to the model's limits whatever it says. */
        detail: Opt(Type.String({ maxLength: 16 })),
      }),
    ]),
  ),
  file: Type.Optional(
    Type.Object({
      file_data: Opt(Type.String({ minLength: 1 })),
      file_id: Opt(Type.String({ maxLength: 256 })),
      filename: Opt(Type.String({ maxLength: 1_024 })),
    }),
  ),
});
export type ContentPartInput = Static<typeof ContentPart>;

export const ChatMessage = Type.Object({
  role: Type.Enum(['system', 'developer', 'user', 'assistant']),
  /** Null only makes sense for assistant tool calls, which Parley does not support; treated as empty. */
  content: Opt(
    Type.Union([Type.String({ maxLength: MAX_CONTENT_CHARS }), Type.Array(ContentPart, { maxItems: 200 })]),
  ),
  name: Type.Optional(Type.String({ maxLength: 256 })),
});
export type ChatMessageInput = Static<typeof ChatMessage>;

/** `response_format`: plain text, JSON mode, or JSON following a schema (structured output). */
export const ResponseFormat = Type.Object({
  type: Type.Enum(['text', 'json_object', 'json_schema']),
  json_schema: Opt(
    Type.Object({
      /** OpenAI's rule: letters, digits, underscores and dashes, at most 64. */
      name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]+$' }),
      description: Opt(Type.String({ maxLength: 4_096 })),
      schema: Opt(Type.Record(Type.String(), Type.Unknown())),
      strict: Opt(Type.Boolean()),
    }),
  ),
});
export type ResponseFormatInput = Static<typeof ResponseFormat>;

/** OpenAI's bound on alternatives per token. */
export const MAX_TOP_LOGPROBS = 20;

export const ChatCompletionBody = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 200 }),
  messages: Type.Array(ChatMessage, { minItems: 1, maxItems: MAX_OPENAI_MESSAGES }),
  stream: Opt(Type.Boolean()),
  stream_options: Opt(Type.Object({ include_usage: Opt(Type.Boolean()) })),
  max_tokens: Opt(Type.Integer({ minimum: 1 })),
  max_completion_tokens: Opt(Type.Integer({ minimum: 1 })),
  temperature: Opt(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Opt(Type.Number({ minimum: 0, maximum: 1 })),
  presence_penalty: Opt(Type.Number({ minimum: -2, maximum: 2 })),
  frequency_penalty: Opt(Type.Number({ minimum: -2, maximum: 2 })),
  seed: Opt(Type.Integer()),
  stop: Opt(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 })])),
  /** One choice per request: several would multiply cost behind one admitted run. */
  n: Opt(Type.Integer({ minimum: 1, maximum: 1 })),
  response_format: Opt(ResponseFormat),
  /** OpenAI models only (the others report no log probabilities); refused by name elsewhere. */
  logprobs: Opt(Type.Boolean()),
  top_logprobs: Opt(Type.Integer({ minimum: 0, maximum: MAX_TOP_LOGPROBS })),
  /** Accepted so clients that always send `tools: []` work; a non-empty list is refused. */
  tools: Opt(Type.Array(Type.Unknown())),
  /** The caller's own end-user id, kept in the logs. */
  user: Opt(Type.String({ maxLength: 256 })),
});
export type ChatCompletionRequest = Static<typeof ChatCompletionBody>;

export const OpenAIErrorBody = Type.Object({
  error: Type.Object({
    message: Type.String(),
    type: Type.String(),
    param: Type.Union([Type.String(), Type.Null()]),
    code: Type.Union([Type.String(), Type.Null()]),
  }),
});
export type OpenAIErrorBodyDto = Static<typeof OpenAIErrorBody>;

export const OpenAIModel = Type.Object({
  id: Type.String(),
  object: Type.Literal('model'),
  created: Type.Integer(),
  owned_by: Type.String(),
});

export type OpenAIModelDto = Static<typeof OpenAIModel>;

export const OpenAIModelList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(OpenAIModel),
});
export type OpenAIModelListDto = Static<typeof OpenAIModelList>;

export const OpenAIUsage = Type.Object({
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
});
export type OpenAIUsageDto = Static<typeof OpenAIUsage>;

export const FinishReason = Type.Enum(['stop', 'length', 'content_filter', 'tool_calls']);
export type FinishReasonDto = Static<typeof FinishReason>;

/** One token's log probability, as OpenAI reports it (`bytes` is null: providers do not relay it). */
const TokenLogprob = Type.Object({
  token: Type.String(),
  logprob: Type.Number(),
  bytes: Type.Union([Type.Array(Type.Integer()), Type.Null()]),
});

export const ChoiceLogprobs = Type.Object({
  content: Type.Array(
    Type.Object({
      ...TokenLogprob.properties,
      top_logprobs: Type.Array(TokenLogprob),
    }),
  ),
  refusal: Type.Null(),
});
export type ChoiceLogprobsDto = Static<typeof ChoiceLogprobs>;

export const ChatCompletion = Type.Object({
  id: Type.String(),
  object: Type.Literal('chat.completion'),
  created: Type.Integer(),
  model: Type.String(),
  choices: Type.Array(
    Type.Object({
      index: Type.Integer(),
      message: Type.Object({
        role: Type.Literal('assistant'),
        content: Type.String(),
        refusal: Type.Null(),
      }),
      logprobs: Type.Union([ChoiceLogprobs, Type.Null()]),
      finish_reason: FinishReason,
    }),
  ),
  usage: OpenAIUsage,
});
export type ChatCompletionDto = Static<typeof ChatCompletion>;

/** One SSE `data:` object of a streamed completion (not validated on the way out: written by hand). */
export interface ChatCompletionChunkDto {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: 'assistant'; content?: string };
    logprobs: ChoiceLogprobsDto | null;
    finish_reason: FinishReasonDto | null;
  }[];
  usage?: OpenAIUsageDto | null;
}
