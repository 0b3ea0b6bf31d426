import { ChatGptConversation, MAX_IMPORT_CONVERSATIONS, MAX_IMPORT_MESSAGES, MAX_IMPORT_NODES, PARLEY_EXPORT_FORMAT, ParleyExport, } from '../../shared/export-schemas.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import { fromChatGpt } from './chatgpt-format.js';
import { checkSchema, describePath, importError, isoTime, loadSchemaChecker, } from './import-input.js';
import { orderParentsFirst } from './message-tree.js';
import { conversationDto } from './serialize.js';
import { timeSlicer } from './time-slice.js';
/**
 * One write transaction takes at most this many rows or this much text, whichever comes first:
 * indexing text for search costs about 0.15 ms per KB, so a batch holds the loop (and on SQLite
 * the connection) for some 15 ms, and the import yields after each one.
 */
const WRITE_BATCH_ROWS = 250;
const WRITE_BATCH_CHARS = 100_000;
/** PostgreSQL text cannot hold NUL, and no chat text means one: drop it rather than fail late. */
const withoutNul = (text) => text.replaceAll('\u0000', '');
const maybeWithoutNul = (text) => (text === null ? null : withoutNul(text));
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
function fromParley(file, now) {
    const checked = orderParentsFirst(file.messages.map((m) => ({ key: m.id, parentKey: m.parentId })));
    if ('problem' in checked) {
        const { problem } = checked;
        if (problem.kind === 'duplicate') {
            throw importError(`messages[${problem.index}].id`, `repeats messages[${problem.firstIndex}].id`);
        }
        throw importError(`messages[${problem.index}].parentId`, problem.kind === 'cycle'
            ? 'makes a cycle (a message is its own ancestor)'
            : 'names a message that is not in the file');
    }
    const { conversation } = file;
    const createdAt = isoTime(conversation.createdAt, now);
    return {
        title: conversation.title?.trim() || null,
        model: conversation.model ?? null,
        systemPrompt: conversation.systemPrompt ?? null,
        createdAt,
        updatedAt: isoTime(conversation.updatedAt, createdAt),
        messages: checked.order.map((index) => {
            const m = file.messages[index];
            return {
                key: m.id,
                parentKey: m.parentId,
                role: m.role,
                content: m.content,
                // Nothing is running for an imported reply: one cut off mid-stream can be continued.
                status: m.status === undefined ? 'complete' : m.status === 'streaming' ? 'interrupted' : m.status,
                model: m.model ?? null,
                inputTokens: m.usage?.inputTokens ?? null,
                outputTokens: m.usage?.outputTokens ?? null,
                finishReason: m.finishReason ?? null,
                createdAt: isoTime(m.createdAt, createdAt),
            };
        }),
    };
}
function countNodes(conversations) {
    return conversations.reduce((sum, c) => sum + (isObject(c) && isObject(c.mapping) ? Object.keys(c.mapping).length : 0), 0);
}
/** Check a file and turn it into conversations to write; throws a 400 naming the first problem. */
export async function parseImport(body, now, slice = timeSlicer()) {
    let conversations;
    // Sizes first: a huge file is refused before the schema walks all of it.
    if (Array.isArray(body)) {
        if (body.length === 0)
            throw importError('the file', 'contains no conversations');
        if (body.length > MAX_IMPORT_CONVERSATIONS) {
            throw importError('the file', `has ${body.length} conversations; at most ${MAX_IMPORT_CONVERSATIONS} can be imported at once: split it`);
        }
        if (countNodes(body) > MAX_IMPORT_NODES) {
            throw importError('the file', `has more than ${MAX_IMPORT_NODES} message nodes: split it`);
        }
        // Conversation by conversation (the same checks as ChatGptExport as a whole), in slices.
        for (const [i, conversation] of body.entries()) {
            await checkChatGptConversation(conversation, `conversations[${i}]`, slice);
        }
        conversations = [];
        for (const [i, conversation] of body.entries()) {
            conversations.push(fromChatGpt(conversation, `conversations[${i}]`, now));
            await slice();
        }
    }
    else if (isObject(body) && 'mapping' in body) {
        if (countNodes([body]) > MAX_IMPORT_NODES) {
            throw importError('the file', `has more than ${MAX_IMPORT_NODES} message nodes: split it`);
        }
        await checkChatGptConversation(body, '', slice);
        conversations = [fromChatGpt(body, '', now)];
    }
    else if (isObject(body) && 'format' in body) {
        if (body.format !== PARLEY_EXPORT_FORMAT) {
            throw importError('format', `must be "${PARLEY_EXPORT_FORMAT}"`);
        }
        if (Array.isArray(body.messages) && body.messages.length > MAX_IMPORT_MESSAGES) {
            throw importError('messages', `has ${body.messages.length} items; at most ${MAX_IMPORT_MESSAGES} can be imported`);
        }
        // The envelope first, then the messages one by one, in slices.
        const messages = body.messages;
        checkSchema(ParleyExport, Array.isArray(messages) ? { ...body, messages: [] } : body, '');
        const messageSchema = ParleyExport.properties.messages.items;
        for (const [i, message] of messages.entries()) {
            checkSchema(messageSchema, message, `messages[${i}]`);
            await slice();
        }
        conversations = [fromParley(body, now)];
    }
    else {
        throw importError('the file', `is neither a Parley export ("format": "${PARLEY_EXPORT_FORMAT}") nor ChatGPT's conversations.json`);
    }
    const total = conversations.reduce((sum, c) => sum + c.messages.length, 0);
    if (total > MAX_IMPORT_MESSAGES) {
        throw importError('the file', `has ${total} messages; at most ${MAX_IMPORT_MESSAGES} can be imported at once: split it`);
    }
    return conversations;
}
/**
 * ChatGptConversation's checks, node by node (a conversation may hold most of a 20 MB file): the
 * conversation without its mapping, then the mapping's shape, then each node.
 */
