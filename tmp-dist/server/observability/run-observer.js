import { context, trace } from '@opentelemetry/api';
import { endSpan } from './tracing.js';
export function createRunObserver(deps) {
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
                    const call = tracing?.tracer.startSpan('parley.model.stream', { attributes: { 'gen_ai.system': provider, 'gen_ai.request.model': run.modelId } }, runContext);
                    return { end: (error) => call && endSpan(call, error !== null, error ?? undefined) };
                },
                finished(end) {
                    metrics?.runFinished({ model: run.modelId, ...end });
                    if (!span)
                        return;
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
