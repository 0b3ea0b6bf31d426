import { type Static, Type } from 'typebox';
import { ConversationTools, MAX_CONTENT_CHARS, MAX_FILES_PER_MESSAGE, MAX_ID_CHARS } from './api-schemas.js';

/** Folders, list filters and bulk actions on conversations (`GET|POST|PATCH|DELETE /api/folders`). */

/** Folders one user may have. */
export const MAX_FOLDERS = 100;
export const MAX_FOLDER_NAME_CHARS = 100;
/** Conversations one bulk action may name. */
export const MAX_BULK_IDS = 200;

const Id = Type.String({ minLength: 1, maxLength: MAX_ID_CHARS });
const FolderName = Type.String({ minLength: 1, maxLength: MAX_FOLDER_NAME_CHARS, pattern: '\\S' });

export const Folder = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type FolderDto = Static<typeof Folder>;

export const FolderList = Type.Object({ items: Type.Array(Folder) });

export const FolderBody = Type.Object({ name: FolderName }, { additionalProperties: false });

/** `GET /api/conversations`: a page, archived ones or the others (default), one folder or all. */
export const ConversationsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  archived: Type.Optional(Type.Boolean()),
  folderId: Type.Optional(Id),
});

export const BulkAction = Type.Union([
  Type.Literal('delete'),
  Type.Literal('archive'),
  Type.Literal('unarchive'),
  Type.Literal('move'),
]);

/** `POST /api/conversations/bulk`: `move` takes `folderId` (null: out of any folder). */
export const BulkBody = Type.Object(
  {
    ids: Type.Array(Id, { minItems: 1, maxItems: MAX_BULK_IDS }),
    action: BulkAction,
    folderId: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  { additionalProperties: false },
);
export type BulkInput = Static<typeof BulkBody>;

export const BulkResult = Type.Object({ action: BulkAction, count: Type.Integer() });

/**
 * `POST /api/conversations/start`: a new conversation and its first message at once. Nothing is
 * written unless the message is accepted (a refused send leaves no empty conversation).
 */
export const StartConversationBody = Type.Object(
  {
    content: Type.String({ maxLength: MAX_CONTENT_CHARS }),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    tools: Type.Optional(ConversationTools),
    files: Type.Optional(Type.Array(Id, { maxItems: MAX_FILES_PER_MESSAGE, uniqueItems: true })),
  },
  { additionalProperties: false },
);
