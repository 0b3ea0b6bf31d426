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

/** OpenAI's bound on the tools of one request; also Parley's. */
export const MAX_TOOLS = 128;
/** A tool's description: generous, but a tool list is no place for a document. */
export const MAX_TOOL_DESCRIPTION_CHARS = 8_192;

/** OpenAI's rule for function names: letters, digits, underscores and dashes, at most 64. */
const ToolName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]+$' });

/** A function's JSON schema; its size and depth are checked in openai/tools.ts. */
const JsonSchemaObject = Type.Record(Type.String(), Type.Unknown());

/**
 * A tool of a chat completion request. Only `function` tools exist for Parley; `type` and
 * `function` are checked in openai/request.ts, so a `custom` tool is refused by its type.
 */
export const ChatTool = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  function: Opt(
    Type.Object({
      name: ToolName,
      description: Opt(Type.String({ maxLength: MAX_TOOL_DESCRIPTION_CHARS })),
      parameters: Opt(JsonSchemaObject),
      strict: Opt(Type.Boolean()),
    }),
  ),
});
export type ChatToolInput = Static<typeof ChatTool>;

/** `tool_choice` of chat completions: a mode, or one named function. */
export const ChatToolChoice = Type.Union([
  Type.Enum(['none', 'auto', 'required']),
  Type.Object({ type: Type.Literal('function'), function: Type.Object({ name: ToolName }) }),
]);
export type ChatToolChoiceInput = Static<typeof ChatToolChoice>;

/** A tool call the model made earlier, as the client sends it back in an assistant message. */
export const ChatToolCall = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 256 }),
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 256 }),
    /** JSON text, as the model wrote it. */
    arguments: Type.String({ maxLength: MAX_CONTENT_CHARS }),
  }),
});

export const ChatMessage = Type.Object({
  role: Type.Enum(['system', 'developer', 'user', 'assistant', 'tool']),
  /** Null for an assistant message that only calls tools; treated as empty. */
  content: Opt(
    Type.Union([Type.String({ maxLength: MAX_CONTENT_CHARS }), Type.Array(ContentPart, { maxItems: 200 })]),
  ),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  /** Assistant messages: the tool calls the model made. */
  tool_calls: Opt(Type.Array(ChatToolCall, { maxItems: MAX_TOOLS })),
  /** Tool messages: which call this is the result of. */
  tool_call_id: Opt(Type.String({ minLength: 1, maxLength: 256 })),
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
  /** Function tools; their schemas are bounded in openai/tools.ts. */
  tools: Opt(Type.Array(ChatTool, { maxItems: MAX_TOOLS })),
  tool_choice: Opt(ChatToolChoice),
  parallel_tool_calls: Opt(Type.Boolean()),
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

/** A tool call in an answer: `arguments` is JSON text, as the model wrote it. */
export const ToolCallOut = Type.Object({
  id: Type.String(),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String(), arguments: Type.String() }),
});
export type ToolCallOutDto = Static<typeof ToolCallOut>;

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
        /** Null when the model only called tools, as at OpenAI. */
        content: Type.Union([Type.String(), Type.Null()]),
        refusal: Type.Null(),
        tool_calls: Type.Optional(Type.Array(ToolCallOut)),
      }),
      logprobs: Type.Union([ChoiceLogprobs, Type.Null()]),
      finish_reason: FinishReason,
    }),
  ),
  usage: OpenAIUsage,
});
export type ChatCompletionDto = Static<typeof ChatCompletion>;

/**
 * A streamed tool call piece, as OpenAI sends it: the first names the call (`id`, `type`,
 * `function.name`, empty `arguments`), later ones carry only `index` and an `arguments` fragment.
 */
export interface ToolCallDeltaDto {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

/** One SSE `data:` object of a streamed completion (not validated on the way out: written by hand). */
export interface ChatCompletionChunkDto {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: 'assistant'; content?: string; tool_calls?: ToolCallDeltaDto[] };
    logprobs: ChoiceLogprobsDto | null;
    finish_reason: FinishReasonDto | null;
  }[];
  usage?: OpenAIUsageDto | null;
}

