export async function generate(runtime, queue, options, history, signal, sink) {
    const release = await queue.acquire(signal);
    const chat = new runtime.mod.LlamaChat({
        contextSequence: runtime.sequence,
        chatWrapper: runtime.chatWrapper,
        autoDisposeSequence: false,
    });
    try {
        const promptTokens = chat.chatWrapper
            .generateContextState({ chatHistory: history })
            .contextText.tokenize(runtime.model.tokenizer).length;
        // The sequence's meter counts what llama.cpp evaluated and sampled, including tokens held back
        // from the text (a partial UTF-8 character, a possible stop trigger).
        const meter = runtime.sequence.tokenMeter;
        const inputBefore = meter.usedInputTokens;
        const outputBefore = meter.usedOutputTokens;
        const result = await chat.generateResponse(history, {
            signal,
            // Without a limit a model that never says EOS would run on through context shifts.
            maxTokens: options.maxOutputTokens ?? runtime.contextSize,
            // llama.cpp's server and Ollama default to 0.8; node-llama-cpp's own default is greedy.
            temperature: options.temperature ?? 0.8,
            ...(options.topP !== undefined && { topP: options.topP }),
            ...(options.topK !== undefined && { topK: options.topK }),
            ...(options.seed !== undefined && { seed: options.seed }),
            ...(options.stopSequences?.length && { customStopTriggers: options.stopSequences }),
            onResponseChunk: (chunk) => {
                if (signal.aborted)
                    return;
                if (chunk.type === 'segment')
                    sink.reasoning(chunk.text, chunk.segmentEndTime !== undefined);
                else if (chunk.text !== '')
                    sink.text(chunk.text);
            },
        });
        const { stopReason } = result.metadata;
        const evaluated = Math.min(promptTokens, meter.usedInputTokens - inputBefore);
        const outputTokens = meter.usedOutputTokens - outputBefore;
        return {
            finishReason: { unified: stopReason === 'maxTokens' ? 'length' : 'stop', raw: stopReason },
            usage: {
                inputTokens: {
                    total: promptTokens,
                    noCache: evaluated,
                    cacheRead: promptTokens - evaluated,
                    cacheWrite: undefined,
                },
                outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
            },
        };
    }
    finally {
        chat.dispose();
        release();
    }
}
