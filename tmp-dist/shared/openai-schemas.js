import { Type } from 'typebox';
import { MAX_CONTENT_CHARS } from './api-schemas.js';
/**
 * The OpenAI chat completions protocol as Parley speaks it at /v1. Request objects allow unknown
 * fields (OpenAI adds parameters often, and clients send them whether or not a server knows them);
 * the fields Parley knows are validated. Optional parameters also accept null, which several
 * clients send for "not set".
 */
const Opt = (schema) => Type.Optional(Type.Union([schema, Type.Null()]));
/** Messages in one request: generous for long agent transcripts, bounded against abuse. */
export const MAX_OPENAI_MESSAGES = 2_000;
/** A content part; only `text` parts are supported, others are refused with a clear error. */
export const ContentPart = Type.Object({
    type: Type.String({ minLength: 1, maxLength: 64 }),
    text: Type.Optional(Type.String({ maxLength: MAX_CONTENT_CHARS })),
});
export const ChatMessage = Type.Object({
    role: Type.Enum(['system', 'developer', 'user', 'assistant']),
    /** Null only makes sense for assistant tool calls, which Parley does not support; treated as empty. */
    content: Opt(Type.Union([Type.String({ maxLength: MAX_CONTENT_CHARS }), Type.Array(ContentPart, { maxItems: 200 })])),
    name: Type.Optional(Type.String({ maxLength: 256 })),
});
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
    /** Accepted so clients that always send `tools: []` work; a non-empty list is refused. */
    tools: Opt(Type.Array(Type.Unknown())),
    /** The caller's own end-user id, kept in the logs. */
    user: Opt(Type.String({ maxLength: 256 })),
});
export const OpenAIErrorBody = Type.Object({
    error: Type.Object({
        message: Type.String(),
        type: Type.String(),
        param: Type.Union([Type.String(), Type.Null()]),
        code: Type.Union([Type.String(), Type.Null()]),
    }),
});
export const OpenAIModel = Type.Object({
    id: Type.String(),
    object: Type.Literal('model'),
    created: Type.Integer(),
    owned_by: Type.String(),
});
export const OpenAIModelList = Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(OpenAIModel),
});
export const OpenAIUsage = Type.Object({
    prompt_tokens: Type.Integer(),
    completion_tokens: Type.Integer(),
    total_tokens: Type.Integer(),
});
export const FinishReason = Type.Enum(['stop', 'length', 'content_filter', 'tool_calls']);
export const ChatCompletion = Type.Object({
    id: Type.String(),
    object: Type.Literal('chat.completion'),
    created: Type.Integer(),
    model: Type.String(),
    choices: Type.Array(Type.Object({
        index: Type.Integer(),
        message: Type.Object({
            role: Type.Literal('assistant'),
            content: Type.String(),
            refusal: Type.Null(),
        }),
        logprobs: Type.Null(),
        finish_reason: FinishReason,
    })),
    usage: OpenAIUsage,
});