// ---- Responses API (`POST /v1/responses`) ------------------------------------------------------

/**
 * A content part of a Responses input message: `input_text`, `input_image`, `input_file` (user),
 * `output_text` / `refusal` (assistant, echoed back by clients). Which type may carry which field
 * is checked in openai/responses-request.ts, which names the part in its 400s.
 */
export const ResponsesContentPart = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  text: Opt(Type.String({ maxLength: MAX_CONTENT_CHARS })),
  refusal: Opt(Type.String({ maxLength: MAX_CONTENT_CHARS })),
  /** A data: URL or an http(s) URL, as `image_url.url` of chat completions. */
  image_url: Opt(Type.String({ minLength: 1 })),
  detail: Opt(Type.String({ maxLength: 16 })),
  file_id: Opt(Type.String({ maxLength: 256 })),
  file_data: Opt(Type.String({ minLength: 1 })),
  file_url: Opt(Type.String({ maxLength: 4_096 })),
  filename: Opt(Type.String({ maxLength: 1_024 })),
});
export type ResponsesContentPartInput = Static<typeof ResponsesContentPart>;

const ResponsesContent = Type.Union([
  Type.String({ maxLength: MAX_CONTENT_CHARS }),
  Type.Array(ResponsesContentPart, { maxItems: 200 }),
]);

/**
 * One item of `input`: a message (`type` absent or `message`, with `role` and `content`), a
 * `function_call` the model made earlier, or a `function_call_output` (the result the client
 * computed). One loose object so the 400 for a malformed item can name the exact field.
 */
export const ResponsesInputItem = Type.Object({
  type: Opt(Type.String({ minLength: 1, maxLength: 64 })),
  role: Opt(Type.Enum(['user', 'assistant', 'system', 'developer'])),
  content: Opt(ResponsesContent),
  id: Opt(Type.String({ maxLength: 256 })),
  status: Opt(Type.String({ maxLength: 32 })),
  call_id: Opt(Type.String({ minLength: 1, maxLength: 256 })),
  name: Opt(Type.String({ minLength: 1, maxLength: 256 })),
  arguments: Opt(Type.String({ maxLength: MAX_CONTENT_CHARS })),
  output: Opt(ResponsesContent),
});
export type ResponsesInputItemInput = Static<typeof ResponsesInputItem>;

/** A tool of a Responses request; only `function` tools are supported (checked with the reason). */
export const ResponsesTool = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  name: Opt(ToolName),
  description: Opt(Type.String({ maxLength: MAX_TOOL_DESCRIPTION_CHARS })),
  parameters: Opt(JsonSchemaObject),
  strict: Opt(Type.Boolean()),
});
export type ResponsesToolInput = Static<typeof ResponsesTool>;

export const ResponsesToolChoice = Type.Union([
  Type.Enum(['none', 'auto', 'required']),
  Type.Object({ type: Type.Literal('function'), name: ToolName }),
]);
export type ResponsesToolChoiceInput = Static<typeof ResponsesToolChoice>;

/** `text.format`: plain text, JSON mode, or structured output (the schema inline, unlike chat). */
export const ResponsesTextFormat = Type.Object({
  type: Type.Enum(['text', 'json_object', 'json_schema']),
  name: Opt(Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]+$' })),
  description: Opt(Type.String({ maxLength: 4_096 })),
  schema: Opt(JsonSchemaObject),
  strict: Opt(Type.Boolean()),
});
export type ResponsesTextFormatInput = Static<typeof ResponsesTextFormat>;

