import { type Span, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { OtelSettings } from '../otel-settings.js';

/**
 * OpenTelemetry traces, on when OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT is set (and OTEL_SDK_DISABLED
 * is not): a SERVER span per request from @fastify/otel, a `parley.run` span per run (a child of
 * the request that started it) and, under it, a `chat <model>` span per the GenAI conventions.
 * Spans go to the endpoint over OTLP/HTTP (JSON). The SDK packages are imported only when tracing
 * is on, so an install without it loads none of them.
 *
 * Two layers, because one process may hold several apps (tests build many, with different
 * settings): the OpenTelemetry Node SDK is started once per process for what is process-wide by
 * nature (the async context manager and the W3C propagator), and each app has its own tracer
 * provider (resource, sampler, exporter from its settings), handed explicitly to its Fastify
 * instrumentation and its run spans. No global tracer provider is registered: it would send every
 * app's spans to whichever app registered first.
 */

export interface FastifyTracingOptions {
  /** Routes left untraced (probes and scrapes), by path without the query. */
  ignore(path: string): boolean;
  /** Names and decorates a request's span once it starts. */
  requestHook(span: Span, request: FastifyRequest): void;
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Request spans from @fastify/otel, on this app's provider: call before other hooks and routes. */
  instrumentFastify(app: FastifyInstance, options: FastifyTracingOptions): void;
  /** Flush what is buffered and stop (bounded: an unreachable collector never holds shutdown long). */
  shutdown(timeoutMs?: number): Promise<void>;
}

export interface TracingOptions {
  settings: OtelSettings & { tracesUrl: string };
  logger?: Logger;
}

let processSdk: Promise<void> | undefined;

/** The Node SDK's process-wide part, started by the first app that traces; later apps share it. */
function startProcessSdk(): Promise<void> {
  processSdk ??= (async () => {
    const { NodeSDK, core } = await import('@opentelemetry/sdk-node');
    new NodeSDK({
      // Everything signal-specific is per app (below); the SDK must not build exporters, readers
      // or resources of its own from the environment.
      autoDetectResources: false,
      spanProcessors: [],
      metricReaders: [],
      logRecordProcessors: [],
      instrumentations: [],
      textMapPropagator: new core.CompositePropagator({
        propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
      }),
    }).start();
  })();
  return processSdk;
}

export async function createTracing(options: TracingOptions): Promise<Tracing> {
  const { settings } = options;
  const [trace, { OTLPTraceExporter }, resources, fastifyOtel] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@fastify/otel'),
    startProcessSdk(),
  ]);

  const ratio = settings.sampler.ratio;
  const root = {
    always_on: () => new trace.AlwaysOnSampler(),
    always_off: () => new trace.AlwaysOffSampler(),
    traceidratio: () => new trace.TraceIdRatioBasedSampler(ratio),
  };
  const { name } = settings.sampler;
  const sampler = name.startsWith('parentbased_')
    ? new trace.ParentBasedSampler({
        root: root[name.slice('parentbased_'.length) as keyof typeof root](),
      })
    : root[name as keyof typeof root]();

  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.processDetector, resources.hostDetector] }))
    .merge(
      resources.resourceFromAttributes({
        ...settings.resourceAttributes,
        'service.name': settings.serviceName,
      }),
    );
  const provider = new trace.BasicTracerProvider({
    resource,
    sampler,
    spanProcessors: [
      new trace.BatchSpanProcessor(
        new OTLPTraceExporter({ url: settings.tracesUrl, headers: { ...settings.headers } }),
      ),
    ],
  });
  const tracer = provider.getTracer('parley');
  options.logger?.info(
    { endpoint: settings.tracesUrl, service: settings.serviceName, sampler: settings.sampler.name },
    'exporting traces over OTLP/HTTP',
  );
  const Instrumentation = fastifyOtel.FastifyOtelInstrumentation;

  return {
    tracer,
    instrumentFastify(app, fastify) {
      const instrumentation = new Instrumentation({
        // One span per request: a span per hook and handler would multiply every request's spans
        // by Parley's dozen hooks, and runs are parented on the request span itself.
        instrumentHooks: false,
        instrumentHandler: false,
        ignorePaths: ({ url }) => fastify.ignore(url.split('?')[0] ?? url),
        requestHook: fastify.requestHook,
      });
      instrumentation.setTracerProvider(provider);
      // Applied at once rather than through app.register (which runs later): its onRequest hook
      // must come before every other one, so requests refused early (auth, limits) get spans too.
      instrumentation.plugin()(app, {}, () => {});
    },
    async shutdown(timeoutMs = 3_000) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([provider.shutdown().catch(() => undefined), deadline]);
      clearTimeout(timer);
    },
  };
}

/** End a span with the outcome of what it measured. */
export function endSpan(span: Span, failed: boolean, message?: string): void {
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
  span.end();
}
