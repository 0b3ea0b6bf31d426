import type {} from '@fastify/otel';
import { context } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { Metrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';

/** Probes and scrapes arrive every few seconds from every replica: as traces they are only noise. */
const UNTRACED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Per-request metrics and, with tracing on, a SERVER span per request from @fastify/otel (the
 * Fastify team's instrumentation), named `METHOD /route/:pattern` as the HTTP conventions ask,
 * continuing the caller's `traceparent`. The route handler runs in the span's context, so a run
 * it starts becomes the span's child. Installed before every other hook, so requests refused
 * early (auth, rate limit, 404) are measured and traced too.
 */
export function installInstrumentation(app: FastifyInstance, metrics: Metrics, tracing?: Tracing): void {
  tracing?.instrumentFastify(app, {
    ignore: (path) => UNTRACED.has(path),
    requestHook(span, request) {
      const route = request.routeOptions.url;
      span.updateName(route ? `${request.method} ${route}` : request.method);
      // The path only: a query string can carry what users typed (`/api/search?q=`).
      span.setAttributes({
        'url.path': request.url.split('?')[0] ?? request.url,
        'parley.request_id': request.id,
      });
    },
  });

  app.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    // The route pattern, never the raw URL: ids in labels would make every conversation a new series.
    const route = request.routeOptions.url;
    // 'close' fires for every response: sent, hijacked for SSE, or cut off by the client.
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      metrics.observeRequest(
        request.method,
        route ?? 'unmatched',
        status,
        (performance.now() - started) / 1000,
      );
      // @fastify/otel ends the span when the response is sent; a stream the client cut off is
      // never "sent", so its span is ended here.
      const span = tracing ? request.opentelemetry().span : null;
      if (span?.isRecording()) {
        span.setAttribute('http.response.status_code', status);
        span.end();
      }
    });
    done();
  });

  if (tracing) {
    // The body is parsed outside the request's async context: put the handler back in it.
    app.addHook('onRoute', (route) => {
      const handler = route.handler as (
        this: FastifyInstance,
        request: FastifyRequest,
        reply: FastifyReply,
      ) => unknown;
      route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
        const requestContext = request.opentelemetry().context;
        return requestContext
          ? context.with(requestContext, handler, this, request, reply)
          : handler.call(this, request, reply);
      } as RouteHandlerMethod;
    });
  }
}