export const ResponsesBody = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 200 }),
  input: Type.Union([
    Type.String({ maxLength: MAX_CONTENT_CHARS }),
    Type.Array(ResponsesInputItem, { minItems: 1, maxItems: MAX_OPENAI_MESSAGES }),
  ]),
  instructions: Opt(Type.String({ maxLength: MAX_CONTENT_CHARS })),
  tools: Opt(Type.Array(ResponsesTool, { maxItems: MAX_TOOLS })),
  tool_choice: Opt(ResponsesToolChoice),
  parallel_tool_calls: Opt(Type.Boolean()),
  text: Opt(
    Type.Object({
      format: Opt(ResponsesTextFormat),
      /** Refused when set: no provider behind Parley but OpenAI knows it. */
      verbosity: Opt(Type.String({ maxLength: 16 })),
    }),
  ),
  max_output_tokens: Opt(Type.Integer({ minimum: 1 })),
  temperature: Opt(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Opt(Type.Number({ minimum: 0, maximum: 1 })),
  stream: Opt(Type.Boolean()),
  /** Accepted either way: Parley keeps no response objects (`store: true` stores nothing). */
  store: Opt(Type.Boolean()),
  /** Refused with the reason: there are no stored responses to continue from. */
  previous_response_id: Opt(Type.String({ maxLength: 256 })),
  /** Only `reasoning.encrypted_content` (a no-op: Parley returns no reasoning items). */
  include: Opt(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 16 })),
  /** `disabled` only: Parley never truncates the input on its own. */
  truncation: Opt(Type.Enum(['auto', 'disabled'])),
  user: Opt(Type.String({ maxLength: 256 })),
});
export type ResponsesRequest = Static<typeof ResponsesBody>;

/** The usage of a Responses answer, with OpenAI's detail objects (clients read them unguarded). */
export const ResponsesUsage = Type.Object({
  input_tokens: Type.Integer(),
  input_tokens_details: Type.Object({ cached_tokens: Type.Integer() }),
  output_tokens: Type.Integer(),
  output_tokens_details: Type.Object({ reasoning_tokens: Type.Integer() }),
  total_tokens: Type.Integer(),
});
export type ResponsesUsageDto = Static<typeof ResponsesUsage>;

export const ResponsesOutputText = Type.Object({
  type: Type.Literal('output_text'),
  text: Type.String(),
  annotations: Type.Array(Type.Unknown()),
  logprobs: Type.Array(Type.Unknown()),
});

export const ResponsesMessageItem = Type.Object({
  type: Type.Literal('message'),
  id: Type.String(),
  status: Type.Enum(['in_progress', 'completed', 'incomplete']),
  role: Type.Literal('assistant'),
  content: Type.Array(ResponsesOutputText),
});
export type ResponsesMessageItemDto = Static<typeof ResponsesMessageItem>;

export const ResponsesFunctionCallItem = Type.Object({
  type: Type.Literal('function_call'),
  id: Type.String(),
  call_id: Type.String(),
  name: Type.String(),
  arguments: Type.String(),
  status: Type.Enum(['in_progress', 'completed', 'incomplete']),
});
export type ResponsesFunctionCallItemDto = Static<typeof ResponsesFunctionCallItem>;

export type ResponsesOutputItemDto = ResponsesMessageItemDto | ResponsesFunctionCallItemDto;

/**
 * The Responses object. `output_text` is not on the wire (the SDKs compute it from `output`).
 * The request's settings are echoed as OpenAI does; `store` is always false (nothing is kept).
 */
export const ResponseObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('response'),
  created_at: Type.Integer(),
  status: Type.Enum(['in_progress', 'completed', 'incomplete', 'failed']),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  incomplete_details: Type.Union([Type.Object({ reason: Type.String() }), Type.Null()]),
  instructions: Type.Union([Type.String(), Type.Null()]),
  max_output_tokens: Type.Union([Type.Integer(), Type.Null()]),
  model: Type.String(),
  /** Message and function_call items (see ResponsesMessageItem, ResponsesFunctionCallItem). */
  output: Type.Array(Type.Union([ResponsesMessageItem, ResponsesFunctionCallItem])),
  parallel_tool_calls: Type.Boolean(),
  previous_response_id: Type.Null(),
  store: Type.Boolean(),
  temperature: Type.Union([Type.Number(), Type.Null()]),
  text: Type.Object({ format: Type.Record(Type.String(), Type.Unknown()) }),
  tool_choice: Type.Unknown(),
  tools: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  top_p: Type.Union([Type.Number(), Type.Null()]),
  truncation: Type.Literal('disabled'),
  usage: Type.Union([ResponsesUsage, Type.Null()]),
  user: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.String()),
});
export type ResponseObjectDto = Static<typeof ResponseObject>;
