import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { BreakerState, ModelRegistry } from '../ai/model-registry.js';
import type { Config } from '../config.js';
import { logShipperOf } from '../observability/logger.js';
import { Metrics, type QueryEvent } from '../observability/metrics.js';
import { ModelStats } from '../observability/model-stats.js';
import { onProviderError } from '../observability/provider-events.js';
import { createRunObserver, type RunObserver } from '../observability/run-observer.js';
import { createTracing, type Tracing } from '../observability/tracing.js';
import { docsRoutes } from './docs-routes.js';
import { installInstrumentation } from './instrumentation.js';
import { metricsRoutes } from './metrics-routes.js';
import { installOpenApi } from './openapi/openapi-document.js';

/**
 * Everything operators get from one app, wired in one place: metrics (HTTP, runs, providers,
 * store, process), traces when an OTLP endpoint is set (the OTEL_* settings), the log shipper's figures, and
 * the API contract (`/openapi.json`, `/docs`).
 */

export interface OperationsDeps {
  config: Config;
  /** The store's query events (for its metrics); http/ never holds the store itself. */
  onStoreQuery(listener: (event: QueryEvent) => void): () => void;
  models: ModelRegistry;
  logger: Logger;
  /** The logger was made for this app (not passed in): its Splunk shipper is flushed on close. */
  ownsLogger: boolean;
  /** Live figures, read at scrape time. */
  live: { activeRuns(): number; openStreams(): number };
}

export interface Operations {
  readonly metrics: Metrics;
  readonly tracing: Tracing | undefined;
  /** For the run manager: metrics and the run span of every run. */
  readonly observer: RunObserver;
  /** Each model's runs, errors and time to first token over the last 15 minutes (fed by `observer`). */
  readonly modelStats: ModelStats;
  /** Request metrics and spans: install before every other hook and before the routes. */
  installHooks(app: FastifyInstance): void;
  /** The OpenAPI generator: register before the routes it documents. */
  installContract(app: FastifyInstance): Promise<void>;
  /** `GET /metrics`, `GET /openapi.json`, `GET /docs`. */
  routes(): FastifyPluginAsync;
  close(): Promise<void>;
}

/** One entry per provider that has a circuit breaker (the demo and local models have none). */
function breakerStates(models: ModelRegistry): { provider: string; state: BreakerState }[] {
  const states = new Map<string, BreakerState>();
  for (const model of models.list()) if (model.breaker !== null) states.set(model.provider, model.breaker);
  return [...states].map(([provider, state]) => ({ provider, state }));
}

export async function createOperations(deps: OperationsDeps): Promise<Operations> {
  const shipper = logShipperOf(deps.logger);
  const metrics = new Metrics({
    activeRuns: deps.live.activeRuns,
    openStreams: deps.live.openStreams,
    breakers: () => breakerStates(deps.models),
    ...(shipper ? { logShipper: () => shipper.stats() } : {}),
  });
  const { otel } = deps.config;
  const tracing = otel.tracesUrl
    ? await createTracing({ settings: { ...otel, tracesUrl: otel.tracesUrl }, logger: deps.logger })
    : undefined;
  const stopProviderErrors = onProviderError((event) => metrics.providerError(event.provider, event.status));
  const stopStoreMetrics = deps.onStoreQuery((event) => metrics.storeQuery(event));
  const modelStats = new ModelStats();

  return {
    metrics,
    tracing,
    modelStats,
    observer: createRunObserver({
      metrics,
      tracing,
      stats: modelStats,
      recordContent: deps.config.logMessageContent,
    }),
    installHooks: (app) => installInstrumentation(app, metrics, tracing),
    installContract: (app) => installOpenApi(app, deps.config.publicUrl),
    routes: () => async (app) => {
      await app.register(metricsRoutes(metrics));
      await app.register(docsRoutes());
    },
    async close() {
      stopProviderErrors();
      stopStoreMetrics();
      await tracing?.shutdown();
      if (deps.ownsLogger) await shipper?.close();
    },
  };
}
