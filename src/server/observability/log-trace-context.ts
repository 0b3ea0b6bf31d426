import { context, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * The trace context of a log line, under the OpenTelemetry log-correlation field names
 * (`trace_id`, `span_id`, `trace_flags`), so a log backend can jump from a line to its trace. Read
 * from the active span: with tracing off there is none and lines get no such fields. A pino
 * `mixin`: it runs for every line, so it stays a lookup and returns a fresh object (pino merges
 * the line's own fields into it).
 */
export function traceContextFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: spanContext.traceFlags.toString(16).padStart(2, '0'),
  };
}
