import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, } from '@opentelemetry/api';
/** The traces URL of an OTLP/HTTP endpoint, as the OTel spec derives it from the base. */
export function tracesUrl(endpoint) {
    const base = endpoint.replace(/\/+$/, '');
    return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}
export async function createTracing(options) {
    const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, contextHooks, core, resources] = await Promise.all([
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
            let timer;
            const deadline = new Promise((resolve) => {
                timer = setTimeout(resolve, timeoutMs);
            });
            await Promise.race([provider.shutdown().catch(() => undefined), deadline]);
            clearTimeout(timer);
        },
    };
}
/** End a span with the outcome of what it measured. */
export function endSpan(span, failed, message) {
    if (failed)
        span.setStatus({ code: SpanStatusCode.ERROR, ...(message ? { message } : {}) });
    span.end();
}
