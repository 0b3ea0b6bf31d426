import type { Logger } from 'pino';
import type { AppDeps, AppInternals, ParleyApp } from './app/deps.js';
import { createHttpServer, installRequestPipeline } from './app/http-server.js';
import { registerRoutes } from './app/routes.js';
import { startServices } from './app/services.js';
import { createLogger } from './observability/logger.js';

export type { AppDeps, AppInternals, ParleyApp } from './app/deps.js';
export { BODY_LIMIT_BYTES } from './app/http-server.js';

/**
 * Wire the whole server from its dependencies: the HTTP server, the services (app/services.ts),
 * the request pipeline every route shares, and the routes. Never listens: main.ts does, tests use
 * inject or listen on port 0. Closing the app stops runs (see preClose) and ends open streams.
 */
export async function buildApp(deps: AppDeps): Promise<ParleyApp> {
  const logger = deps.logger ?? createLogger(deps.config);
  const app = createHttpServer(deps.config, logger, deps.httpTimeouts);
  const services = await startServices(deps, logger, app.log as Logger);
  const routes: AppInternals['routes'] = [];
  await installRequestPipeline(app, deps, services, routes);
  await registerRoutes(app, deps, services);

  // Shutdown order: readiness turns false, runs get their grace period, then open streams end.
  // main.ts drains the runs before close() (Fastify's plugin timeout bounds this hook); then
  // runs.shutdown() returns at once. Closing an app that was not drained (tests) drains it here.
  app.addHook('preClose', async () => {
    services.state.shuttingDown = true;
    await services.runs.shutdown(deps.config.shutdownGraceMs);
    await services.sse.closeAll(2_000);
  });
  app.addHook('onClose', async () => {
    await services.stop();
  });

  const parley: AppInternals = {
    config: deps.config,
    store: deps.store,
    models: deps.models,
    accounts: services.accounts,
    limiter: services.limiter,
    runs: services.runs,
    sse: services.sse,
    files: services.files,
    mcp: services.mcp,
    state: services.state,
    routes,
  };
  return Object.assign(app, { parley }) as unknown as ParleyApp;
}
