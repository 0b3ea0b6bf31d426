import { APICallError } from '@ai-sdk/provider';
import { providerByHost, providerById } from '../ai/providers/index.js';
import { formatSeconds, isNetworkError, isOutOfCredit, ModelTimeoutError, ModelUnavailableError, modelErrorContext, retryAfterMs, } from '../ai/resilience.js';
const MAX_DETAIL = 300;
/** Replace anything that looks like a credential: API keys, bearer tokens, keys in URLs. */
export function scrubSecrets(text) {
    return text
        .replace(/\b(?:sk|pk|rk)-[A-Za-z0-9_*.-]{6,}/g, '[redacted]')
        .replace(/\b(?:gsk|hf|xai|glpat|ghp|github_pat)[_-][A-Za-z0-9_]{12,}/g, '[redacted]')
        .replace(/\bAIza[0-9A-Za-z_-]{20,}/g, '[redacted]')
        .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, '$1 [redacted]')
        .replace(/([?&](?:key|api[_-]?key|token|access_token)=)[^&\s"']+/gi, '$1[redacted]')
        .replace(/\b((?:x-)?(?:goog-)?api[_-]?key["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1[redacted]');
}
function tidy(text) {
    const flat = scrubSecrets(text).replace(/\s+/g, ' ').trim();
    return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL - 1).trimEnd()}…` : flat;
}
function providerOf(error) {
    let id = modelErrorContext(error)?.provider;
    if (id === undefined && (error instanceof ModelTimeoutError || error instanceof ModelUnavailableError)) {
        id = error.provider;
    }
    if (id === undefined && APICallError.isInstance(error)) {
        try {
            id = providerByHost(new URL(error.url).hostname)?.id;
        }
        catch {
            // no usable URL
        }
    }
    if (id === undefined)
        return { id, info: { name: 'The model provider' } };
    // MODELS_FILE endpoints have no row: the endpoint name is the best name there is.
    return { id, info: providerById(id) ?? { name: id } };
}
function asRecord(value) {
    return typeof value === 'object' && value !== null ? value : undefined;
}
function parsedBody(error) {
    const data = asRecord(error.data);
    if (data)
        return data;
    try {
        return asRecord(JSON.parse(error.responseBody ?? ''));
    }
    catch {
        return undefined;
    }
}
/** The provider's own explanation: the error body's message, else the SDK's message. */
function providerMessage(error) {
    const body = parsedBody(error);
    const inner = asRecord(body?.error);
    const message = inner?.message ?? body?.message ?? error.message;
    return tidy(typeof message === 'string' ? message : error.message);
}
function modelIdOf(error) {
    const fromContext = modelErrorContext(error)?.modelId;
    if (fromContext)
        return fromContext;
    const model = asRecord(error.requestBodyValues)?.model;
    return typeof model === 'string' ? model : undefined;
}
function said(name, message) {
    return message ? ` ${name} said: "${message}"` : '';
}
function attemptsNote(error) {
    const attempts = modelErrorContext(error)?.attempts ?? 1;
    return attempts > 1 ? ` Parley tried ${attempts} times.` : '';
}
function describeApiCallError(error) {
    const { info } = providerOf(error);
    const name = info.name;
    const status = error.statusCode;
    const message = providerMessage(error);
    // A 2xx whose body broke off: the connection dropped in the middle of the reply.
    if (status !== undefined && status < 400)
        return brokenConnection(name, error);
    if (status === 401 || status === 403) {
        const check = info.keySetting ? `Check ${info.keySetting}.` : `Check the API key configured for ${name}.`;
        return `The ${name} API key was rejected (HTTP ${status}). ${check}${said(name, message)}`;
    }
    if (status === 404) {
        const model = modelIdOf(error);
        return `The model ${model ?? 'requested'} does not exist at ${name} (HTTP 404).${said(name, message)}`;
    }
    if (status === 429) {
        if (isOutOfCredit(error)) {
            return `The ${name} account is out of credit (HTTP 429, insufficient_quota). Add credit or raise its spending limit, then try again.${said(name, message)}`;
        }
        const wait = retryAfterMs(error.responseHeaders);
        const hint = wait !== undefined ? ` It asked to wait ${formatSeconds(wait)}.` : ' Wait a moment and try again.';
        return `${name} is rate-limiting requests or its quota is used up (HTTP 429).${hint}${said(name, message)}${attemptsNote(error)}`;
    }
    if (status !== undefined && status >= 500) {
        return `${name} is having an outage or is unreachable (HTTP ${status}).${said(name, message)}${attemptsNote(error)}`;
    }
    if (status === undefined) {
        return `${name} is having an outage or is unreachable (${message}).${attemptsNote(error)}`;
    }
    return `${name} rejected the request (HTTP ${status}).${said(name, message)}`;
}
/** What actually broke, from the cause chain ("terminated: other side closed"), minus SDK wrappers. */
function causeDetail(error) {
    const messages = [];
    const seen = new Set();
    let current = error;
    while (current instanceof Error && !seen.has(current)) {
        seen.add(current);
        if (current.message && !/^Failed to process/.test(current.message))
            messages.push(current.message);
        current = current.cause;
    }
    return tidy(messages.join(': ') || error.name);
}
function brokenConnection(name, error) {
    return `The connection to ${name} broke before the reply finished (${causeDetail(error)}).`;
}
/** A sentence a user can act on, for the stream and the stored message. */
export function describeModelError(error) {
    if (error instanceof ModelUnavailableError) {
        const name = providerOf(error).info.name;
        const last = error.cause !== undefined ? ` Last error: ${describeModelError(error.cause)}` : '';
        return `${name} is unavailable after repeated failures, so Parley is not calling it for now (circuit open; retry in ${formatSeconds(error.retryInMs)}).${last}`;
    }
    if (error instanceof ModelTimeoutError) {
        const name = providerOf(error).info.name;
        const wait = formatSeconds(error.timeoutMs);
        return error.phase === 'first-token'
            ? `${name} did not start answering within ${wait} (first-token timeout); it may be overloaded.${attemptsNote(error)}`
            : `The model stopped sending (idle for ${wait}); ${name} went quiet in the middle of the reply.`;
    }
    if (APICallError.isInstance(error))
        return describeApiCallError(error);
    // The AI SDK's RetryError keeps the last real error.
    const last = asRecord(error)?.lastError;
    if (last !== undefined && last !== error)
        return describeModelError(last);
    if (isNetworkError(error) && error instanceof Error)
        return brokenConnection(providerOf(error).info.name, error);
    if (error instanceof Error)
        return tidy(error.message || error.name);
    return tidy(String(error));
}
