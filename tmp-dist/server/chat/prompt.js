import { partsOf } from './message-parts.js';
/**
 * Turn a branch of stored messages (root first) into what the model sees. Empty assistant
 * messages (a reply that failed before its first token) carry nothing and are left out. The
 * conversation's system prompt goes separately (the AI SDK's `system` option), never as a message.
 * A user message's files come from `attachments` (files/prompt-attachments.ts), in the order the
 * message names them, before its text.
 */
export function toModelMessages(branch, attachments = new Map()) {
    const messages = [];
    for (const row of branch) {
        if (row.role === 'assistant') {
            if (row.content !== '')
                messages.push({ role: 'assistant', content: row.content });
        }
        else if (row.role === 'user') {
            messages.push({ role: 'user', content: row.parts ? userContent(row, attachments) : row.content });
        }
    }
    return messages;
}
function userContent(row, attachments) {
    return partsOf(row).map((part) => part.type === 'text'
        ? { type: 'text', text: part.text }
        : (attachments.get(part.fileId) ?? {
            type: 'text',
            text: `[file: ${part.filename} is no longer available]`,
        }));
}
/** A rough token count (about 4 characters a token in English); enough to stay under a window. */
export function estimateTokens(text) {
    return Math.ceil(text.length / 4) + 4;
}
/** What an image or a PDF sent natively costs, roughly (providers count ~85–1,600 tokens an image). */
const NATIVE_FILE_TOKENS = 1_500;
function estimateMessageTokens(message) {
    if (typeof message.content === 'string')
        return estimateTokens(message.content);
    let tokens = 4;
    for (const part of message.content) {
        if (part.type === 'text')
            tokens += estimateTokens(part.text);
        else if (part.type === 'file' || part.type === 'image')
            tokens += NATIVE_FILE_TOKENS;
        else
            tokens += estimateTokens(JSON.stringify(part));
    }
    return tokens;
}
/**
 * At most how many characters of history can matter for a model: estimateTokens counts about 4
 * characters a token, so a branch longer than this cannot fit the window anyway. Unknown windows
 * are not limited here (the message count still bounds them).
 */
export function historyCharsFor(contextWindow) {
    return contextWindow ? contextWindow * 4 : undefined;
}
/**
 * Keep the newest messages that fit the model's context window, leaving room for the reply.
 * The system prompt is always kept, and so is the last message (the question being answered).
 */
export function fitToContext(messages, system, contextWindow) {
    if (!contextWindow)
        return messages;
    const reserveForReply = Math.min(4096, Math.floor(contextWindow / 4));
    let budget = contextWindow - reserveForReply - (system ? estimateTokens(system) : 0);
    const kept = [];
    for (let i = messages.length - 1; i >= 0; i--) {
        const message = messages[i];
        const cost = estimateMessageTokens(message);
        if (kept.length > 0 && cost > budget)
            break;
        kept.unshift(message);
        budget -= cost;
    }
    return kept;
}
