import type { APICallError } from '@ai-sdk/provider';
import { isRateLimited, ModelUnavailableError, retryAfterMs } from '../ai/resilience.js';
import { OpenAIApiError } from './errors.js';

/**
 * A model failure as /v1 answers it. Rate limits and an open breaker keep their meaning, with
 * Retry-After, so OpenAI clients back off and retry on their own (Parley does not retry a 429 for
 * them: the client's retries times Parley's would multiply the calls). Anything else is a 502.
 */

/** When a provider's 429 named no wait: long enough to let a per-minute window move on a little. */
export const DEFAULT_RATE_LIMIT_RETRY_SECONDS = 5;

const toSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** The error itself or the first of its causes matching `match` (wrappers may hide the original). */
function find<T>(error: unknown, match: (candidate: unknown) => candidate is T): T | undefined {
  const seen = new Set<unknown>();
  let current = error;
  while (current instanceof Error && !seen.has(current)) {
    if (match(current)) return current;
    seen.add(current);
    current = current.cause;
  }
  return undefined;
}

const isUnavailable = (value: unknown): value is ModelUnavailableError =>
  value instanceof ModelUnavailableError;
const isRateLimit = (value: unknown): value is APICallError => isRateLimited(value);

/** `description` is the sentence describeModelError made for the failure (keys scrubbed). */
export function upstreamFailure(description: string, failure: unknown): OpenAIApiError {
  const unavailable = find(failure, isUnavailable);
  if (unavailable) {
    return new OpenAIApiError(503, description, 'server_error', 'provider_unavailable', null, {
      cause: failure,
      retryAfterSeconds: toSeconds(unavailable.retryInMs),
    });
  }
  const limited = find(failure, isRateLimit);
  if (limited) {
    const asked = retryAfterMs(limited.responseHeaders);
    return new OpenAIApiError(429, description, 'rate_limit_error', 'rate_limit_exceeded', null, {
      cause: failure,
      retryAfterSeconds: asked === undefined ? DEFAULT_RATE_LIMIT_RETRY_SECONDS : toSeconds(asked),
    });
  }
  return new OpenAIApiError(502, description, 'server_error', 'model_error', null, { cause: failure });
}
