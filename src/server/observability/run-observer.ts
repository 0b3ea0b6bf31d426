import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  GEN_AI,
  genAiProviderName,
  inputMessages,
  modelErrorType,
  providerModelName,
  systemInstructions,
} from './gen-ai-conventions.js';
import type { Metrics, RunFigures } from './metrics.js';
import type { ModelStats } from './model-stats.js';
import { endSpan, type Tracing } from './tracing.js';

/**
 * What the run manager tells operations about a run: counters and histograms (metrics), a
 * `parley.run` span and, under it, a model span per the OpenTelemetry GenAI conventions (tracing),
 * behind one small interface so the chat code knows neither.
 */

export interface RunStart {
  runId: string;
  conversationId: string;
  modelId: string;
  kind: string;
  /** The request's parameters, when the conversation sets them (else the provider's defaults). */
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
  /** What the model is sent; only recorded with LOG_MESSAGE_CONTENT. */
  system?: string | undefined;
  prompt?: readonly { role: string; content: unknown }[] | undefined;
}

/** How a run ended: the metrics' figures (the model is known from the start) and its error. */
export interface RunEnd extends Omit<RunFigures, 'model'> {
  error: string | null;
}

/** What the provider said about its answer, when the caller knows it. */
export interface ModelCallEnd {
  finishReason?: string | null;
  /** The model that actually answered (providers may resolve aliases) and the response's id. */
  responseModel?: string;
  responseId?: string;
}

export interface RunObservation {
  /** Runs the run's work in its trace context, so spans started inside become its children. */
  within<T>(fn: () => T): T;
  /** A `chat <model>` CLIENT span around the provider call, child of the run's span. */
  modelCall(provider: string): { end(error: string | null, details?: ModelCallEnd): void };
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

/** A model span whose call has ended; it is closed (at that time) once the run's usage is known. */
interface EndedCall {
  span: Span;
  startedAt: number;
  endedAt: number;
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
          // Not gen_ai.*: GenAI-aware backends sum usage over spans with those attributes, and
          // the model span below carries them; this one would count every token twice.
          'parley.model.id': run.modelId,
        },
      });
      const runContext = span ? trace.setSpan(context.active(), span) : undefined;
      const ended: EndedCall[] = [];
      return {
        within: (fn) => (runContext ? context.with(runContext, fn) : fn()),
        modelCall(provider) {
          if (!tracing) return { end: () => {} };
          const model = providerModelName(provider, run.modelId);
          const call = tracing.tracer.startSpan(
            `chat ${model}`,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                [GEN_AI.operationName]: 'chat',
                [GEN_AI.providerName]: genAiProviderName(provider),
                [GEN_AI.requestModel]: model,
                [GEN_AI.conversationId]: run.conversationId,
                'parley.model.id': run.modelId,
                ...(run.temperature !== undefined ? { [GEN_AI.requestTemperature]: run.temperature } : {}),
                ...(run.maxOutputTokens !== undefined
                  ? { [GEN_AI.requestMaxTokens]: run.maxOutputTokens }
                  : {}),
                ...(deps.recordContent && run.system
                  ? { [GEN_AI.systemInstructions]: systemInstructions(run.system) }
                  : {}),
                ...(deps.recordContent && run.prompt
                  ? { [GEN_AI.inputMessages]: inputMessages(run.prompt) }
                  : {}),
              },
            },
            runContext,
          );
          const startedAt = performance.now();
          return {
            end(error, details = {}) {
              call.setAttributes({
                ...(details.finishReason ? { [GEN_AI.responseFinishReasons]: [details.finishReason] } : {}),
                ...(details.responseModel ? { [GEN_AI.responseModel]: details.responseModel } : {}),
                ...(details.responseId ? { [GEN_AI.responseId]: details.responseId } : {}),
              });
              if (error !== null) {
                call.setAttribute(GEN_AI.errorType, modelErrorType(error));
                call.setStatus({ code: SpanStatusCode.ERROR, message: error });
              }
              // Usage arrives with `finished` (after the reply is saved): the span is ended then,
              // stamped with the time the call itself ended.
              ended.push({ span: call, startedAt, endedAt: performance.now() });
            },
          };
        },
        finished(end) {
          metrics?.runFinished({ model: run.modelId, ...end });
          deps.stats?.record(run.modelId, end);
          for (const call of ended.splice(0)) {
            call.span.setAttributes({
              ...(end.inputTokens !== null ? { [GEN_AI.usageInputTokens]: end.inputTokens } : {}),
              ...(end.outputTokens !== null ? { [GEN_AI.usageOutputTokens]: end.outputTokens } : {}),
              ...(end.firstTokenAt !== undefined && end.firstTokenAt >= call.startedAt
                ? { [GEN_AI.responseTimeToFirstChunk]: (end.firstTokenAt - call.startedAt) / 1000 }
                : {}),
            });
            call.span.end(call.endedAt);
          }
          if (!span) return;
          span.setAttributes({
            'parley.run.status': end.status,
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
