import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ModelRegistry } from './ai/model-registry.js';
import { AccountService, type RevokedIdentity } from './auth/account-service.js';
import { ensureBuiltinUsers } from './auth/builtin-users.js';
import { GuestService } from './auth/guest-service.js';
import { RunLimiter } from './auth/run-limiter.js';
import { sessionSecret } from './auth/session-secret.js';
import type { AccessPolicy } from './chat/access.js';
import { ArchiveService } from './chat/archive-service.js';
import { ChatService } from './chat/chat-service.js';
import { SearchService } from './chat/search-service.js';
import type { Config } from './config.js';
import { adminRoutes } from './http/admin-routes.js';
import { installAuth } from './http/auth-hook.js';
import { authRoutes } from './http/auth-routes.js';
import { conversationRoutes } from './http/conversation-routes.js';
import { frameworkErrors, installErrorHandlers } from './http/error-handler.js';
import { eventRoutes } from './http/event-routes.js';
import { exportRoutes } from './http/export-routes.js';
import { type HttpTimeouts, httpServerOptions } from './http/http-limits.js';
import { installLocalModeGuard } from './http/local-mode-guard.js';
import { openaiRoutes } from './http/openai-routes.js';
import { createOperations } from './http/operations.js';
import { opsRoutes } from './http/ops-routes.js';
import { requestId } from './http/request-id.js';
import { runRoutes } from './http/run-routes.js';
import { searchRoutes } from './http/search-routes.js';
import { installSecurity } from './http/security.js';
import { seedRoutes } from './http/seed-routes.js';
import { SseConnections } from './http/sse.js';
import { tokenRoutes } from './http/token-routes.js';
import { installValidators } from './http/validation.js';
import { newId } from './ids.js';
import { createLogger } from './observability/logger.js';
import { CompletionService } from './openai/completion-service.js';
import { createRealtime, type Realtime } from './realtime/realtime.js';
import { InstanceRegistry } from './runs/instance-registry.js';
import { RunManager } from './runs/run-manager.js';
import { RunReaper } from './runs/run-reaper.js';
import { TurnService } from './runs/turns.js';
import type { Store } from './store/database.js';

/** Largest request body accepted: a maximal message (100,000 characters) with JSON escaping fits. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface AppDeps {
  config: Config;
  store: Store;
  models: ModelRegistry;
  logger?: Logger;
  /** Shared state (run log, bus, counters); built from the settings (memory or Redis) when absent. */
  realtime?: Realtime;
  /** How long a run's lease lasts without renewal; a dead instance's runs are reaped after it. */
  leaseMs?: number;
  /** How often this instance looks for runs of dead instances. */
  reaperIntervalMs?: number;
  /** Interval of SSE heartbeat comments (15 s in production; tests shorten it). */
  heartbeatMs?: number;
  /** How often streaming text is checkpointed to the store. */
  checkpointMs?: number;
  /** Window of the request and message rate limits (a minute; tests shorten it). */
  limitWindowMs?: number;
  /** How long failed sign-ins count toward the throttle (15 minutes; tests shorten it). */
  loginWindowMs?: number;
  /** Request, header, keep-alive and idle timeouts of the HTTP server (tests shorten them). */
  httpTimeouts?: Partial<HttpTimeouts>;
  /** Who may read or write a conversation (chat/access.ts); owner only when absent (tests vary it). */
  accessPolicy?: AccessPolicy;
}

/** A hop count trusts that many proxies nearest to Parley (Fastify's types take it as a function). */
function trustedProxies(
  setting: Config['trustProxy'],
): false | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/**
 * The wired services, for app.ts itself and for tests (`app.parley`). Routes never get this:
 * each plugin is handed only what it uses (see the registrations below).
 */
export interface AppInternals {
  config: Config;
  store: Store;
  models: ModelRegistry;
  accounts: AccountService;
  limiter: RunLimiter;
  runs: RunManager;
  sse: SseConnections;
  /** main.ts sets shuttingDown before draining: readiness turns false at once. */
  state: { shuttingDown: boolean };
  /** Every registered route (method and URL pattern). */
  routes: { method: string; url: string }[];
}

export type ParleyApp = FastifyInstance & { parley: AppInternals };

/**
 * Wire the whole server from its dependencies. Never listens: main.ts does, tests use inject
 * or listen on port 0. Closing the app stops runs (see `shutdown`) and ends open streams.
 */
