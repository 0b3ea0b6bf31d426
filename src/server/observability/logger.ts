import pino, { type Logger } from 'pino';
import type { Config } from '../config.js';

/**
 * JSON logs on stdout (what Datadog and Splunk agents collect). Credentials that may appear in
 * request headers are redacted; message text is never logged unless LOG_MESSAGE_CONTENT is set.
 */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'parley' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  });
}
