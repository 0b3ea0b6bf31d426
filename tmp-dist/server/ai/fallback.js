import { APICallError } from '@ai-sdk/provider';
import { peekFirstContent } from './resilience.js';
function summary(error) {
    const status = APICallError.isInstance(error) ? error.statusCode : undefined;
    return {
        ...(status !== undefined ? { status } : {}),
        error: error instanceof Error ? error.message : String(error),
    };
}
/** The head parts, with the answering model's id inserted just before the first content part. */
function announce(peeked, modelId) {
    const meta = { type: 'response-metadata', modelId };
    if (peeked.ended)
        return [...peeked.head, meta];
    return [...peeked.head.slice(0, -1), meta, ...peeked.head.slice(-1)];
}
function resume(head, reader, ended) {
    return new ReadableStream({
        start(controller) {
            for (const part of head)
                controller.enqueue(part);
            if (ended)
                controller.close();
        },
        async pull(controller) {
            try {
                const next = await reader.read();
                if (next.done)
                    controller.close();
                else
                    controller.enqueue(next.value);
            }
            catch (error) {
                controller.error(error);
            }
        },
        cancel(reason) {
            return reader.cancel(reason);
        },
    }, { highWaterMark: 0 });
}
/**
 * `fallbacks` may be a function, read at each call: a registry can then wrap its models before the
 * models they fall back to exist.
 */
export function withFallbacks(primary, fallbacks, logger) {
    const chainOf = () => [
        { id: primary.modelId, model: primary },
        ...(typeof fallbacks === 'function' ? fallbacks() : fallbacks),
    ];
    function giveUp(chain, index, error) {
        const next = chain[index + 1];
        if (next) {
            logger?.warn({ model: chain[index]?.id, fallback: next.id, ...summary(error) }, 'model failed before its first token; trying the next in its fallback chain');
        }
        else if (index > 0) {
            logger?.warn({ model: chain[index]?.id, ...summary(error) }, 'every model of the fallback chain failed');
        }
    }
    return {
        specificationVersion: 'v3',
        provider: primary.provider,
        modelId: primary.modelId,
        get supportedUrls() {
            return primary.supportedUrls;
        },
        async doStream(options) {
            let firstError;
            const chain = chainOf();
            for (const [index, entry] of chain.entries()) {
                try {
                    const result = await entry.model.doStream(options);
                    const reader = result.stream.getReader();
                    // A model that is not itself resilient may resolve doStream and fail right after: that is
                    // still before the first token.
                    const peeked = await peekFirstContent(reader);
                    const head = index === 0 ? peeked.head : announce(peeked, entry.id);
                    return { ...result, stream: resume(head, reader, peeked.ended) };
                }
                catch (error) {
                    if (options.abortSignal?.aborted)
                        throw error;
                    if (index === 0)
                        firstError = error;
                    giveUp(chain, index, error);
                }
            }
            throw firstError;
        },
        async doGenerate(options) {
            let firstError;
            const chain = chainOf();
            for (const [index, entry] of chain.entries()) {
                try {
                    const result = await entry.model.doGenerate(options);
                    if (index === 0)
                        return result;
                    return { ...result, response: { ...result.response, modelId: entry.id } };
                }
                catch (error) {
                    if (options.abortSignal?.aborted)
                        throw error;
                    if (index === 0)
                        firstError = error;
                    giveUp(chain, index, error);
                }
            }
            throw firstError;
        },
    };
}