export async function buildApp(deps: AppDeps): Promise<ParleyApp> {
  const logger = deps.logger ?? createLogger(deps.config);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // The caller's x-request-id only when short and plain (see requestId), never verbatim.
    requestIdHeader: false,
    genReqId: requestId,
    ...httpServerOptions(deps.httpTimeouts),
    frameworkErrors,
    // Closing runs after preClose has drained the runs and ended the streams (see below); what is
    // left are idle or pre-opened sockets that would otherwise hold shutdown for seconds.
    forceCloseConnections: true,
    trustProxy: trustedProxies(deps.config.trustProxy),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Beyond the cap, new connections are closed at once instead of exhausting memory and descriptors.
  app.server.maxConnections = deps.config.maxConnections;

  const at = new Date().toISOString();
  await ensureBuiltinUsers(deps.store.db, at);
  const ownsRealtime = deps.realtime === undefined;
  const realtime = deps.realtime ?? (await createRealtime(deps.config, logger));
  const { runLog, bus, counters } = realtime;
  const instanceId = newId();
  const instances = new InstanceRegistry(deps.store, instanceId, realtime.redis !== undefined, logger);
  await instances.start(at);
  const limiter = new RunLimiter({
    store: deps.store,
    counters,
    config: deps.config,
    windowMs: deps.limitWindowMs,
  });
  const accounts = new AccountService({
    store: deps.store,
    config: deps.config,
    counters,
    logger,
    loginWindowMs: deps.loginWindowMs,
    // Here at once (awaited: a disabled user's replies are stopped before the answer), then on
    // every other instance through the control bus.
    onRevoked: async (revoked) => {
      await endRevoked(revoked);
      await realtime.control
        .send({ type: 'revoke', from: instanceId, revoked })
        .catch((err) => logger.error({ err }, 'could not tell other instances about a revocation'));
    },
  });
  // Safe setup (ADMIN_USERNAME, or a setup code on a public address) and the purge of expired
  // sessions, invites and reset links: now, then hourly.
  await accounts.bootstrap();
  accounts.startHousekeeping();
  // Metrics, traces and the API contract; the live figures are read at scrape time, once built.
  const operations = await createOperations({
    config: deps.config,
    onStoreQuery: (listener) => deps.store.onQuery(listener),
    models: deps.models,
    logger,
    ownsLogger: deps.logger === undefined,
    live: { activeRuns: () => runs.activeCount, openStreams: () => sse.size },
  });
  const runs = new RunManager({
    store: deps.store,
    runLog,
    bus,
    models: deps.models,
    logger,
    checkpointMs: deps.checkpointMs,
    leaseMs: deps.leaseMs,
    observer: operations.observer,
  });
  const chat = new ChatService({
    store: deps.store,
    stopRuns: (userId, conversationId) => runs.stop(userId, conversationId),
    bus,
    models: deps.models,
    policy: deps.accessPolicy,
  });
  const turns = new TurnService({
    store: deps.store,
    chat,
    limiter,
    control: realtime.control,
    realtimeHealthy: () => realtime.healthy(),
    runs,
    models: deps.models,
    logger,
    instanceId,
    logMessageContent: deps.config.logMessageContent,
  });
  const sse = new SseConnections({ maxPerUser: deps.config.maxStreamsPerUser });
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const state: AppInternals['state'] = { shuttingDown: false };
  const routes: AppInternals['routes'] = [];
  /** A revoked identity loses its open streams here; a disabled user also their running replies. */
  async function endRevoked(revoked: RevokedIdentity): Promise<void> {
    sse.revoke(revoked);
    if (revoked.stopRuns) await runs.stopUser(revoked.userId);
  }
  // A stop (or a revocation) sent to any instance reaches the runs and streams here.
  await realtime.control.onCommand((command) => {
    if (command.type === 'stop') void runs.stop(command.userId, command.conversationId);
    if (command.type === 'revoke' && command.from !== instanceId) void endRevoked(command.revoked);
  });
  const reaper = new RunReaper({ store: deps.store, runs, runLog, bus, logger });
  reaper.start(deps.reaperIntervalMs ?? 1_000);
  // Anonymous browsers of the seed routes (GUEST_ACCESS=on); idle guests are purged hourly.
  const guests = new GuestService({
    store: deps.store,
    counters,
    models: deps.models,
    config: deps.config,
    logger,
  });
  guests.start();

  operations.installHooks(app);
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
    deps.config,
    sessionSecret(deps.config),
    deps.limitWindowMs,
    realtime.redis?.command,
  );
  // Every route, for the authorization matrix and API-contract checks.
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: route.url });
    }
  });
  installLocalModeGuard(app, deps.config);
  installAuth(app, accounts, guests, deps.config, counters);
  await operations.installContract(app);

  // Each plugin gets only what it uses; none gets the store (domain services hold it).
  const { config, models } = deps;
  await app.register(seedRoutes({ chat, turns, guests, config }));
  await app.register(authRoutes({ accounts, config }));
  await app.register(tokenRoutes({ accounts }));
  await app.register(adminRoutes({ accounts, config }));
  await app.register(conversationRoutes({ chat }));
  await app.register(runRoutes({ turns, runLog, sse, heartbeatMs }));
  await app.register(searchRoutes({ search: new SearchService(deps.store) }));
  const archive = new ArchiveService({
    store: deps.store,
    models,
    bus,
    storageQuotaBytes: config.storageQuotaBytes,
    policy: deps.accessPolicy,
  });
  await app.register(exportRoutes({ archive }));
  await app.register(eventRoutes({ bus, sse, heartbeatMs }));
  await app.register(
    opsRoutes({
      models,
      shuttingDown: () => state.shuttingDown,
      pingDatabase: () => deps.store.ping(),
      realtimeHealthy: () => realtime.healthy(),
    }),
  );
  await app.register(operations.routes());
  // The OpenAI-compatible API logs through the app's logger, as its routes do.
  const completions = new CompletionService({
    store: deps.store,
    models,
    limiter,
    bus,
    logger: app.log as Logger,
    policy: deps.accessPolicy,
  });
  await app.register(openaiRoutes({ completions, models, sse, heartbeatMs }));

  // Shutdown order: readiness turns false, runs get their grace period, then open streams end.
  // main.ts drains the runs before close() (Fastify's plugin timeout bounds this hook); then
  // runs.shutdown() returns at once. Closing an app that was not drained (tests) drains it here.
  app.addHook('preClose', async () => {
    state.shuttingDown = true;
    await runs.shutdown(deps.config.shutdownGraceMs);
    await sse.closeAll(2_000);
  });
  app.addHook('onClose', async () => {
    accounts.stopHousekeeping();
    await reaper.stop();
    await guests.stop();
    await instances.stop();
    if (ownsRealtime) await realtime.close();
    await operations.close();
  });

  const parley: AppInternals = {
    config: deps.config,
    store: deps.store,
    models: deps.models,
    accounts,
    limiter,
    runs,
    sse,
    state,
    routes,
  };
  return Object.assign(app, { parley }) as unknown as ParleyApp;
}
