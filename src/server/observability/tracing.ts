import {
  type Context,
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Logger } from 'pino';

/**
 * OpenTelemetry traces, on when OTEL_EXPORTER_OTLP_ENDPOINT is set: a server span per request, a
 * `parley.run` span per run (a child of the request that started it) and, under it, the AI SDK's
 * own spans of the provider call (`ai.streamText` → `ai.streamText.doStream`). Spans go to the
 * endpoint over OTLP/HTTP (JSON). The SDK packages are imported only when tracing is on, so an
 * install without it loads none of them.
 */

export interface Tracing {
  readonly tracer: Tracer;
  /** A SERVER span for a request, continuing the caller's trace when it sends `traceparent`. */
  startRequestSpan(
    name: string,
    headers: Record<string, string | string[] | undefined>,
    attributes: Record<string, string | number>,
  ): { span: Span; context: Context };
  /** Flush what is buffered and stop (bounded: an unreachable collector never holds shutdown long). */
  shutdown(timeoutMs?: number): Promise<void>;
}

export interface TracingOptions {
  endpoint: string;
  serviceName?: string;
  logger?: Logger;
}

/** The traces URL of an OTLP/HTTP endpoint, as the OTel spec derives it from the base. */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

export async function createTracing(options: TracingOptions): Promise<Tracing> {
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, contextHooks, core, resources] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/resources'),
    ]);

  // The AI SDK starts its spans under `context.active()`: that needs a context manager, which is
  // process-wide. The first app with tracing installs it; later ones find it there.
  context.setGlobalContextManager(new contextHooks.AsyncLocalStorageContextManager().enable());

  const provider = new BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': options.serviceName ?? 'parley' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(options.endpoint) }))],
  });
  const tracer = provider.getTracer('parley');
  const propagator = new core.W3CTraceContextPropagator();
  options.logger?.info({ endpoint: tracesUrl(options.endpoint) }, 'exporting traces over OTLP/HTTP');

  return {
    tracer,
    startRequestSpan(name, headers, attributes) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
      return { span, context: trace.setSpan(parent, span) };
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
