// Prompt formatting: the AI SDK prompt as node-llama-cpp chat history, and what it cannot honour.
// Models without a chat template (like the tiny test model) get a plain transcript:
// "System\n\nUser: ...\nAssistant: ...\nUser: ...\nAssistant:". "Assistant:" sits in the user turn so
// the prompt ends with it; the reply stops at "\nUser: " (a newline alone must not end it).
export const PLAIN_TRANSCRIPT = {
    template: '{{history}} {{completion}}\nUser: ',
    historyTemplate: {
        system: '{{message}}\n\n',
        user: 'User: {{message}}\nAssistant:',
        model: ' {{message}}\n',
    },
};
/** The error for a file part sent to the local model. */
export const TEXT_ONLY_MESSAGE = 'The local model reads text only; pick a model that takes images.';
function textOf(parts) {
    return parts
        .filter((part) => part.type === 'text' && typeof part.text === 'string')
        .map((part) => part.text)
        .join('');
}
/**
 * The AI SDK prompt as node-llama-cpp chat history, ending with the model turn to generate or
 * continue. Throws for a file part anywhere in it.
 */
export function toHistory(prompt) {
    const history = [];
    for (const message of prompt) {
        if (message.role === 'system')
            history.push({ type: 'system', text: message.content });
        else if (message.role === 'user') {
            // Refused, not dropped: a reply that silently ignored the picture would look like an answer
            // about it. Parley refuses earlier from the model's input list; this is the second wall.
            if (message.content.some((part) => part.type === 'file'))
                throw new Error(TEXT_ONLY_MESSAGE);
            history.push({ type: 'user', text: textOf(message.content) });
        }
        else if (message.role === 'assistant') {
            history.push({ type: 'model', response: [textOf(message.content)] });
        }
    }
    // A prompt that ends with an assistant message asks for its continuation (Parley's "continue").
    if (history[history.length - 1]?.type !== 'model')
        history.push({ type: 'model', response: [] });
    return history;
}
export function callWarnings(options) {
    const warnings = [];
    if (options.tools?.length)
        warnings.push({ type: 'unsupported', feature: 'tools' });
    if (options.responseFormat?.type === 'json')
        warnings.push({ type: 'unsupported', feature: 'responseFormat' });
    if (options.frequencyPenalty !== undefined)
        warnings.push({ type: 'unsupported', feature: 'frequencyPenalty' });
    if (options.presencePenalty !== undefined)
        warnings.push({ type: 'unsupported', feature: 'presencePenalty' });
    return warnings;
}
