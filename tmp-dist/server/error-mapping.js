import { AppError } from './errors.js';
/**
 * Anything thrown, as the one AppError type. Beside errors.ts, not in http/: the OpenAI layer
 * maps errors with it too, and code outside http/ must not import http/.
 */
const FASTIFY_CODES = {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
    FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
    FST_ERR_BAD_URL: 'bad_request',
};
const MESSAGES = {
    unsupported_media_type: 'Unsupported Content-Type: send the body as application/json.',
    payload_too_large: 'The request body is too large.',
    invalid_json: 'The request body is not valid JSON.',
};
/** Fastify's own messages name its internals or repeat the input; these say what to fix. */
const FASTIFY_MESSAGES = {
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length header does not match the body.',
    FST_ERR_BAD_URL: 'The URL is not valid: check its percent-encoding.',
};
const UNREACHABLE_CODES = new Set([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'EHOSTUNREACH',
    // PostgreSQL: admin shutdown, cannot connect now, connection failures.
    '57P01',
    '57P02',
    '57P03',
    '08000',
    '08001',
    '08003',
    '08004',
    '08006',
    'SQLITE_BUSY',
]);
/** A dependency (database, Redis) that is down or restarting: the client should retry, not report a bug. */
function isUnreachable(error) {
    if (error.code && UNREACHABLE_CODES.has(error.code))
        return true;
    return /Connection terminated|timeout exceeded when trying to connect|Connection is closed|enableOfflineQueue/i.test(error.message);
}
/** Map anything thrown in a request to the one AppError type; a client mistake is never a 500. */
export function toAppError(error) {
    if (error instanceof AppError)
        return error;
    if (isUnreachable(error)) {
        return new AppError('unavailable', 'A service Parley depends on is unreachable; try again shortly.', {
            cause: error,
            retryAfterSeconds: 5,
        });
    }
    const fastifyError = error;
    if (fastifyError.validation) {
        return new AppError('validation_error', `Invalid request: ${fastifyError.message}.`, { cause: error });
    }
    const mapped = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
    if (mapped) {
        const message = FASTIFY_MESSAGES[fastifyError.code] ?? MESSAGES[mapped] ?? fastifyError.message;
        return new AppError(mapped, message, { cause: error });
    }
    if (error instanceof SyntaxError && fastifyError.statusCode === 400) {
        return new AppError('invalid_json', MESSAGES.invalid_json, { cause: error });
    }
    const status = fastifyError.statusCode ?? 500;
    if (status === 404)
        return new AppError('not_found', fastifyError.message, { cause: error });
    if (status === 429)
        return new AppError('rate_limited', fastifyError.message, { cause: error });
    if (status === 413)
        return new AppError('payload_too_large', MESSAGES.payload_too_large, { cause: error });
    if (status === 415)
        return new AppError('unsupported_media_type', MESSAGES.unsupported_media_type);
    if (status >= 400 && status < 500)
        return new AppError('bad_request', fastifyError.message, { cause: error });
    return new AppError('internal_error', 'Internal error', { cause: error });
}
