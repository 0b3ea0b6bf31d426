import { newId } from '../ids.js';
/** The OpenAI response shapes, built from what a completion produced. */
export const completionId = () => `chatcmpl-${newId()}`;
/** Seconds since the epoch, as OpenAI's `created` fields are. */
export const unixSeconds = (at = Date.now()) => Math.floor(at / 1000);
/** `owned_by` is the provider; `created` is when this server started (registries have no dates). */
export function modelList(models, created) {
    return {
        object: 'list',
        data: models.map((model) => ({ id: model.id, object: 'model', created, owned_by: model.provider })),
    };
}
export function toFinishReason(reason) {
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
export function toUsage(usage) {
    return {
        prompt_tokens: usage.inputTokens,
        completion_tokens: usage.outputTokens,
        total_tokens: usage.inputTokens + usage.outputTokens,
    };
}
export function completionBody(meta, text, finishReason, usage) {
    return {
        ...meta,
        object: 'chat.completion',
        choices: [
            {
                index: 0,
                message: { role: 'assistant', content: text, refusal: null },
                logprobs: null,
                finish_reason: toFinishReason(finishReason),
            },
        ],
        usage: toUsage(usage),
    };
}
/**
 * One `chat.completion.chunk`. With include_usage every chunk carries `usage: null` and one more
 * chunk with empty choices carries the totals, as OpenAI does.
 */
export function chunk(meta, delta, finishReason, includeUsage) {
    return {
        ...meta,
        object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        ...(includeUsage ? { usage: null } : {}),
    };
}
export function usageChunk(meta, usage) {
    return { ...meta, object: 'chat.completion.chunk', choices: [], usage: toUsage(usage) };
}
/** One SSE event in the wire format OpenAI clients parse. */
export const sseData = (payload) => `data: ${payload === '[DONE]' ? payload : JSON.stringify(payload)}\n\n`;
