import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { accessibleConversation, ownerOnly, requireConversation, requireMessage, } from './access.js';
import { conversationDto, messageDto } from './serialize.js';
import { titleFrom } from './title.js';
const now = () => new Date().toISOString();
function encodeCursor(cursor) {
    return Buffer.from(JSON.stringify([cursor.updatedAt, cursor.id])).toString('base64url');
}
function decodeCursor(raw) {
    try {
        const [updatedAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
        if (typeof updatedAt === 'string' && typeof id === 'string')
            return { updatedAt, id };
    }
    catch {
        // fall through to the error below
    }
    throw new AppError('validation_error', 'The cursor is not valid: pass nextCursor from a previous page.');
}
/**
 * Conversations and messages. Every conversation, message or run a request names is reached
 * through requireConversation / requireMessage, the one place the access policy (access.ts) is
 * applied; only the list is owner-scoped by design. Starting, stopping and following replies is
 * runs/ (TurnService), which asks this service for access.
 */
export class ChatService {
    deps;
    constructor(deps) {
        this.deps = deps;
    }
    get repos() {
        return this.deps.store.repos;
    }
    get policy() {
        return this.deps.policy ?? ownerOnly;
    }
    /**
     * A conversation as the API shows it. Its active run is read from the store, not from this
     * process's runs, so every instance reports the run whichever instance streams it.
     */
    async dto(row) {
        return (await this.dtos([row]))[0];
    }
    /** Many conversations (a page of the list) with their active runs, in one query. */
    async dtos(rows) {
        const active = await this.repos.runs.activeRunsOf(rows.map((row) => row.id), now());
        return rows.map((row) => {
            const run = active.get(row.id);
            return conversationDto(row, run ? { id: run.id, messageId: run.message_id } : null);
        });
    }
    /** A model name the client chose, refused when this server does not offer it. */
    checkModel(model) {
        if (model !== undefined && !this.deps.models.has(model)) {
            throw new AppError('unknown_model', `Unknown model "${model}". GET /api/models lists the models you can use.`);
        }
        return model;
    }
    /** The conversation if the policy grants `userId` this access, else a 404 (never a 403). */
    requireConversation(userId, id, access) {
        return requireConversation(this.repos, this.policy, userId, id, access);
    }
    /** A message and its conversation, checked through the conversation; else a 404 "Message". */
    requireMessage(userId, id, access) {
        return requireMessage(this.repos, this.policy, userId, id, access);
    }
    async createConversation(userId, input, isDefault = false) {
        const at = now();
        const row = await this.repos.conversations.insertConversation({
            id: newId(),
            user_id: userId,
            title: input.title?.trim() || null,
            model: this.checkModel(input.model) ?? this.deps.models.defaultModel,
            system_prompt: input.systemPrompt ?? null,
            is_default: isDefault ? 1 : 0,
            created_at: at,
            updated_at: at,
        });
        const dto = await this.dto(row);
        this.deps.bus.publish(userId, { type: 'conversation.created', conversation: dto });
        return dto;
    }
    async listConversations(userId, limit, cursor) {
        const rows = await this.repos.conversations.listConversations(userId, limit + 1, cursor ? decodeCursor(cursor) : undefined);
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
            items: await this.dtos(page),
            nextCursor: rows.length > limit && last ? encodeCursor({ updatedAt: last.updated_at, id: last.id }) : null,
        };
    }
    async getConversation(userId, id) {
        return this.dto(await this.requireConversation(userId, id, 'read'));
    }
    async updateConversation(userId, id, patch) {
        await this.requireConversation(userId, id, 'write');
        this.checkModel(patch.model);
        const row = await this.repos.conversations.updateConversation(userId, id, {
            ...(patch.title !== undefined ? { title: patch.title.trim() || null } : {}),
            ...(patch.model !== undefined ? { model: patch.model } : {}),
            ...(patch.systemPrompt !== undefined ? { system_prompt: patch.systemPrompt } : {}),
            updated_at: now(),
        });
        if (!row)
            throw notFound('Conversation');
        const dto = await this.dto(row);
        this.deps.bus.publish(userId, { type: 'conversation.updated', conversation: dto });
        return dto;
    }
    async deleteConversation(userId, id) {
        await this.requireConversation(userId, id, 'write');
        await this.deps.stopRuns(userId, id);
        if (!(await this.repos.conversations.deleteConversation(userId, id)))
            throw notFound('Conversation');
        this.deps.bus.publish(userId, { type: 'conversation.deleted', conversationId: id });
    }
    async listMessages(userId, conversationId, limit, before) {
        await this.requireConversation(userId, conversationId, 'read');
        const rows = await this.repos.messages.messagesBefore(conversationId, limit + 1, before);
        const page = rows.slice(0, limit).reverse();
        return {
            items: page.map(messageDto),
            nextCursor: rows.length > limit && page[0] ? page[0].id : null,
        };
    }
    /** The last `limit` messages of the default conversation, oldest first (the seed's history). */
    async history(userId, limit) {
        const conversation = await this.repos.conversations.findDefaultConversation(userId);
        if (!conversation)
            return [];
        return (await this.repos.messages.messagesBefore(conversation.id, limit)).reverse();
    }
    /** The conversation the seed endpoints act on, created on first use. */
    async defaultConversation(userId) {
        const existing = await this.repos.conversations.findDefaultConversation(userId);
        if (existing)
            return existing;
        const dto = await this.createConversation(userId, { title: 'Chat' }, true);
        return this.requireConversation(userId, dto.id, 'write');
    }
    /** After a first complete reply (runs/ calls this), give an untitled conversation a short title. */
    async titleAfterFirstReply(userId, conversationId) {
        // Through the policy like any write; a conversation deleted meanwhile is simply skipped.
        const current = await accessibleConversation(this.repos, this.policy, userId, conversationId, 'write');
        if (!current || current.title !== null)
            return;
        const first = await this.repos.messages.firstUserMessage(conversationId);
        if (!first)
            return;
        const row = await this.repos.conversations.updateConversation(userId, conversationId, {
            title: titleFrom(first.content),
        });
        if (row)
            this.deps.bus.publish(userId, { type: 'conversation.updated', conversation: await this.dto(row) });
    }
}