async function checkChatGptConversation(value, root, slice) {
    if (!isObject(value) || !isObject(value.mapping)) {
        checkSchema(ChatGptConversation, value, root);
        return;
    }
    checkSchema(ChatGptConversation, { ...value, mapping: {} }, root);
    const nodeSchema = ChatGptConversation.properties.mapping;
    for (const [key, node] of Object.entries(value.mapping)) {
        // Through the record schema, so the error path names the node as the whole check would.
        checkSchema(nodeSchema, { [key]: node }, describePath(root, '/mapping'));
        await slice();
    }
}
/** UTF-8 bytes the conversations will take, counted as migration 008's triggers count them. */
function importBytes(conversations) {
    let bytes = 0;
    for (const c of conversations) {
        bytes +=
            Buffer.byteLength(withoutNul(c.title ?? '')) + Buffer.byteLength(withoutNul(c.systemPrompt ?? ''));
        for (const m of c.messages)
            bytes += Buffer.byteLength(withoutNul(m.content));
    }
    return bytes;
}
const megabytes = (bytes) => `${Math.ceil(bytes / (1024 * 1024))} MB`;
/**
 * Import a file for `userId`: all of it or (on any problem) nothing. The caller admits one
 * import per user at a time (import-gate.ts), which is what makes the quota check hold.
 */
export async function importConversations(deps, userId, body) {
    const now = new Date().toISOString();
    const slice = timeSlicer();
    await loadSchemaChecker();
    const conversations = await parseImport(body, now, slice);
    if (deps.storageQuotaBytes !== undefined) {
        const needed = importBytes(conversations);
        const stored = await deps.store.repos.storage.storedBytes(userId);
        if (stored + needed > deps.storageQuotaBytes) {
            throw new AppError('storage_quota_exceeded', `Import refused: it needs ${megabytes(needed)} and ${megabytes(Math.max(deps.storageQuotaBytes - stored, 0))} of your ${megabytes(deps.storageQuotaBytes)} storage is free. Delete conversations or import fewer.`);
        }
    }
    const written = [];
    let batch = {
        conversations: [],
        messages: [],
    };
    const flush = async () => {
        const { conversations: rows, messages } = batch;
        batch = { conversations: [], messages: [] };
        batchChars = 0;
        if (rows.length === 0 && messages.length === 0)
            return;
        await deps.store.transaction(async (trx) => {
            // Conversations first: a batch's messages belong to them or to ones written before.
            for (const row of rows)
                await trx.conversations.insertConversation(row);
            await trx.transfer.insertMessages(messages);
        });
        // The transaction held the loop for most of a slice on its own.
        await slice.yield();
    };
    let batchChars = 0;
    const full = () => batch.conversations.length + batch.messages.length >= WRITE_BATCH_ROWS || batchChars >= WRITE_BATCH_CHARS;
    try {
        for (const conversation of conversations) {
            const newConversation = {
                id: newId(),
                user_id: userId,
                title: maybeWithoutNul(conversation.title),
                model: conversation.model && deps.models.has(conversation.model)
                    ? conversation.model
                    : deps.models.defaultModel,
                system_prompt: maybeWithoutNul(conversation.systemPrompt),
                is_default: 0,
                created_at: conversation.createdAt,
                updated_at: conversation.updatedAt,
            };
            batch.conversations.push(newConversation);
            written.push({
                row: {
                    ...newConversation,
                    title: newConversation.title ?? null,
                    system_prompt: newConversation.system_prompt ?? null,
                    is_default: 0,
                },
                messages: conversation.messages.length,
            });
            // Parents come first, so a parent's new id is known when its children are mapped.
            const ids = new Map();
            for (const m of conversation.messages) {
                const id = newId();
                ids.set(m.key, id);
                batch.messages.push({
                    id,
                    conversation_id: newConversation.id,
                    user_id: userId,
                    parent_id: m.parentKey === null ? null : (ids.get(m.parentKey) ?? null),
                    role: m.role,
                    content: withoutNul(m.content),
                    status: m.status,
                    model: m.model,
                    input_tokens: m.inputTokens,
                    output_tokens: m.outputTokens,
                    finish_reason: m.finishReason,
                    error: null,
                    created_at: m.createdAt,
                    updated_at: m.createdAt,
                });
                batchChars += m.content.length;
                if (full())
                    await flush();
            }
        }
        await flush();
    }
    catch (error) {
        // Take back what was written; the messages go with their conversations.
        // Should that fail too, the write's own error is the one to report.
        await deps.store.repos.transfer
            .deleteConversations(userId, written.map(({ row }) => row.id))
            .catch(() => { });
        throw error;
    }
    for (const { row } of written) {
        deps.bus.publish(userId, { type: 'conversation.created', conversation: conversationDto(row, null) });
    }
    return { imported: written.map(({ row, messages }) => ({ id: row.id, title: row.title, messages })) };
}
