import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.js';
import { traceContextFields } from './log-trace-context.js';
import { type SplunkHecOptions, SplunkHecStream } from './splunk-hec.js';

/**
 * JSON logs on stdout (what Datadog and Splunk agents collect), plus a direct shipper to a Splunk
 * HTTP Event Collector when SPLUNK_HEC_URL is set (its work runs in a worker thread: splunk-hec.ts,
 * so the message-content rules below apply before a line leaves this thread). Credentials that may appear in request headers
 * are redacted; message text is never logged unless LOG_MESSAGE_CONTENT is set (query strings and
 * model requests carried by errors included).
 */

export type LoggerConfig = Pick<Config, 'logLevel'> &
  Partial<Pick<Config, 'splunkHecUrl' | 'splunkHecToken' | 'logMessageContent'>>;

export interface LoggerOptions {
  /** Instead of stdout (tests). */
  destination?: DestinationStream;
  /** Shipper tuning (tests use small batches and bounds). */
  splunk?: Partial<SplunkHecOptions>;
}

const shippers = new WeakMap<Logger, SplunkHecStream>();

/** What Fastify's request logging passes to the `req` serializer. */
interface FastifyLikeRequest {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[] | undefined>;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** The Splunk shipper behind a logger made by createLogger, if it has one (for metrics and shutdown). */
export function logShipperOf(logger: Logger): SplunkHecStream | undefined {
  return shippers.get(logger);
}

/** Query parameters whose values say nothing about what users wrote; every other value is hidden. */
const PLAIN_QUERY_PARAMS = new Set(['after', 'before', 'cursor', 'limit', 'format', 'runId']);

/** A URL for the logs: `/api/search?q=...` must not put a user's search words in them. */
export function loggableUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const params = new URLSearchParams(url.slice(mark + 1));
  const shown = [...params].map(([name, value]) =>
    PLAIN_QUERY_PARAMS.has(name) ? `${name}=${encodeURIComponent(value)}` : `${name}=[redacted]`,
  );
  return `${url.slice(0, mark)}?${shown.join('&')}`;
}

/** Fields of AI SDK errors that carry the prompt or the reply (APICallError keeps the request body). */
const CONTENT_FIELDS = new Set(['requestBodyValues', 'responseBody', 'prompt', 'text']);

function withoutContent(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => withoutContent(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (!CONTENT_FIELDS.has(key)) out[key] = withoutContent(field, depth + 1);
  }
  return out;
}

export function createLogger(config: LoggerConfig, options: LoggerOptions = {}): Logger {
  const keepContent = config.logMessageContent === true;
  const stdout = options.destination ?? pino.destination(1);
  const shipper =
    config.splunkHecUrl && config.splunkHecToken
      ? new SplunkHecStream({ url: config.splunkHecUrl, token: config.splunkHecToken, ...options.splunk })
      : undefined;
  const logger = pino(
    {
      level: config.logLevel,
      base: { service: 'parley' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Trace and span ids of the active span on every line (none with tracing off).
      mixin: traceContextFields,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        censor: '[redacted]',
      },
      serializers: {
        // Fastify's request fields, with the query values hidden.
        req: (request: FastifyLikeRequest) => ({
          method: request.method,
          url: keepContent || request.url === undefined ? request.url : loggableUrl(request.url),
          version: request.headers?.['accept-version'],
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket?.remotePort,
        }),
        err: (error: Error) => {
          const serialized = pino.stdSerializers.err(error);
          return keepContent ? serialized : (withoutContent(serialized) as typeof serialized);
        },
      },
    },
    shipper
      ? pino.multistream([
          // Every level the logger lets through goes to both.
          { level: 'trace', stream: stdout },
          { level: 'trace', stream: shipper },
        ])
      : stdout,
  );
  if (shipper) shippers.set(logger, shipper);
  return logger;
}
