import { describeModelError } from '../chat/model-errors.js';
import { estimateTokens } from '../chat/prompt.js';
import { conversationDto } from '../chat/serialize.js';
import { modelFailed, modelNotFound } from './errors.js';
import { recordExchange, resolveHistoryTarget } from './history.js';
/**
 * The provider's counts. When a client hangs up before the end the provider reports none, so the
 * tokens are estimated: hanging up early must not be a way around the token quota. A failed call
 * counts only what the provider reported.
 */
function countTokens(call, status, text, usage) {
    if (status !== 'stopped') {
        return { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 };
    }
    const promptText = call.messages
        .map((message) => typeof message.content === 'string' ? message.content : JSON.stringify(message.content))
        .join('\n');
    return {
        inputTokens: usage?.inputTokens ?? estimateTokens(promptText),
        outputTokens: usage?.outputTokens ?? (text === '' ? 0 : estimateTokens(text)),
    };
}
export class CompletionService {
    deps;
    constructor(deps) {
        this.deps = deps;
    }
    /** Throws a 404 OpenAI error for a model that is not in the registry. */
    requireModel(modelId) {
        if (!this.deps.models.has(modelId))
            throw modelNotFound(modelId);
    }
    /** Where to record the exchange (`X-Parley-Conversation`), checked before the model is called. */
    resolveHistory(userId, header, call) {
        return resolveHistoryTarget(this.deps.store, userId, header, call.lastUserText, this.deps.policy);
    }
    /**
     * Run the completion, passing each text delta to `onDelta` (awaited: a slow client slows the
     * model instead of filling memory). Admission errors (429) are thrown; model errors are returned
     * in the result, since part of the reply may already be out.
     */
    async complete(userId, call, options) {
        const log = options.log ?? this.deps.logger;
        const registered = this.deps.models.get(call.modelId);
        if (!registered)
            throw modelNotFound(call.modelId);
        const release = await this.deps.limiter.admit(userId);
        const startedAt = new Date().toISOString();
        const started = performance.now();
        let text = '';
        let finishReason = null;
        let usage;
        let failure;
        let failed = false;
        try {
            // The SDK is loaded on the first call of this API, not at start-up.
            const { streamText } = await import('ai');
            const result = streamText({
                model: registered.model,
                messages: call.messages,
                // The client owns the whole prompt, system messages included.
                allowSystemInMessages: true,
                ...call.settings,
                abortSignal: options.signal,
                // Retries and breakers belong to the provider layer (the registry wraps every model).
                maxRetries: 0,
                // Errors arrive as stream parts, handled below; the default prints them to stderr.
                onError: () => { },
            });
            for await (const part of result.fullStream) {
                if (part.type === 'text-delta') {
                    if (part.text === '')
                        continue;
                    text += part.text;
                    await options.onDelta(part.text);
                }
                else if (part.type === 'finish') {
                    finishReason = part.finishReason;
                    usage = part.totalUsage;
                }
                else if (part.type === 'error') {
                    failed = true;
                    failure = part.error;
                }
            }
        }
        catch (caught) {
            failed = true;
            failure = caught;
        }
        finally {
            release();
        }
        const status = options.signal.aborted
            ? 'stopped'
            : failed
                ? 'error'
                : 'complete';
        const description = status === 'error' ? describeModelError(failure) : null;
        const counted = countTokens(call, status, text, usage);
        await this.record(userId, call, status, text, finishReason, description, counted, startedAt, options.history, options.apiTokenId).catch((err) => log.error({ err }, 'could not record the completion'));
        log.info({
            model: call.modelId,
            status,
            inputTokens: counted.inputTokens,
            outputTokens: counted.outputTokens,
            durationMs: Math.round(performance.now() - started),
            ...(call.endUser ? { endUser: call.endUser } : {}),
            ...(options.history ? { conversationId: options.history.conversationId } : {}),
            ...(description ? { error: description } : {}),
        }, 'openai completion finished');
        return {
            status,
            text,
            finishReason: status === 'complete' ? finishReason : null,
            usage: counted,
            error: description === null ? null : modelFailed(description, failure),
        };
    }
    /** Count the tokens; with history, write the exchange in the same transaction and tell the user's tabs. */
    async record(userId, call, status, text, finishReason, error, usage, startedAt, history, apiTokenId) {
        if (apiTokenId) {
            await this.deps.store.repos.tokens.addApiTokenUsage(apiTokenId, usage.inputTokens + usage.outputTokens);
        }
        if (!history) {
            await this.deps.store.repos.usage.addTokenUsage(userId, usage.inputTokens + usage.outputTokens, new Date());
            return;
        }
        const conversation = await recordExchange(this.deps.store, history, {
            userId,
            model: call.modelId,
            systemText: call.systemText,
            userText: call.lastUserText ?? '',
            reply: {
                text,
                status,
                finishReason: status === 'complete' ? finishReason : null,
                error,
                ...usage,
            },
            startedAt,
        }, this.deps.policy);
        if (!conversation)
            return;
        this.deps.bus.publish(userId, {
            type: history.isNew ? 'conversation.created' : 'conversation.updated',
            conversation: conversationDto(conversation, null),
        });
    }
}
