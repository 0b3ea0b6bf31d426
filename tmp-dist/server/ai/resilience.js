import { APICallError, } from '@ai-sdk/provider';
import { reportProviderError } from '../observability/provider-events.js';
export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 8_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** Seconds for people: 0.3s, 2.5s, 30s. */
export function formatSeconds(ms) {
    const seconds = ms / 1000;
    return `${seconds >= 10 ? Math.round(seconds) : Number(seconds.toFixed(1))}s`;
}
/** The breaker is open: the call was refused without reaching the provider. */
export class ModelUnavailableError extends Error {
    provider;
    retryInMs;
    name = 'ModelUnavailableError';
    constructor(provider, retryInMs, options) {
        super(`${provider} is unavailable after repeated failures: circuit open; retry in ${formatSeconds(retryInMs)}`, options);
        this.provider = provider;
        this.retryInMs = retryInMs;
    }
}
/** The provider went quiet: before its first token, or between two parts of a streaming reply. */
export class ModelTimeoutError extends Error {
    provider;
    phase;
    timeoutMs;
    // Not 'TimeoutError': the AI SDK treats that name as the caller's own abort.
    name = 'ModelTimeoutError';
    constructor(provider, phase, timeoutMs) {
        super(phase === 'first-token'
            ? `${provider} sent nothing within ${formatSeconds(timeoutMs)} (first-token timeout)`
            : `the model stopped sending (idle for ${formatSeconds(timeoutMs)})`);
        this.provider = provider;
        this.phase = phase;
        this.timeoutMs = timeoutMs;
    }
}
// A side table rather than a wrapper error: the SDK's own error classes (APICallError...) pass through
// unchanged, so anything that inspects them keeps working.
const contexts = new WeakMap();
export function modelErrorContext(error) {
    return typeof error === 'object' && error !== null ? contexts.get(error) : undefined;
}
function tag(error, context) {
    // The innermost wrapper knows best (a fallback chain wraps resilient models).
    if (typeof error === 'object' && error !== null && !contexts.has(error))
        contexts.set(error, context);
    return error;
}
const NETWORK_CODES = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'ETIMEDOUT',
    'EPIPE',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'UND_ERR_SOCKET',
    'UND_ERR_CLOSED',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
]);
/** A broken connection: a socket error anywhere in the cause chain, or undici's "terminated". */
export function isNetworkError(error) {
    const seen = new Set();
    let current = error;
    while (current instanceof Error && !seen.has(current)) {
        seen.add(current);
        const code = current.code;
        if (typeof code === 'string' && NETWORK_CODES.has(code))
            return true;
        if (current instanceof TypeError && /^(terminated|fetch failed)$/i.test(current.message))
            return true;
        current = current.cause;
    }
    return false;
}
/** OpenAI's 429 `insufficient_quota`: the account has no credit left, which no retry will fix. */
export function isOutOfCredit(error) {
    if (!APICallError.isInstance(error) || error.statusCode !== 429)
        return false;
    const data = error.data;
    return (data?.error?.code === 'insufficient_quota' ||
        data?.error?.type === 'insufficient_quota' ||
        (error.responseBody ?? '').includes('insufficient_quota'));
}
/**
 * The provider's fault: 5xx, 429, 408, network errors and timeouts. These are retried and count
 * toward opening the breaker. Client errors (400, 401, 403, 404...) are not: the provider is up and
 * answered, and asking again would get the same answer. The same goes for a 429 that says the
 * account is out of credit.
 */
