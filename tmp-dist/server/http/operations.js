import { logShipperOf } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { onProviderError } from '../observability/provider-events.js';
import { createRunObserver } from '../observability/run-observer.js';
import { createTracing } from '../observability/tracing.js';
import { docsRoutes } from './docs-routes.js';
import { installInstrumentation } from './instrumentation.js';
import { metricsRoutes } from './metrics-routes.js';
import { installOpenApi } from './openapi/openapi-document.js';
/** One entry per provider that has a circuit breaker (the demo and local models have none). */
function breakerStates(models) {
    const states = new Map();
    for (const model of models.list())
        if (model.breaker !== null)
            states.set(model.provider, model.breaker);
    return [...states].map(([provider, state]) => ({ provider, state }));
}
export async function createOperations(deps) {
    const shipper = logShipperOf(deps.logger);
    const metrics = new Metrics({
        activeRuns: deps.live.activeRuns,
        openStreams: deps.live.openStreams,
        breakers: () => breakerStates(deps.models),
        ...(shipper ? { logShipper: () => shipper.stats() } : {}),
    });
    const endpoint = deps.config.otelExporterOtlpEndpoint;
    const tracing = endpoint ? await createTracing({ endpoint, logger: deps.logger }) : undefined;
    const stopProviderErrors = onProviderError((event) => metrics.providerError(event.provider, event.status));
    const stopStoreMetrics = deps.onStoreQuery((event) => metrics.storeQuery(event));
    return {
        metrics,
        tracing,
        observer: createRunObserver({ metrics, tracing, recordContent: deps.config.logMessageContent }),
        installHooks: (app) => installInstrumentation(app, metrics, tracing),
        installContract: (app) => installOpenApi(app),
        routes: () => async (app) => {
            await app.register(metricsRoutes(metrics));
            await app.register(docsRoutes());
        },
        async close() {
            stopProviderErrors();
            stopStoreMetrics();
            await tracing?.shutdown();
            if (deps.ownsLogger)
                await shipper?.close();
        },
    };
}
