import pino, {} from 'pino';
import { SplunkHecStream } from './splunk-hec.js';
const shippers = new WeakMap();
/** The Splunk shipper behind a logger made by createLogger, if it has one (for metrics and shutdown). */
export function logShipperOf(logger) {
    return shippers.get(logger);
}
/** Query parameters whose values say nothing about what users wrote; every other value is hidden. */
const PLAIN_QUERY_PARAMS = new Set(['after', 'before', 'cursor', 'limit', 'format', 'runId']);
/** A URL for the logs: `/api/search?q=...` must not put a user's search words in them. */
export function loggableUrl(url) {
    const mark = url.indexOf('?');
    if (mark < 0)
        return url;
    const params = new URLSearchParams(url.slice(mark + 1));
    const shown = [...params].map(([name, value]) => PLAIN_QUERY_PARAMS.has(name) ? `${name}=${encodeURIComponent(value)}` : `${name}=[redacted]`);
    return `${url.slice(0, mark)}?${shown.join('&')}`;
}
/** Fields of AI SDK errors that carry the prompt or the reply (APICallError keeps the request body). */
const CONTENT_FIELDS = new Set(['requestBodyValues', 'responseBody', 'prompt', 'text']);
function withoutContent(value, depth = 0) {
    if (value === null || typeof value !== 'object' || depth > 5)
        return value;
    if (Array.isArray(value))
        return value.map((item) => withoutContent(item, depth + 1));
    const out = {};
    for (const [key, field] of Object.entries(value)) {
        if (!CONTENT_FIELDS.has(key))
            out[key] = withoutContent(field, depth + 1);
    }
    return out;
}
export function createLogger(config, options = {}) {
    const keepContent = config.logMessageContent === true;
    const stdout = options.destination ?? pino.destination(1);
    const shipper = config.splunkHecUrl && config.splunkHecToken
        ? new SplunkHecStream({ url: config.splunkHecUrl, token: config.splunkHecToken, ...options.splunk })
        : undefined;
    const logger = pino({
        level: config.logLevel,
        base: { service: 'parley' },
        timestamp: pino.stdTimeFunctions.isoTime,
        redact: {
            paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
            censor: '[redacted]',
        },
        serializers: {
            // Fastify's request fields, with the query values hidden.
            req: (request) => ({
                method: request.method,
                url: keepContent || request.url === undefined ? request.url : loggableUrl(request.url),
                version: request.headers?.['accept-version'],
                host: request.host,
                remoteAddress: request.ip,
                remotePort: request.socket?.remotePort,
            }),
            err: (error) => {
                const serialized = pino.stdSerializers.err(error);
                return keepContent ? serialized : withoutContent(serialized);
            },
        },
    }, shipper
        ? pino.multistream([
            // Every level the logger lets through goes to both.
            { level: 'trace', stream: stdout },
            { level: 'trace', stream: shipper },
        ])
        : stdout);
    if (shipper)
        shippers.set(logger, shipper);
    return logger;
}
