import { randomUUID } from 'node:crypto';
import { generate } from './generate.js';
import { partStream } from './part-stream.js';
import { callWarnings, toHistory } from './prompt.js';
import { boundedThreads, loadRuntime, localModelId } from './runtime.js';
import { abortReason, TurnQueue } from './turn-queue.js';
export function createLocalModel(options) {
    const threads = boundedThreads(options.threads);
    const modelId = localModelId(options.path).slice('local/'.length);
    const queue = new TurnQueue();
    let loading;
    // Loaded once, on the first call; a failed load is forgotten so a fixed file can be picked up.
    const runtime = () => {
        loading ??= loadRuntime(options, threads).catch((error) => {
            loading = undefined;
            throw error;
        });
        return loading;
    };
    const metadata = () => ({ id: `local-${randomUUID()}`, modelId, timestamp: new Date() });
    return {
        specificationVersion: 'v3',
        provider: 'local',
        modelId,
        supportedUrls: {},
        async doGenerate(callOptions) {
            const signal = callOptions.abortSignal ?? new AbortController().signal;
            const warnings = callWarnings(callOptions);
            const history = toHistory(callOptions.prompt);
            const loaded = await runtime();
            let text = '';
            let reasoning = '';
            const result = await generate(loaded, queue, callOptions, history, signal, {
                text: (delta) => {
                    text += delta;
                },
                reasoning: (delta) => {
                    reasoning += delta;
                },
            });
            if (signal.aborted)
                throw abortReason(signal);
            const content = [];
            if (reasoning)
                content.push({ type: 'reasoning', text: reasoning });
            content.push({ type: 'text', text });
            return { content, ...result, response: metadata(), warnings };
        },
        async doStream(callOptions) {
            const warnings = callWarnings(callOptions);
            const history = toHistory(callOptions.prompt);
            const loaded = await runtime();
            const head = [
                { type: 'stream-start', warnings },
                { type: 'response-metadata', ...metadata() },
            ];
            const stream = partStream(head, callOptions.abortSignal, (signal, sink) => generate(loaded, queue, callOptions, history, signal, sink));
            return { stream };
        },
        async dispose() {
            const current = loading;
            loading = undefined;
            const loaded = await current?.catch(() => undefined);
            await loaded?.model.dispose();
        },
    };
}
