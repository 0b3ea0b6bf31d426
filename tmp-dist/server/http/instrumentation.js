import { context } from '@opentelemetry/api';
import { endSpan } from '../observability/tracing.js';
/** Probes and scrapes arrive every few seconds from every replica: as traces they are only noise. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);
/**
 * Per-request metrics and, with tracing on, a server span per request whose context the route
 * handler runs in (so a run started by the handler becomes the span's child). Installed before
 * every other hook, so requests refused early (auth, rate limit, 404) are measured too.
 */
export function installInstrumentation(app, metrics, tracing) {
    const contexts = new WeakMap();
    app.addHook('onRequest', (request, reply, done) => {
        const started = performance.now();
        // The route pattern, never the raw URL: ids in labels would make every conversation a new series.
        const route = request.routeOptions.url;
        const traced = (route && UNTRACED.has(route) ? undefined : tracing)?.startRequestSpan(route ? `${request.method} ${route}` : request.method, request.headers, {
            'http.request.method': request.method,
            'url.path': request.url.split('?')[0] ?? request.url,
            'parley.request_id': request.id,
            ...(route ? { 'http.route': route } : {}),
        });
        if (traced)
            contexts.set(request, traced.context);
        // 'close' fires for every response: sent, hijacked for SSE, or cut off by the client.
        reply.raw.once('close', () => {
            const status = reply.raw.statusCode;
            metrics.observeRequest(request.method, route ?? 'unmatched', status, (performance.now() - started) / 1000);
            if (traced) {
                traced.span.setAttribute('http.response.status_code', status);
                endSpan(traced.span, status >= 500);
            }
        });
        done();
    });
    if (tracing) {
        app.addHook('onRoute', (route) => {
            const handler = route.handler;
            route.handler = function (request, reply) {
                const requestContext = contexts.get(request);
                return requestContext
                    ? context.with(requestContext, handler, this, request, reply)
                    : handler.call(this, request, reply);
            };
        });
    }
}
