import { type Static, Type } from 'typebox';
import {
  ConversationMaxOutputTokens,
  ConversationTemperature,
  MAX_SYSTEM_PROMPT_CHARS,
  MAX_TITLE_CHARS,
} from './api-schemas.js';

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
/** The largest import body (`POST /api/conversations/import`); export embeds files only within it. */
export const MAX_IMPORT_BODY_BYTES = 20 * 1024 * 1024;
/** Most parts of one message in an export (its files and text). */
export const MAX_IMPORT_MESSAGE_PARTS = 100;
/** Most files one Parley export lists. */
export const MAX_IMPORT_FILES = 1_000;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const ModelName = Type.String({ maxLength: 200 });

export const ExportQuery = Type.Object({
  format: Type.Optional(Type.Enum(['json', 'markdown'], { default: 'json' })),
  /** JSON only: `embed` the attachments' bytes (as far as the import limit allows) or only `reference` them. */
  files: Type.Optional(Type.Enum(['embed', 'reference'], { default: 'embed' })),
});
export type ExportFilesMode = 'embed' | 'reference';

/**
 * A message's parts in an export: its text and the files it carries, in order. A file part names
 * an entry of the export's `files` by `fileId`; `url` (a path on the exporting server) is left out.
 */
export const ParleyExportTextPart = Type.Object({
  type: Type.Literal('text'),
  text: Type.String({ maxLength: MAX_IMPORT_CONTENT_CHARS }),
});
export const ParleyExportFilePart = Type.Object({
  type: Type.Literal('file'),
  fileId: Type.String({ minLength: 1, maxLength: 200 }),
  mediaType: Type.Optional(Type.String({ maxLength: 200 })),
  filename: Type.Optional(Type.String({ maxLength: 1000 })),
  size: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const ParleyExportPart = Type.Union([ParleyExportTextPart, ParleyExportFilePart]);
export type ParleyExportPartDto = Static<typeof ParleyExportPart>;

/**
 * A file the export's messages name. With `data` (its bytes, base64) it is embedded and import
 * stores it again; without, it is only referenced and import notes it as not included.
 */
export const ParleyExportFile = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  name: Type.String({ maxLength: 1000 }),
  mediaType: Type.String({ maxLength: 200 }),
  size: Type.Integer({ minimum: 0 }),
  data: Type.Optional(Type.String({ maxLength: MAX_IMPORT_BODY_BYTES })),
});
export type ParleyExportFileDto = Static<typeof ParleyExportFile>;

export const ParleyExportMessage = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  parentId: Nullable(Type.String({ minLength: 1, maxLength: 200 })),
  role: Type.Enum(['user', 'assistant']),
  content: Type.String({ maxLength: MAX_IMPORT_CONTENT_CHARS }),
  status: Type.Optional(Type.Enum(['streaming', 'complete', 'stopped', 'interrupted', 'error', 'waiting'])),
  model: Type.Optional(Nullable(ModelName)),
  usage: Type.Optional(
    Type.Object({
      inputTokens: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
      outputTokens: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    }),
  ),
  finishReason: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  createdAt: Type.Optional(Timestamp),
  /** Present when the message carries files; `content` is its text either way. */
  parts: Type.Optional(Type.Array(ParleyExportPart, { maxItems: MAX_IMPORT_MESSAGE_PARTS })),
});
export type ParleyExportMessageDto = Static<typeof ParleyExportMessage>;

export const ParleyExport = Type.Object({
  format: Type.Literal(PARLEY_EXPORT_FORMAT),
  version: Type.Literal(PARLEY_EXPORT_VERSION),
  exportedAt: Type.Optional(Timestamp),
  conversation: Type.Object({
    id: Type.Optional(Type.String({ maxLength: 200 })),
    title: Nullable(Type.String({ maxLength: MAX_TITLE_CHARS })),
    model: Type.Optional(ModelName),
    systemPrompt: Type.Optional(Nullable(Type.String({ maxLength: MAX_SYSTEM_PROMPT_CHARS }))),
    /** Per-chat settings; absent or null: the provider's default. */
    temperature: Type.Optional(ConversationTemperature),
    maxOutputTokens: Type.Optional(ConversationMaxOutputTokens),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
  }),
  /** Every message of the tree; a parent comes before its children. */
  messages: Type.Array(ParleyExportMessage),
  /** The files the messages' parts name (absent in exports without attachments). */
  files: Type.Optional(Type.Array(ParleyExportFile, { maxItems: MAX_IMPORT_FILES })),
});
export type ParleyExportDto = Static<typeof ParleyExport>;

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
export type ChatGptNodeDto = Static<typeof ChatGptNode>;

export const ChatGptConversation = Type.Object({
  title: Type.Optional(Nullable(Type.String())),
  create_time: Type.Optional(Nullable(Type.Number())),
  update_time: Type.Optional(Nullable(Type.Number())),
  mapping: Type.Record(Type.String(), ChatGptNode),
  current_node: Type.Optional(Nullable(Type.String())),
});
export type ChatGptConversationDto = Static<typeof ChatGptConversation>;

/** `conversations.json`: every conversation of the account. */
export const ChatGptExport = Type.Array(ChatGptConversation);

export const ImportResult = Type.Object({
  imported: Type.Array(
    Type.Object({ id: Type.String(), title: Nullable(Type.String()), messages: Type.Integer() }),
  ),
});
export type ImportResultDto = Static<typeof ImportResult>;
