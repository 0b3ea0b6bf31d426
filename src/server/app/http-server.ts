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
    trustProxy: trustedProxies(config.trustProxy),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Beyond the cap, new connections are closed at once instead of exhausting memory and descriptors.
  app.server.maxConnections = config.maxConnections;
  return app;
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
