import { invalidRequest } from './errors.js';
const defined = (value) => (value === null ? undefined : value);
/** The text parts of a message; other kinds (images, audio, files) are refused with the part named. */
function textParts(message, index) {
    const { content } = message;
    if (content === null || content === undefined)
        return [];
    if (typeof content === 'string')
        return [content];
    return content.map((part, partIndex) => {
        const param = `messages[${index}].content[${partIndex}]`;
        if (part.type !== 'text') {
            throw invalidRequest(`Content parts of type '${part.type}' are not supported; send text parts only.`, `${param}.type`, 'unsupported_content_type');
        }
        if (typeof part.text !== 'string') {
            throw invalidRequest(`Missing required parameter: '${param}.text'.`, `${param}.text`);
        }
        return part.text;
    });
}
function toModelMessages(input) {
    const messages = [];
    const system = [];
    let lastUserText;
    input.forEach((message, index) => {
        const parts = textParts(message, index);
        const text = parts.join('\n');
        switch (message.role) {
            case 'system':
            case 'developer':
                // Developer messages are OpenAI's newer name for system messages.
                system.push(text);
                messages.push({ role: 'system', content: text });
                break;
            case 'user':
                lastUserText = text;
                messages.push({ role: 'user', content: parts.map((part) => ({ type: 'text', text: part })) });
                break;
            case 'assistant':
                // An empty assistant turn (a tool-call placeholder) carries nothing a model can use.
                if (text !== '')
                    messages.push({ role: 'assistant', content: text });
                break;
        }
    });
    return { messages, systemText: system.length > 0 ? system.join('\n\n') : undefined, lastUserText };
}
export function toCompletionCall(body) {
    if (body.tools && body.tools.length > 0) {
        throw invalidRequest('Tools (function calling) are not supported by this server yet.', 'tools', 'unsupported_parameter');
    }
    const stop = defined(body.stop);
    const settings = {
        // max_completion_tokens is the current name; max_tokens the deprecated one still widely sent.
        maxOutputTokens: defined(body.max_completion_tokens) ?? defined(body.max_tokens),
        temperature: defined(body.temperature),
        topP: defined(body.top_p),
        presencePenalty: defined(body.presence_penalty),
        frequencyPenalty: defined(body.frequency_penalty),
        seed: defined(body.seed),
        stopSequences: stop === undefined ? undefined : typeof stop === 'string' ? [stop] : stop,
    };
    return {
        modelId: body.model,
        ...toModelMessages(body.messages),
        settings,
        stream: body.stream === true,
        includeUsage: body.stream_options?.include_usage === true,
        endUser: defined(body.user),
    };
}
