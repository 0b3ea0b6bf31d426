import { MAX_ID_CHARS } from '../../shared/api-schemas.js';
import { accessibleConversation, ownerOnly, requireConversation } from '../chat/access.js';
import { titleFrom } from '../chat/title.js';
import { notFound } from '../errors.js';
import { newId } from '../ids.js';
import { invalidRequest } from './errors.js';
/**
 * Optional history for /v1 (header `X-Parley-Conversation: new|<id>`): the exchange (the last
 * user message and the reply) is written as a Parley conversation when the completion ends.
 * The ids are chosen up front so they can go out in the response headers before the reply.
 */
export const HISTORY_HEADER = 'x-parley-conversation';
/**
 * Read the header; an id must name a conversation the policy lets the caller write (access.ts;
 * today their own), else 404, leaking nothing.
 */
export async function resolveHistoryTarget(store, userId, header, lastUserText, policy = ownerOnly) {
    const value = (Array.isArray(header) ? header[0] : header)?.trim();
    if (!value)
        return undefined;
    if (lastUserText === undefined) {
        throw invalidRequest(`Recording a conversation (${HISTORY_HEADER}) needs at least one user message.`, 'messages');
    }
    // Time-ordered ids taken now: the pair sorts where the question was asked, not where it ended.
    const ids = { userMessageId: newId(), assistantMessageId: newId() };
    if (value.toLowerCase() === 'new')
        return { isNew: true, conversationId: newId(), ...ids };
    if (value.length > MAX_ID_CHARS)
        throw notFound('Conversation');
    const found = await requireConversation(store.repos, policy, userId, value, 'write');
    return { isNew: false, conversationId: found.id, ...ids };
}
/**
 * Write the exchange and count its tokens in one transaction. Returns the conversation, or
 * undefined when an existing one was deleted while the reply was being written.
 */
export async function recordExchange(store, target, exchange, policy = ownerOnly) {
    const at = new Date();
    const now = at.toISOString();
    const { reply } = exchange;
    return store.transaction(async (trx) => {
        await trx.usage.addTokenUsage(exchange.userId, reply.inputTokens + reply.outputTokens, at);
        let conversation;
        if (target.isNew) {
            conversation = await trx.conversations.insertConversation({
                id: target.conversationId,
                user_id: exchange.userId,
                title: titleFrom(exchange.userText),
                model: exchange.model,
                system_prompt: exchange.systemText ?? null,
                created_at: exchange.startedAt,
                updated_at: now,
            });
        }
        else {
            // Checked again inside the write: the conversation (or the access) may be gone by now.
            conversation = await accessibleConversation(trx, policy, exchange.userId, target.conversationId, 'write');
            if (!conversation)
                return undefined;
        }
        // The reply follows what the conversation held when the question was asked.
        const [parent] = target.isNew
            ? []
            : await trx.messages.messagesBefore(target.conversationId, 1, target.userMessageId);
        await trx.messages.insertMessage({
            id: target.userMessageId,
            conversation_id: target.conversationId,
            user_id: exchange.userId,
            parent_id: parent?.id ?? null,
            role: 'user',
            content: exchange.userText,
            status: 'complete',
            created_at: exchange.startedAt,
            updated_at: exchange.startedAt,
        });
        await trx.messages.insertMessage({
            id: target.assistantMessageId,
            conversation_id: target.conversationId,
            user_id: exchange.userId,
            parent_id: target.userMessageId,
            role: 'assistant',
            content: reply.text,
            status: reply.status,
            model: exchange.model,
            input_tokens: reply.inputTokens,
            output_tokens: reply.outputTokens,
            finish_reason: reply.finishReason,
            error: reply.error,
            created_at: exchange.startedAt,
            updated_at: now,
        });
        await trx.conversations.touchConversation(target.conversationId, now);
        return { ...conversation, updated_at: now };
    });
}