export function isProviderFault(error) {
    if (error instanceof ModelTimeoutError)
        return true;
    if (APICallError.isInstance(error)) {
        const status = error.statusCode;
        if (status === undefined)
            return error.isRetryable || isNetworkError(error);
        if (isOutOfCredit(error))
            return false;
        return status === 408 || status === 429 || status >= 500 || error.isRetryable;
    }
    return isNetworkError(error);
}
function header(headers, name) {
    if (!headers)
        return undefined;
    for (const [key, value] of Object.entries(headers))
        if (key.toLowerCase() === name)
            return value;
    return undefined;
}
/** The wait a response asks for: `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(headers, now = Date.now()) {
    const ms = header(headers, 'retry-after-ms')?.trim();
    if (ms && /^\d+(\.\d+)?$/.test(ms))
        return Number(ms);
    const value = header(headers, 'retry-after')?.trim();
    if (!value)
        return undefined;
    if (/^\d+(\.\d+)?$/.test(value))
        return Number(value) * 1000;
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
/** How long to wait before retry number `attempt + 1`; undefined: the provider asks for too long. */
export function retryDelayMs(error, attempt, backoff) {
    const asked = APICallError.isInstance(error) ? retryAfterMs(error.responseHeaders) : undefined;
    if (asked !== undefined)
        return asked > backoff.maxRetryAfterMs ? undefined : asked;
    const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** attempt);
    return Math.round(backoff.random() * ceiling);
}
function abortReason(signal) {
    return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
export function abortableSleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted)
            return reject(abortReason(signal));
        const onAbort = () => {
            clearTimeout(timer);
            reject(abortReason(signal));
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
/** Abort `upstream` when the caller aborts; returns the unlink function. */
function link(signal, upstream) {
    if (!signal)
        return () => { };
    if (signal.aborted) {
        upstream.abort(abortReason(signal));
        return () => { };
    }
    const onAbort = () => upstream.abort(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
}
/**
 * Races promises against a deadline and the caller's abort. On the deadline it aborts `upstream`
 * too, so the HTTP request is torn down even when the awaited promise would never settle.
 */
function watchdog(callerSignal, upstream, timeoutMs, timeoutError) {
    let trip;
    const tripped = new Promise((_, reject) => {
        trip = reject;
    });
    tripped.catch(() => { });
    const timer = setTimeout(() => {
        const error = timeoutError();
        upstream.abort(error);
        trip(error);
    }, timeoutMs);
    const onAbort = () => trip(abortReason(callerSignal));
    callerSignal?.addEventListener('abort', onAbort, { once: true });
    return {
        race: (promise) => Promise.race([promise, tripped]),
        dispose() {
            clearTimeout(timer);
            callerSignal?.removeEventListener('abort', onAbort);
        },
    };
}
/**
 * Parts that carry nothing of the reply yet. An opening `text-start` or an empty delta (OpenAI's first
 * chunk is often `{"role":"assistant","content":""}`) does not prove the model is producing.
 */
export function isPreamble(part) {
    switch (part.type) {
        case 'stream-start':
        case 'response-metadata':
        case 'raw':
        case 'text-start':
        case 'reasoning-start':
            return true;
        case 'text-delta':
        case 'reasoning-delta':
            return part.delta === '';
        default:
            return false;
    }
}
/**
 * Read until the first content part. An `error` part before it is thrown: to the caller it is the
 * same as a failed request (and may be retried or fall back). The reader is cancelled on failure.
 */
export async function peekFirstContent(reader, race = (promise) => Promise.resolve(promise)) {
    const head = [];
    try {
        for (;;) {
            const next = await race(reader.read());
            if (next.done)
                return { head, ended: true };
            if (next.value.type === 'error')
                throw next.value.error;
            head.push(next.value);
            if (!isPreamble(next.value))
                return { head, ended: false };
        }
    }
    catch (error) {
        reader.cancel(error).catch(() => { });
        throw error;
    }
}
/** What an error says about the provider: its fault, it answered (a client error), or nothing. */
function outcomeOf(error) {
    if (isProviderFault(error))
        return 'failure';
    return APICallError.isInstance(error) && error.statusCode !== undefined ? 'success' : 'release';
}
function statusOf(error) {
    if (APICallError.isInstance(error) && error.statusCode !== undefined)
        return error.statusCode;
    if (error instanceof ModelTimeoutError)
        return 'timeout';
    return isNetworkError(error) ? 'network' : 'error';
}
function record(ctx, outcome) {
    const { breaker } = ctx;
    const before = breaker.state;
    if (outcome === 'success')
        breaker.recordSuccess();
    else if (outcome === 'failure')
        breaker.recordFailure();
    else
        breaker.release();
    const after = breaker.state;
    if (before === after)
        return;
    if (after === 'open') {
        ctx.logger?.error({ provider: ctx.provider, breaker: after, retryInMs: breaker.retryInMs }, 'model provider failing; circuit open');
    }
    else {
        ctx.logger?.info({ provider: ctx.provider, breaker: after }, 'model provider recovered; circuit closed');
    }
}
/**
 * The retry loop shared by doStream and doGenerate. `attempt` must record its own success (a stream
 * succeeds only when it finishes); failures before it returns are recorded here.
 */
async function withRetries(ctx, signal, attempt) {
    let lastError;
    for (let index = 0;; index++) {
        if (signal?.aborted)
            throw abortReason(signal);
        const context = {
            provider: ctx.provider,
            modelId: ctx.model.modelId,
            attempts: index + 1,
        };
        const wasHalfOpen = ctx.breaker.state === 'half-open';
        if (!ctx.breaker.tryAcquire()) {
            throw tag(new ModelUnavailableError(ctx.provider, ctx.breaker.retryInMs, { cause: lastError }), context);
        }
        if (wasHalfOpen)
            ctx.logger?.info({ provider: ctx.provider }, 'circuit half-open; sending a trial request');
        try {
            return await attempt(context);
        }
        catch (error) {
            tag(error, context);
            // The user's stop or a shutdown: not the provider's doing, and never retried.
            if (signal?.aborted) {
                record(ctx, 'release');
                throw error;
            }
            reportProviderError(ctx.provider, statusOf(error));
            const outcome = outcomeOf(error);
            record(ctx, outcome);
            if (outcome !== 'failure' || index >= ctx.maxRetries)
                throw error;
            const delayMs = retryDelayMs(error, index, ctx);
            if (delayMs === undefined) {
                ctx.logger?.warn({ provider: ctx.provider, attempt: index + 1, status: statusOf(error) }, 'model call failed; Retry-After too long to wait');
                throw error;
            }
            ctx.logger?.warn({
                provider: ctx.provider,
                attempt: index + 1,
                delayMs,
                status: statusOf(error),
                error: error instanceof Error ? error.message : String(error),
            }, 'model call failed; retrying');
            lastError = error;
            await ctx.sleep(delayMs, signal);
        }
    }
}
/** One streaming call, resolved once its first content part is in hand. */
async function openStream(ctx, options, context) {
    const caller = options.abortSignal;
    const upstream = new AbortController();
    const unlink = link(caller, upstream);
    const guard = watchdog(caller, upstream, ctx.firstTokenTimeoutMs, () => new ModelTimeoutError(ctx.provider, 'first-token', ctx.firstTokenTimeoutMs));
    let pending;
    try {
        pending = Promise.resolve(ctx.model.doStream({ ...options, abortSignal: upstream.signal }));
        // The deadline covers doStream's own promise: a connect that hangs counts.
        const result = await guard.race(pending);
        const reader = result.stream.getReader();
        const peeked = await peekFirstContent(reader, guard.race);
        return { ...result, stream: relay(ctx, context, peeked, reader, upstream, unlink, caller) };
    }
    catch (error) {
        upstream.abort(error);
        // If doStream resolves after we gave up on it, drop its stream too.
        pending?.then((late) => late.stream.cancel(error)).catch(() => { });
        unlink();
        throw error;
    }
    finally {
        guard.dispose();
    }
}
/** The rest of a reply after its first token: passed through unchanged, with an idle deadline. */
function relay(ctx, context, peeked, reader, upstream, unlink, caller) {
    let settled = false;
    let streamError;
    const settle = (outcome) => {
        if (settled)
            return;
        settled = true;
        unlink();
        record(ctx, outcome);
    };
    const end = (controller) => {
        // An in-stream error part (some providers report overload that way) still counts against them.
        settle(streamError !== undefined && isProviderFault(streamError) ? 'failure' : 'success');
        controller.close();
    };
    return new ReadableStream({
        start(controller) {
            for (const part of peeked.head)
                controller.enqueue(part);
            if (peeked.ended)
                end(controller);
        },
        async pull(controller) {
            const guard = watchdog(caller, upstream, ctx.idleTimeoutMs, () => new ModelTimeoutError(ctx.provider, 'idle', ctx.idleTimeoutMs));
            try {
                const next = await guard.race(reader.read());
                if (next.done)
                    return end(controller);
                if (next.value.type === 'error') {
                    streamError = tag(next.value.error, context);
                    reportProviderError(ctx.provider, statusOf(streamError));
                }
                controller.enqueue(next.value);
            }
            catch (error) {
                upstream.abort(error);
                reader.cancel(error).catch(() => { });
                if (!caller?.aborted)
                    reportProviderError(ctx.provider, statusOf(error));
                settle(caller?.aborted ? 'release' : outcomeOf(error));
                controller.error(tag(error, context));
            }
            finally {
                guard.dispose();
            }
        },
        cancel(reason) {
            upstream.abort(reason);
            reader.cancel(reason).catch(() => { });
            settle('release');
        },
    }, 
    // Read upstream only on demand, so the idle deadline measures the provider, not our reader.
    { highWaterMark: 0 });
}
/** Wrap a remote model with timeouts, retries and its provider's circuit breaker. */
export function withResilience(model, options) {
    const ctx = {
        model,
        provider: options.provider,
        breaker: options.breaker,
        firstTokenTimeoutMs: options.firstTokenTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        maxRetries: Math.max(0, options.maxRetries),
        logger: options.logger,
        baseDelayMs: options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
        maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
        maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
        sleep: options.sleep ?? abortableSleep,
        random: options.random ?? Math.random,
    };
    return {
        specificationVersion: 'v3',
        provider: model.provider,
        modelId: model.modelId,
        get supportedUrls() {
            return model.supportedUrls;
        },
        doStream(callOptions) {
            return withRetries(ctx, callOptions.abortSignal, (context) => openStream(ctx, callOptions, context));
        },
        // Without streaming, the first response is the whole answer: the first-token deadline covers all of it.
        doGenerate(callOptions) {
            return withRetries(ctx, callOptions.abortSignal, async () => {
                const caller = callOptions.abortSignal;
                const upstream = new AbortController();
                const unlink = link(caller, upstream);
                const guard = watchdog(caller, upstream, ctx.firstTokenTimeoutMs, () => new ModelTimeoutError(ctx.provider, 'first-token', ctx.firstTokenTimeoutMs));
                try {
                    const result = await guard.race(model.doGenerate({ ...callOptions, abortSignal: upstream.signal }));
                    record(ctx, 'success');
                    return result;
                }
                catch (error) {
                    upstream.abort(error);
                    throw error;
                }
                finally {
                    guard.dispose();
                    unlink();
                }
            });
        },
    };
}
