import { context, trace } from '@opentelemetry/api';
import type { Metrics, RunFigures } from './metrics.js';
import type { ModelStats } from './model-stats.js';
import { endSpan, type Tracing } from './tracing.js';

/**
 * What the run manager tells operations about a run: counters and histograms (metrics) and a
 * `parley.run` span (tracing), behind one small interface so the chat code knows neither.
 */

export interface RunStart {
  runId: string;
  conversationId: string;
  modelId: string;
  kind: string;
}

/** How a run ended: the metrics' figures (the model is known from the start) and its error. */
export interface RunEnd extends Omit<RunFigures, 'model'> {
  error: string | null;
}

export interface RunObservation {
  /** Runs the run's work in its trace context, so the AI SDK's spans become its children. */
  within<T>(fn: () => T): T;
  /** A `parley.model.stream` span around the provider call, child of the run's span. */
  modelCall(provider: string): { end(error: string | null): void };
  finished(end: RunEnd): void;
}

export interface RunObserver {
  /** Called where the run starts (inside the request that started it, if any). */
  started(run: RunStart): RunObservation;
}

export interface RunObserverDeps {
  metrics?: Metrics;
  tracing?: Tracing;
  /** Recent per-model figures for the admin console (this instance, last 15 minutes). */
  stats?: ModelStats;
  /** LOG_MESSAGE_CONTENT: only then may prompts and replies go into spans. */
  recordContent: boolean;
}

export function createRunObserver(deps: RunObserverDeps): RunObserver {
  const { metrics, tracing } = deps;
  return {
    started(run) {
      metrics?.runStarted(run.modelId, run.kind);
      const span = tracing?.tracer.startSpan('parley.run', {
        attributes: {
          'parley.run.id': run.runId,
          'parley.run.kind': run.kind,
          'parley.conversation.id': run.conversationId,
          'gen_ai.request.model': run.modelId,
        },
      });
      const runContext = span ? trace.setSpan(context.active(), span) : undefined;
      return {
        within: (fn) => (runContext ? context.with(runContext, fn) : fn()),
        modelCall(provider) {
          const call = tracing?.tracer.startSpan(
            'parley.model.stream',
            { attributes: { 'gen_ai.system': provider, 'gen_ai.request.model': run.modelId } },
            runContext,
          );
          return { end: (error) => call && endSpan(call, error !== null, error ?? undefined) };
        },
        finished(end) {
          metrics?.runFinished({ model: run.modelId, ...end });
          deps.stats?.record(run.modelId, end);
          if (!span) return;
          span.setAttributes({
            'parley.run.status': end.status,
            ...(end.inputTokens !== null ? { 'gen_ai.usage.input_tokens': end.inputTokens } : {}),
            ...(end.outputTokens !== null ? { 'gen_ai.usage.output_tokens': end.outputTokens } : {}),
            ...(end.firstTokenAt !== undefined
              ? { 'parley.run.time_to_first_token_ms': Math.round(end.firstTokenAt - end.startedAt) }
              : {}),
          });
          endSpan(span, end.status === 'error', end.error ?? undefined);
        },
      };
    },
  };
}
