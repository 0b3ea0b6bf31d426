import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { sessionSecret } from '../auth/session-secret.js';
import type { Config } from '../config.js';
import { installAuth } from '../http/auth-hook.js';
import { frameworkErrors, installErrorHandlers } from '../http/error-handler.js';
import { type HttpTimeouts, httpServerOptions } from '../http/http-limits.js';
import { installLocalModeGuard } from '../http/local-mode-guard.js';
import { requestId } from '../http/request-id.js';
import { installSecurity } from '../http/security.js';
import { installValidators } from '../http/validation.js';
import { OpenAIApiError } from '../openai/errors.js';
import type { AppDeps, AppInternals } from './deps.js';
import type { Services } from './services.js';

/** Largest request body accepted: a maximal message (100,000 characters) with JSON escaping fits. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** A hop count trusts that many proxies nearest to Parley (Fastify's types take it as a function). */
function trustedProxies(
  setting: Config['trustProxy'],
): false | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** The Fastify instance with Parley's limits: body size, timeouts, connections, proxies, ids. */
export function createHttpServer(
  config: Config,
  logger: Logger,
  httpTimeouts: Partial<HttpTimeouts> | undefined,
): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // The caller's x-request-id only when short and plain (see requestId), never verbatim.
    requestIdHeader: false,
    genReqId: requestId,
    ...httpServerOptions(httpTimeouts),
    frameworkErrors,
    // Closing runs after preClose has drained the runs and ended the streams (see app.ts); what
    // is left are idle or pre-opened sockets that would otherwise hold shutdown for seconds.
    forceCloseConnections: true,
    // Fastify's own 503 while closing is not Parley's error shape: refuseWhileClosing answers instead.
    return503OnClosing: false,
    trustProxy: trustedProxies(config.trustProxy),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Beyond the cap, new connections are closed at once instead of exhausting memory and descriptors.
  app.server.maxConnections = config.maxConnections;
  return app;
}

const CLOSING_MESSAGE = 'Parley is shutting down; try again in a moment.';

/**
 * Once the app closes (after the drain in main.ts, or the whole drain when a test closes it),
 * requests still arriving on open connections are refused at once, as Fastify's
 * return503OnClosing did, but in the documented shape: `{"error", "code": "unavailable"}` with
 * Retry-After (under /v1 OpenAI's error shape), and logged at info, not as failures.
 */
function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    request.log.info('request refused: the server is shutting down');
    reply.code(503).header('retry-after', '5').header('connection', 'close');
    const path = request.url.split('?')[0] ?? '';
    if (path === '/v1' || path.startsWith('/v1/')) {
      return reply.send(new OpenAIApiError(503, CLOSING_MESSAGE, 'server_error', 'unavailable').body());
    }
    return reply.send({ error: CLOSING_MESSAGE, code: 'unavailable' });
  });
}

/**
 * What every request passes before its route: instrumentation, request ids, error shapes,
 * validation, security headers and rate limits, the local-mode guard, authentication, and the
 * API contract. Records every route in `routes`.
 */
export async function installRequestPipeline(
  app: FastifyInstance,
  deps: AppDeps,
  services: Services,
  routes: AppInternals['routes'],
): Promise<void> {
  const { config } = deps;
  services.operations.installHooks(app);
  app.decorateRequest('userId', '');
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  refuseWhileClosing(app);
  installErrorHandlers(app);
  installValidators(app);
  // The API speaks JSON only; anything else is a 415, not a confusing validation error.
  app.removeContentTypeParser('text/plain');
  await installSecurity(
    app,
    config,
    sessionSecret(config),
    deps.limitWindowMs,
    services.realtime.redis?.command,
  );
  // Every route, for the authorization matrix and API-contract checks.
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url });
    }
  });
  installLocalModeGuard(app, config);
  installAuth(app, services.accounts, services.guests, config, services.realtime.counters);
  await services.operations.installContract(app);
}
