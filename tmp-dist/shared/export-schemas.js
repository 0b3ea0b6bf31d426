import { Type } from 'typebox';
import { MAX_SYSTEM_PROMPT_CHARS, MAX_TITLE_CHARS } from './api-schemas.js';
/**
 * Conversation export and import: Parley's own JSON format (what export writes and import reads
 * back) and the parts of ChatGPT's `conversations.json` that import uses. Import validates files
 * against these before looking at them.
 */
export const PARLEY_EXPORT_FORMAT = 'parley.conversation';
export const PARLEY_EXPORT_VERSION = 1;
/** Most messages one import may write (all conversations of the file together). */
export const MAX_IMPORT_MESSAGES = 10_000;
/** Most ChatGPT mapping nodes one import may read (hidden system and tool nodes included). */
export const MAX_IMPORT_NODES = 50_000;
export const MAX_IMPORT_CONVERSATIONS = 1_000;
/** Longer than a message a user may send: imported replies can be long. */
export const MAX_IMPORT_CONTENT_CHARS = 500_000;
const Nullable = (schema) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const ModelName = Type.String({ maxLength: 200 });
export const ExportQuery = Type.Object({
    format: Type.Optional(Type.Enum(['json', 'markdown'], { default: 'json' })),
});
export const ParleyExportMessage = Type.Object({
    id: Type.String({ minLength: 1, maxLength: 200 }),
    parentId: Nullable(Type.String({ minLength: 1, maxLength: 200 })),
    role: Type.Enum(['user', 'assistant']),
    content: Type.String({ maxLength: MAX_IMPORT_CONTENT_CHARS }),
    status: Type.Optional(Type.Enum(['streaming', 'complete', 'stopped', 'interrupted', 'error'])),
    model: Type.Optional(Nullable(ModelName)),
    usage: Type.Optional(Type.Object({
        inputTokens: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
        outputTokens: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    })),
    finishReason: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    createdAt: Type.Optional(Timestamp),
});
export const ParleyExport = Type.Object({
    format: Type.Literal(PARLEY_EXPORT_FORMAT),
    version: Type.Literal(PARLEY_EXPORT_VERSION),
    exportedAt: Type.Optional(Timestamp),
    conversation: Type.Object({
        id: Type.Optional(Type.String({ maxLength: 200 })),
        title: Nullable(Type.String({ maxLength: MAX_TITLE_CHARS })),
        model: Type.Optional(ModelName),
        systemPrompt: Type.Optional(Nullable(Type.String({ maxLength: MAX_SYSTEM_PROMPT_CHARS }))),
        createdAt: Type.Optional(Timestamp),
        updatedAt: Type.Optional(Timestamp),
    }),
    /** Every message of the tree; a parent comes before its children. */
    messages: Type.Array(ParleyExportMessage),
});
// ChatGPT's export: only the fields import reads are described; the many others pass through.
export const ChatGptMessage = Type.Object({
    author: Type.Object({ role: Type.String() }),
    content: Type.Object({
        content_type: Type.String(),
        parts: Type.Optional(Type.Array(Type.Unknown())),
    }),
    create_time: Type.Optional(Nullable(Type.Number())),
    metadata: Type.Optional(Type.Object({ model_slug: Type.Optional(Nullable(Type.String())) })),
});
export const ChatGptNode = Type.Object({
    parent: Type.Optional(Nullable(Type.String())),
    children: Type.Optional(Type.Array(Type.String())),
    message: Type.Optional(Nullable(ChatGptMessage)),
});
export const ChatGptConversation = Type.Object({
    title: Type.Optional(Nullable(Type.String())),
    create_time: Type.Optional(Nullable(Type.Number())),
    update_time: Type.Optional(Nullable(Type.Number())),
    mapping: Type.Record(Type.String(), ChatGptNode),
    current_node: Type.Optional(Nullable(Type.String())),
});
/** `conversations.json`: every conversation of the account. */
export const ChatGptExport = Type.Array(ChatGptConversation);
export const ImportResult = Type.Object({
    imported: Type.Array(Type.Object({ id: Type.String(), title: Nullable(Type.String()), messages: Type.Integer() })),
});
