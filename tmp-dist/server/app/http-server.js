import Fastify, {} from 'fastify';
import { sessionSecret } from '../auth/session-secret.js';
import { installAuth } from '../http/auth-hook.js';
import { frameworkErrors, installErrorHandlers } from '../http/error-handler.js';
import { httpServerOptions } from '../http/http-limits.js';
import { installLocalModeGuard } from '../http/local-mode-guard.js';
import { requestId } from '../http/request-id.js';
import { installSecurity } from '../http/security.js';
import { installValidators } from '../http/validation.js';
/** Largest request body accepted: a maximal message (100,000 characters) with JSON escaping fits. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** A hop count trusts that many proxies nearest to Parley (Fastify's types take it as a function). */
function trustedProxies(setting) {
    return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}
/** The Fastify instance with Parley's limits: body size, timeouts, connections, proxies, ids. */
export function createHttpServer(config, logger, httpTimeouts) {
    const app = Fastify({
        loggerInstance: logger,
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
    }).withTypeProvider();
    // Beyond the cap, new connections are closed at once instead of exhausting memory and descriptors.
    app.server.maxConnections = config.maxConnections;
    return app;
}
/**
 * What every request passes before its route: instrumentation, request ids, error shapes,
 * validation, security headers and rate limits, the local-mode guard, authentication, and the
 * API contract. Records every route in `routes`.
 */
export async function installRequestPipeline(app, deps, services, routes) {
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
    await installSecurity(app, config, sessionSecret(config), deps.limitWindowMs, services.realtime.redis?.command);
    // Every route, for the authorization matrix and API-contract checks.
    app.addHook('onRoute', (route) => {
        for (const method of [route.method].flat()) {
            if (method !== 'HEAD')
                routes.push({ method, url: route.url });
        }
    });
    installLocalModeGuard(app, config);
    installAuth(app, services.accounts, services.guests, config, services.realtime.counters);
    await services.operations.installContract(app);
}
