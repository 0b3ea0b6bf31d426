import { STATUS_CODES } from 'node:http';
import { AppError, errorBody } from '../errors.js';
/** Production limits; tests shorten them through AppDeps.httpTimeouts. */
export const DEFAULT_HTTP_TIMEOUTS = {
    requestMs: 60_000,
    headersMs: 30_000,
    // Above the 60 s idle timeout of common load balancers, so they close first, never mid-request.
    keepAliveMs: 72_000,
    idleMs: 300_000,
};
/**
 * Fastify's server options for these limits. Node checks the request and headers timeouts only
 * every `connectionsCheckingInterval` (30 s by default), so the check runs often enough for a slow
 * request to be cut close to its timeout.
 */
export function httpServerOptions(overrides = {}) {
    const timeouts = { ...DEFAULT_HTTP_TIMEOUTS, ...overrides };
    const headersMs = Math.min(timeouts.headersMs, timeouts.requestMs);
    return {
        http: {
            requestTimeout: timeouts.requestMs,
            headersTimeout: headersMs,
            connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersMs / 4))),
        },
        requestTimeout: timeouts.requestMs,
        keepAliveTimeout: timeouts.keepAliveMs,
        connectionTimeout: timeouts.idleMs,
        clientErrorHandler,
    };
}
/** Node's parser codes and timeouts → the answer, in the documented error shape. */
function clientErrorAnswer(error) {
    switch (error.code) {
        case 'ERR_HTTP_REQUEST_TIMEOUT':
            return { code: 'request_timeout', message: 'The request took too long to arrive.' };
        case 'HPE_HEADER_OVERFLOW':
            return {
                code: 'headers_too_large',
                message: 'The request line or headers are too large.',
            };
        default:
            return { code: 'bad_request', message: 'The request is not valid HTTP.' };
    }
}
/**
 * Errors Node raises before there is a request (malformed HTTP, headers too large, a request that
 * took too long): answered in the documented shape where the socket still takes writes, then closed.
 */
function clientErrorHandler(error, socket) {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed)
        return;
    const { code, message } = clientErrorAnswer(error);
    const appError = new AppError(code, message);
    this.log.debug({ code: error.code }, 'client error');
    // A response already under way on this socket cannot take a second status line.
    const inFlight = socket._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
        const body = JSON.stringify(errorBody(appError));
        socket.write(`HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\n` +
            `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
            `Connection: close\r\n\r\n${body}`);
    }
    socket.destroy();
}
