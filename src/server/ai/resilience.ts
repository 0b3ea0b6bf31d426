import {
  APICallError,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3StreamPart,
  type LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import type { Logger } from 'pino';
import { reportProviderError } from '../observability/provider-events.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { modelLike } from './model-like.js';

/**
 * Calls to a remote model that survive a slow, rate-limited or failing provider:
 * - a first-token timeout (covering connect, queueing and prompt processing) and an idle timeout
 *   between parts once the reply streams;
 * - retries with exponential backoff and full jitter before the first token, honoring Retry-After;
 *   never after it (the user already sees text; a second answer would not match the first);
 * - a circuit breaker per provider, so an outage fails fast instead of every call waiting out its own
 *   timeout (rate limits do not count: a busy provider is not a broken one);
 * - a caller may ask not to retry rate limits (GATEWAY_OPTIONS_KEY), to answer them itself;
 * - the caller's abort (stop, shutdown) reaches the upstream HTTP request at once and is never retried.
 */

export interface ResilienceOptions {
  /** Provider id (openai, anthropic, ...): named in errors and logs. */
  provider: string;
  /** Shared by every model of the provider. */
  breaker: CircuitBreaker;
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
  /** Retries before the first token; 0 tries once. */
  maxRetries: number;
  logger?: Logger;
  /** Backoff base and cap (full jitter picks a delay from 0 to min(cap, base * 2^attempt)). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this fails the call instead of holding the user that long. */
  maxRetryAfterMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 8_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** Seconds for people: 0.3s, 2.5s, 30s. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${seconds >= 10 ? Math.round(seconds) : Number(seconds.toFixed(1))}s`;
}

/** The breaker is open: the call was refused without reaching the provider. */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';

  constructor(
    readonly provider: string,
    readonly retryInMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${provider} is unavailable after repeated failures: circuit open; retry in ${formatSeconds(retryInMs)}`,
      options,
    );
  }
}

/** The provider went quiet: before its first token, or between two parts of a streaming reply. */
export class ModelTimeoutError extends Error {
  // Not 'TimeoutError': the AI SDK treats that name as the caller's own abort.
  override name = 'ModelTimeoutError';

  constructor(
    readonly provider: string,
    readonly phase: 'first-token' | 'idle',
    readonly timeoutMs: number,
  ) {
    super(
      phase === 'first-token'
        ? `${provider} sent nothing within ${formatSeconds(timeoutMs)} (first-token timeout)`
        : `the model stopped sending (idle for ${formatSeconds(timeoutMs)})`,
    );
  }
}

/**
 * A retry about to happen, for whoever waits on the call (the run shows "retrying (2 of 3) after
 * <reason>"): `attempt` is the call about to be made, `of` the most there will be.
 */
export interface ModelRetry {
  attempt: number;
  of: number;
  /** Why the last call failed, in a few words a user may see (no provider message, no key). */
  reason: string;
  retryInMs: number;
}

// Keyed by the call's abort signal rather than passed as an option: a retry happens deep inside
// doStream (behind fallbacks and any other wrapper), which pass the signal through unchanged, while
// the AI SDK's provider options carry only JSON. Not async context: an AsyncLocalStorage in use
// makes Node 20 track every promise of the process (measured: ~2.5% of a streaming turn's CPU).
const retryListeners = new WeakMap<AbortSignal, (retry: ModelRetry) => void>();

/** Tell `listener` of every retry of the model calls made with `signal` as their abort signal. */
export function onModelRetry(signal: AbortSignal, listener: (retry: ModelRetry) => void): void {
  retryListeners.set(signal, listener);
}

/** Why a call failed, for the retry status: "no answer within 60s", "HTTP 503", "rate limited". */
export function retryReason(error: unknown): string {
  if (error instanceof ModelTimeoutError) {
    return error.phase === 'first-token'
      ? `no answer within ${formatSeconds(error.timeoutMs)}`
      : `no data for ${formatSeconds(error.timeoutMs)}`;
  }
  if (isRateLimited(error)) return 'rate limited (HTTP 429)';
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    return error.statusCode >= 500 ? `server error (HTTP ${error.statusCode})` : `HTTP ${error.statusCode}`;
  }
  return isNetworkError(error) ? 'connection error' : 'error';
}

