/**
 * Chat history is plain text, whose provider prompt is simple to build; the SDK's general
 * conversion validates every message with a schema first, which costs milliseconds on a long
 * history. Anything else (files, tool parts) goes through the SDK.
 */
function textOnlyPrompt(system, messages) {
    const prompt = system ? [{ role: 'system', content: system }] : [];
    for (const message of messages) {
        if (typeof message.content !== 'string')
            return undefined;
        if (message.role === 'system')
            prompt.push({ role: 'system', content: message.content });
        else if (message.role === 'user' || message.role === 'assistant') {
            prompt.push({ role: message.role, content: [{ type: 'text', text: message.content }] });
        }
        else
            return undefined;
    }
    return prompt;
}
async function sdkPrompt(model, call) {
    // Imported on first use: most prompts are plain text, and the SDK is slow to load.
    const { convertToLanguageModelPrompt, standardizePrompt } = await import('ai/internal');
    const standardized = await standardizePrompt({ system: call.system, messages: call.messages });
    return convertToLanguageModelPrompt({
        prompt: standardized,
        supportedUrls: await model.supportedUrls,
        download: undefined,
        abortSignal: call.abortSignal,
    });
}
/**
 * Call a model's stream directly through the AI SDK provider interface (LanguageModelV3), with a
 * plain-text prompt built here or the SDK's own prompt validation and conversion. `streamText`
 * adds multi-step tool loops, output parsing and several stream transforms per chunk that Parley
 * does not use; measured on this machine they cost about 30 µs per token (7 ms for a 240-token reply, against 0.2 ms here), which
 * is most of Parley's CPU per streamed token.
 */
export async function streamModel(call) {
    if (typeof call.model === 'string' || call.model.specificationVersion !== 'v3') {
        throw new Error('Only AI SDK v3 language models can be streamed.');
    }
    const model = call.model;
    const prompt = textOnlyPrompt(call.system, call.messages) ?? (await sdkPrompt(model, call));
    const { stream } = await model.doStream({
        prompt,
        abortSignal: call.abortSignal,
        ...(call.maxOutputTokens !== undefined ? { maxOutputTokens: call.maxOutputTokens } : {}),
    });
    return stream;
}