/** Which call an error came from, so the message shown to users can name the provider and model. */
export interface ModelErrorContext {
  provider: string;
  modelId: string;
  /** Calls made, retries included. */
  attempts: number;
}

// A side table rather than a wrapper error: the SDK's own error classes (APICallError...) pass through
// unchanged, so anything that inspects them keeps working.
const contexts = new WeakMap<object, ModelErrorContext>();

export function modelErrorContext(error: unknown): ModelErrorContext | undefined {
  return typeof error === 'object' && error !== null ? contexts.get(error) : undefined;
}

function tag<E>(error: E, context: ModelErrorContext): E {
  // The innermost wrapper knows best (a fallback chain wraps resilient models).
  if (typeof error === 'object' && error !== null && !contexts.has(error)) contexts.set(error, context);
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
export function isNetworkError(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (current instanceof TypeError && /^(terminated|fetch failed)$/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/** OpenAI's 429 `insufficient_quota`: the account has no credit left, which no retry will fix. */
export function isOutOfCredit(error: unknown): boolean {
  if (!APICallError.isInstance(error) || error.statusCode !== 429) return false;
  const data = error.data as { error?: { code?: unknown; type?: unknown } } | undefined;
  return (
    data?.error?.code === 'insufficient_quota' ||
    data?.error?.type === 'insufficient_quota' ||
    (error.responseBody ?? '').includes('insufficient_quota')
  );
}

/**
 * Worth another try: 5xx, 429, 408, network errors and timeouts. Client errors (400, 401, 403,
 * 404...) are not: the provider is up and answered, and asking again would get the same answer.
 * The same goes for a 429 that says the account is out of credit.
 */
export function isProviderFault(error: unknown): boolean {
  if (error instanceof ModelTimeoutError) return true;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === undefined) return error.isRetryable || isNetworkError(error);
    if (isOutOfCredit(error)) return false;
    return status === 408 || status === 429 || status >= 500 || error.isRetryable;
  }
  return isNetworkError(error);
}

/** A provider's rate-limit answer (429), other than out of credit. */
export function isRateLimited(error: unknown): boolean {
  return APICallError.isInstance(error) && error.statusCode === 429 && !isOutOfCredit(error);
}

/**
 * Whether an error says the provider is unwell: 5xx, 408, network errors, timeouts. A 429 does
 * not: the provider is up and answering, and counting it would let one user's retry storm open the
 * breaker for every user of the provider.
 */
export function isProviderFailure(error: unknown): boolean {
  if (APICallError.isInstance(error) && error.statusCode === 429) return false;
  return isProviderFault(error);
}

/**
 * Per-call policy a caller puts in `providerOptions[GATEWAY_OPTIONS_KEY]` (stripped before the
 * provider sees the call): the AI SDK passes provider options through every wrapper unchanged.
 */
export const GATEWAY_OPTIONS_KEY = 'parley';

export interface GatewayCallOptions {
  /**
   * Retry a provider's 429 (default true). /v1 callers say false: their client retries on its own,
   * and Parley retrying as well multiplies the calls a rate-limited provider receives.
   */
  retryRateLimits?: boolean;
}

function gatewayOptions(options: LanguageModelV3CallOptions): {
  policy: GatewayCallOptions;
  forward: LanguageModelV3CallOptions;
} {
  const all = options.providerOptions;
  if (!all || !(GATEWAY_OPTIONS_KEY in all)) return { policy: {}, forward: options };
  const { [GATEWAY_OPTIONS_KEY]: policy, ...rest } = all;
  return {
    policy: { retryRateLimits: policy?.retryRateLimits !== false },
    forward: { ...options, providerOptions: rest },
  };
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** The wait a response asks for: `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(
  headers: Record<string, string> | undefined,
  now: number = Date.now(),
): number | undefined {
  const ms = header(headers, 'retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const value = header(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  random: () => number;
}

/** How long to wait before retry number `attempt + 1`; undefined: the provider asks for too long. */
export function retryDelayMs(error: unknown, attempt: number, backoff: Backoff): number | undefined {
  const asked = APICallError.isInstance(error) ? retryAfterMs(error.responseHeaders) : undefined;
  if (asked !== undefined) return asked > backoff.maxRetryAfterMs ? undefined : asked;
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** attempt);
  return Math.round(backoff.random() * ceiling);
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
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
function link(signal: AbortSignal | undefined, upstream: AbortController): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    upstream.abort(abortReason(signal));
    return () => {};
  }
  const onAbort = () => upstream.abort(abortReason(signal));
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/**
 * Races promises against a deadline and the caller's abort. On the deadline it aborts `upstream`
 * too, so the HTTP request is torn down even when the awaited promise would never settle.
 */
function watchdog(
  callerSignal: AbortSignal | undefined,
  upstream: AbortController,
  timeoutMs: number,
  timeoutError: () => Error,
) {
  let trip!: (reason: unknown) => void;
  const tripped = new Promise<never>((_, reject) => {
    trip = reject;
  });
  tripped.catch(() => {});
  const timer = setTimeout(() => {
    const error = timeoutError();
    upstream.abort(error);
    trip(error);
  }, timeoutMs);
  const onAbort = () => trip(abortReason(callerSignal));
  callerSignal?.addEventListener('abort', onAbort, { once: true });
  return {
    race: <T>(promise: PromiseLike<T>): Promise<T> => Promise.race([promise, tripped]),
    dispose() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onAbort);
    },
  };
}

type Part = LanguageModelV3StreamPart;
type Reader = ReadableStreamDefaultReader<Part>;

/**
 * Parts that carry nothing of the reply yet. An opening `text-start` or an empty delta (OpenAI's first
 * chunk is often `{"role":"assistant","content":""}`) does not prove the model is producing.
 */
export function isPreamble(part: Part): boolean {
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

export interface Peeked {
  /** Preamble parts plus the first content part (or `finish`). */
  head: Part[];
  /** The stream ended within the head. */
  ended: boolean;
}

/**
 * Read until the first content part. An `error` part before it is thrown: to the caller it is the
 * same as a failed request (and may be retried or fall back). The reader is cancelled on failure.
 */
export async function peekFirstContent(
  reader: Reader,
  race: <T>(promise: PromiseLike<T>) => Promise<T> = (promise) => Promise.resolve(promise),
): Promise<Peeked> {
  const head: Part[] = [];
  try {
    for (;;) {
      const next = await race(reader.read());
      if (next.done) return { head, ended: true };
      if (next.value.type === 'error') throw next.value.error;
      head.push(next.value);
      if (!isPreamble(next.value)) return { head, ended: false };
    }
  } catch (error) {
    reader.cancel(error).catch(() => {});
    throw error;
  }
}

type Outcome = 'success' | 'failure' | 'release';

/**
 * What an error says about the provider: unwell, it answered (a client error), or nothing. A rate
 * limit is nothing either way: it neither opens the breaker nor resets its count of failures.
 */
function outcomeOf(error: unknown): Outcome {
  if (isProviderFailure(error)) return 'failure';
  if (isRateLimited(error)) return 'release';
  return APICallError.isInstance(error) && error.statusCode !== undefined ? 'success' : 'release';
}

function statusOf(error: unknown): number | string {
  if (APICallError.isInstance(error) && error.statusCode !== undefined) return error.statusCode;
  if (error instanceof ModelTimeoutError) return 'timeout';
  return isNetworkError(error) ? 'network' : 'error';
}

interface Context extends Backoff {
  model: LanguageModelV3;
  provider: string;
  breaker: CircuitBreaker;
  firstTokenTimeoutMs: number;
  idleTimeoutMs: number;
  maxRetries: number;
  logger: Logger | undefined;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

function record(ctx: Context, outcome: Outcome): void {
  const { breaker } = ctx;
  const before = breaker.state;
  if (outcome === 'success') breaker.recordSuccess();
  else if (outcome === 'failure') breaker.recordFailure();
  else breaker.release();
  const after = breaker.state;
  if (before === after) return;
  if (after === 'open') {
    ctx.logger?.error(
      { provider: ctx.provider, breaker: after, retryInMs: breaker.retryInMs },
      'model provider failing; circuit open',
    );
  } else {
    ctx.logger?.info({ provider: ctx.provider, breaker: after }, 'model provider recovered; circuit closed');
  }
}

/**
 * The retry loop shared by doStream and doGenerate. `attempt` must record its own success (a stream
 * succeeds only when it finishes); failures before it returns are recorded here.
 */
async function withRetries<T>(
  ctx: Context,
  signal: AbortSignal | undefined,
  policy: GatewayCallOptions,
  attempt: (context: ModelErrorContext) => Promise<T>,
): Promise<T> {
  let lastError: unknown;
  for (let index = 0; ; index++) {
    if (signal?.aborted) throw abortReason(signal);
    const context: ModelErrorContext = {
      provider: ctx.provider,
      modelId: ctx.model.modelId,
      attempts: index + 1,
    };
    const wasHalfOpen = ctx.breaker.state === 'half-open';
    if (!ctx.breaker.tryAcquire()) {
      throw tag(
        new ModelUnavailableError(ctx.provider, ctx.breaker.retryInMs, { cause: lastError }),
        context,
      );
    }
    if (wasHalfOpen)
      ctx.logger?.info({ provider: ctx.provider }, 'circuit half-open; sending a trial request');
    try {
      return await attempt(context);
    } catch (error) {
      tag(error, context);
      // The user's stop or a shutdown: not the provider's doing, and never retried.
      if (signal?.aborted) {
        record(ctx, 'release');
        throw error;
      }
      reportProviderError(ctx.provider, statusOf(error));
      record(ctx, outcomeOf(error));
      if (!isProviderFault(error) || index >= ctx.maxRetries) throw error;
      // The caller answers a rate limit itself (with Retry-After), so its client decides when to retry.
      if (policy.retryRateLimits === false && isRateLimited(error)) throw error;
      const delayMs = retryDelayMs(error, index, ctx);
      if (delayMs === undefined) {
        ctx.logger?.warn(
          { provider: ctx.provider, attempt: index + 1, status: statusOf(error) },
          'model call failed; Retry-After too long to wait',
        );
        throw error;
      }
      ctx.logger?.warn(
        {
          provider: ctx.provider,
          attempt: index + 1,
          delayMs,
          status: statusOf(error),
          error: error instanceof Error ? error.message : String(error),
        },
        'model call failed; retrying',
      );
      lastError = error;
      // A listener's failure must never fail the call it watches.
      try {
        if (signal)
          retryListeners.get(signal)?.({
            attempt: index + 2,
            of: ctx.maxRetries + 1,
            reason: retryReason(error),
            retryInMs: delayMs,
          });
      } catch {}
      await ctx.sleep(delayMs, signal);
    }
  }
}

/** One streaming call, resolved once its first content part is in hand. */
async function openStream(
  ctx: Context,
  options: LanguageModelV3CallOptions,
  context: ModelErrorContext,
): Promise<LanguageModelV3StreamResult> {
  const caller = options.abortSignal;
  const upstream = new AbortController();
  const unlink = link(caller, upstream);
  const guard = watchdog(
    caller,
    upstream,
    ctx.firstTokenTimeoutMs,
    () => new ModelTimeoutError(ctx.provider, 'first-token', ctx.firstTokenTimeoutMs),
  );
  let pending: Promise<LanguageModelV3StreamResult> | undefined;
  try {
    pending = Promise.resolve(ctx.model.doStream({ ...options, abortSignal: upstream.signal }));
    // The deadline covers doStream's own promise: a connect that hangs counts.
    const result = await guard.race(pending);
    const reader = result.stream.getReader();
    const peeked = await peekFirstContent(reader, guard.race);
    return { ...result, stream: relay(ctx, context, peeked, reader, upstream, unlink, caller) };
  } catch (error) {
    upstream.abort(error);
    // If doStream resolves after we gave up on it, drop its stream too.
    pending?.then((late) => late.stream.cancel(error)).catch(() => {});
    unlink();
    throw error;
  } finally {
    guard.dispose();
  }
}

/**
 * The rest of a reply after its first token: passed through unchanged, with an idle deadline.
 * One timer and one abort listener per stream, not per part: each part costs two assignments.
 */
function relay(
  ctx: Context,
  context: ModelErrorContext,
  peeked: Peeked,
  reader: Reader,
  upstream: AbortController,
  unlink: () => void,
  caller: AbortSignal | undefined,
): ReadableStream<Part> {
  let settled = false;
  let failed = false;
  let streamError: unknown;
  /** When the pending read began (Date.now()); undefined while no read waits on the provider. */
  let waitingSince: number | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopWatching = () => {
    clearTimeout(idleTimer);
    if (onAbort) caller?.removeEventListener('abort', onAbort);
  };
  const settle = (outcome: Outcome) => {
    if (settled) return;
    settled = true;
    stopWatching();
    unlink();
    record(ctx, outcome);
  };
  const end = (controller: ReadableStreamDefaultController<Part>) => {
    // An in-stream error part (some providers report overload that way) still counts against them.
    settle(streamError !== undefined && isProviderFailure(streamError) ? 'failure' : 'success');
    controller.close();
  };
  // Fails the stream at once, even if the provider's pending read never settles.
  const fail = (controller: ReadableStreamDefaultController<Part>, error: unknown) => {
    if (failed || settled) return;
    failed = true;
    upstream.abort(error);
    reader.cancel(error).catch(() => {});
    if (!caller?.aborted) reportProviderError(ctx.provider, statusOf(error));
    settle(caller?.aborted ? 'release' : outcomeOf(error));
    controller.error(tag(error, context));
  };
  // The idle deadline counts only time spent waiting on the provider (reads happen on demand, so
  // a slow reader of ours is not the provider's fault). When the timer fires it re-arms itself for
  // what is left of the window, or trips.
  const watchIdle = (controller: ReadableStreamDefaultController<Part>) => {
    const check = () => {
      const waited = waitingSince === undefined ? 0 : Date.now() - waitingSince;
      if (waited >= ctx.idleTimeoutMs) {
        fail(controller, new ModelTimeoutError(ctx.provider, 'idle', ctx.idleTimeoutMs));
        return;
      }
      idleTimer = setTimeout(check, ctx.idleTimeoutMs - waited);
    };
    idleTimer = setTimeout(check, ctx.idleTimeoutMs);
  };

  return new ReadableStream<Part>(
    {
      start(controller) {
        for (const part of peeked.head) controller.enqueue(part);
        if (peeked.ended) return end(controller);
        if (caller?.aborted) return fail(controller, abortReason(caller));
        onAbort = () => fail(controller, abortReason(caller));
        caller?.addEventListener('abort', onAbort, { once: true });
        watchIdle(controller);
      },
      async pull(controller) {
        if (failed || settled) return;
        waitingSince = Date.now();
        try {
          const next = await reader.read();
          waitingSince = undefined;
          if (failed || settled) return;
          if (next.done) return end(controller);
          if (next.value.type === 'error') {
            streamError = tag(next.value.error, context);
            reportProviderError(ctx.provider, statusOf(streamError));
          }
          controller.enqueue(next.value);
        } catch (error) {
          waitingSince = undefined;
          fail(controller, error);
        }
      },
      cancel(reason) {
        if (settled) return;
        upstream.abort(reason);
        reader.cancel(reason).catch(() => {});
        settle('release');
      },
    },
    // Read upstream only on demand, so the idle deadline measures the provider, not our reader.
    { highWaterMark: 0 },
  );
}

/** Wrap a remote model with timeouts, retries and its provider's circuit breaker. */
export function withResilience(model: LanguageModelV3, options: ResilienceOptions): LanguageModelV3 {
  const ctx: Context = {
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

  return modelLike(model, {
    doStream(options) {
      const { policy, forward } = gatewayOptions(options);
      return withRetries(ctx, forward.abortSignal, policy, (context) => openStream(ctx, forward, context));
    },

    // Without streaming, the first response is the whole answer: the first-token deadline covers all of it.
    doGenerate(options) {
      const { policy, forward: callOptions } = gatewayOptions(options);
      return withRetries(ctx, callOptions.abortSignal, policy, async () => {
        const caller = callOptions.abortSignal;
        const upstream = new AbortController();
        const unlink = link(caller, upstream);
        const guard = watchdog(
          caller,
          upstream,
          ctx.firstTokenTimeoutMs,
          () => new ModelTimeoutError(ctx.provider, 'first-token', ctx.firstTokenTimeoutMs),
        );
        try {
          const result = await guard.race(model.doGenerate({ ...callOptions, abortSignal: upstream.signal }));
          record(ctx, 'success');
          return result;
        } catch (error) {
          upstream.abort(error);
          throw error;
        } finally {
          guard.dispose();
          unlink();
        }
      });
    },
  });
}
