import {
  ChatGptConversation,
  type ChatGptConversationDto,
  type ImportResultDto,
  MAX_IMPORT_CONVERSATIONS,
  MAX_IMPORT_MESSAGES,
  MAX_IMPORT_NODES,
  PARLEY_EXPORT_FORMAT,
  ParleyExport,
  type ParleyExportDto,
} from '../../shared/export-schemas.js';
import type { MessagePartDto } from '../../shared/message-parts.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import { AppError } from '../errors.js';
import type { FileService } from '../files/file-service.js';
import { newId } from '../ids.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Data } from '../store/repositories.js';
import type { ConversationRow, FileRow, NewConversation, NewMessage } from '../store/schema.js';
import { fromChatGpt } from './chatgpt-format.js';
import {
  type CheckedFile,
  checkEmbeddedFiles,
  checkSchema,
  describePath,
  type FileChecks,
  type ImportedConversation,
  type ImportedMessage,
  importError,
  loadSchemaChecker,
} from './import-input.js';
import { attachmentText, filePart } from './message-parts.js';
import { checkParleyMessage, fromParley, isObject } from './parley-format.js';
import { conversationDto } from './serialize.js';
import { timeSlicer } from './time-slice.js';

/**
 * Import conversations from a file: Parley's own export, or ChatGPT's `conversations.json` (all
 * conversations, or one of them). Ids in the file only link messages to their parents; stored
 * rows get new ids.
 *
 * The whole file is checked before anything is written, so a bad file leaves no trace. Every
 * loop over the file runs in time slices (time-slice.ts) and the rows are written in short
 * transactions of at most WRITE_BATCH_ROWS rows, so a 20 MB import never holds the event loop
 * (or, on SQLite, the one connection) for long; should a write fail part way, the conversations
 * written so far are deleted again. Until the import ends its conversations are visible only to
 * their owner (no event announces them before). The file's bytes count against the user's
 * storage quota: an import that would pass it is refused before anything is written.
 */

export interface ImportDeps {
  store: Data;
  models: ModelRegistry;
  bus: EventBus;
  /** Bytes the user may keep (STORAGE_QUOTA_MB); unset: no quota (store-level tests). */
  storageQuotaBytes?: number;
  /** Where embedded files are checked (MAX_FILE_MB) and their bytes stored: the FileService. */
  files: FileChecks & Pick<FileService, 'blobs'>;
}

/**
 * One write transaction takes at most this many rows or this much text, whichever comes first:
 * indexing text for search costs about 0.15 ms per KB, so a batch holds the loop (and on SQLite
 * the connection) for some 15 ms, and the import yields after each one.
 */
const WRITE_BATCH_ROWS = 250;
const WRITE_BATCH_CHARS = 100_000;

/** PostgreSQL text cannot hold NUL, and no chat text means one: drop it rather than fail late. */
const withoutNul = (text: string) => text.replaceAll('\u0000', '');
const maybeWithoutNul = (text: string | null) => (text === null ? null : withoutNul(text));

function countNodes(conversations: unknown[]): number {
  return conversations.reduce<number>(
    (sum, c) => sum + (isObject(c) && isObject(c.mapping) ? Object.keys(c.mapping).length : 0),
    0,
  );
}

/** Check a file and turn it into conversations to write; throws a 400 naming the first problem. */
export async function parseImport(
  body: unknown,
  now: string,
  slice: () => Promise<void> = timeSlicer(),
): Promise<ImportedConversation[]> {
  let conversations: ImportedConversation[];
  // Sizes first: a huge file is refused before the schema walks all of it.
  if (Array.isArray(body)) {
    if (body.length === 0) throw importError('the file', 'contains no conversations');
    if (body.length > MAX_IMPORT_CONVERSATIONS) {
      throw importError(
        'the file',
        `has ${body.length} conversations; at most ${MAX_IMPORT_CONVERSATIONS} can be imported at once: split it`,
      );
    }
    if (countNodes(body) > MAX_IMPORT_NODES) {
      throw importError('the file', `has more than ${MAX_IMPORT_NODES} message nodes: split it`);
    }
    // Conversation by conversation (the same checks as ChatGptExport as a whole), in slices.
    for (const [i, conversation] of body.entries()) {
      await checkChatGptConversation(conversation, `conversations[${i}]`, slice);
    }
    conversations = [];
    for (const [i, conversation] of (body as ChatGptConversationDto[]).entries()) {
      conversations.push(fromChatGpt(conversation, `conversations[${i}]`, now));
      await slice();
    }
  } else if (isObject(body) && 'mapping' in body) {
    if (countNodes([body]) > MAX_IMPORT_NODES) {
      throw importError('the file', `has more than ${MAX_IMPORT_NODES} message nodes: split it`);
    }
    await checkChatGptConversation(body, '', slice);
    conversations = [fromChatGpt(body as ChatGptConversationDto, '', now)];
  } else if (isObject(body) && 'format' in body) {
    if (body.format !== PARLEY_EXPORT_FORMAT) {
      throw importError('format', `must be "${PARLEY_EXPORT_FORMAT}"`);
    }
    if (Array.isArray(body.messages) && body.messages.length > MAX_IMPORT_MESSAGES) {
      throw importError(
        'messages',
        `has ${body.messages.length} items; at most ${MAX_IMPORT_MESSAGES} can be imported`,
      );
    }
    // The envelope first, then the messages one by one, in slices.
    const messages = body.messages;
    checkSchema(ParleyExport, Array.isArray(messages) ? { ...body, messages: [] } : body, '');
    for (const [i, message] of (messages as unknown[]).entries()) {
      checkParleyMessage(message, `messages[${i}]`);
      await slice();
    }
    conversations = [fromParley(body as ParleyExportDto, now)];
  } else {
    throw importError(
      'the file',
      `is neither a Parley export ("format": "${PARLEY_EXPORT_FORMAT}") nor ChatGPT's conversations.json`,
    );
  }
  const total = conversations.reduce((sum, c) => sum + c.messages.length, 0);
  if (total > MAX_IMPORT_MESSAGES) {
    throw importError(
      'the file',
      `has ${total} messages; at most ${MAX_IMPORT_MESSAGES} can be imported at once: split it`,
    );
  }
  return conversations;
}

/**
 * ChatGptConversation's checks, node by node (a conversation may hold most of a 20 MB file): the
 * conversation without its mapping, then the mapping's shape, then each node.
 */
async function checkChatGptConversation(
  value: unknown,
  root: string,
  slice: () => Promise<void>,
): Promise<void> {
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

/**
 * UTF-8 bytes the conversations will take, counted as migration 008's triggers count them, and
 * the sizes of their files (migration 010's).
 */
function importBytes(conversations: ImportedConversation[], files: readonly CheckedFile[]): number {
  let bytes = 0;
  for (const c of conversations) {
    bytes +=
      Buffer.byteLength(withoutNul(c.title ?? '')) + Buffer.byteLength(withoutNul(c.systemPrompt ?? ''));
    for (const m of c.messages) bytes += Buffer.byteLength(withoutNul(m.content));
  }
  for (const file of files) bytes += file.bytes.byteLength;
  return bytes;
}

const megabytes = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024))} MB`;

function quotaRefusal(needed: number, stored: number, quota: number): AppError {
  return new AppError(
    'storage_quota_exceeded',
    `Import refused: it needs ${megabytes(needed)} and ${megabytes(Math.max(quota - stored, 0))} of your ${megabytes(quota)} storage is free. Delete conversations or files, or import fewer.`,
  );
}

/** A checked file's row: the importer's, new ids and keys, tied to no conversation yet. */
function newFileRow(userId: string, file: CheckedFile, createdAt: string): FileRow {
  const id = newId();
  return {
    id,
    user_id: userId,
    conversation_id: null,
    name: file.name,
    media_type: file.detected.mediaType,
    kind: file.detected.kind,
    size: file.bytes.byteLength,
    blob_key: `files/${id}`,
    preview_key: file.preview ? `previews/${id}` : null,
    width: file.image?.width ?? null,
    height: file.image?.height ?? null,
    extracted_text: maybeWithoutNul(file.text),
    created_at: createdAt,
  };
}

/**
 * Store one file as an upload is stored: the row first, with the quota claimed atomically, then
 * the bytes. Until its conversation is written the row is tied to none, so should this import
 * die half way the sweeper expires it like any orphan upload.
 */
async function storeFile(deps: ImportDeps, file: CheckedFile, row: FileRow, needed: number): Promise<void> {
  const quota = deps.storageQuotaBytes ?? Number.POSITIVE_INFINITY;
  if (!(await deps.store.repos.files.insertFileWithinQuota(row, quota))) {
    const stored = await deps.store.repos.storage.storedBytes(row.user_id);
    throw quotaRefusal(needed, stored, quota);
  }
  try {
    await deps.files.blobs.put(row.blob_key, file.bytes, row.media_type);
    if (file.preview && row.preview_key) {
      await deps.files.blobs.put(row.preview_key, file.preview.bytes, file.preview.mediaType);
    }
  } catch (error) {
    throw new AppError('unavailable', 'The import could not store its files; try again shortly.', {
      cause: error,
      retryAfterSeconds: 5,
    });
  }
}

/** A message's stored parts and search text, its files re-pointed at their new rows. */
function storedImportParts(
  m: ImportedMessage,
  files: ReadonlyMap<string, FileRow>,
): Pick<NewMessage, 'parts' | 'attachment_text'> {
  if (!m.parts) return { parts: null, attachment_text: null };
  const rows: FileRow[] = [];
  const parts = m.parts.map((part): MessagePartDto => {
    if (part.type === 'text') return { type: 'text', text: withoutNul(part.text) };
    // Every file part names a checked file (fromParley keeps only those as files).
    const row = files.get(part.fileKey) as FileRow;
    rows.push(row);
    return filePart(row);
  });
  return { parts: JSON.stringify(parts), attachment_text: attachmentText(rows) };
}

/**
 * Import a file for `userId`: all of it or (on any problem) nothing. The caller admits one
 * import per user at a time (import-gate.ts), which is what makes the quota check hold.
 * Embedded files are checked like uploads before anything is written, stored as new files of
 * the importer, and tied to their conversation in the transaction that writes it.
 */
export async function importConversations(
  deps: ImportDeps,
  userId: string,
  body: unknown,
): Promise<ImportResultDto> {
  const now = new Date().toISOString();
  const slice = timeSlicer();
  await loadSchemaChecker();
  const conversations = await parseImport(body, now, slice);
  const checkedFiles: CheckedFile[][] = [];
  for (const conversation of conversations) {
    checkedFiles.push(await checkEmbeddedFiles(conversation.files ?? [], deps.files, slice));
  }
  const needed = importBytes(conversations, checkedFiles.flat());
  if (deps.storageQuotaBytes !== undefined) {
    const stored = await deps.store.repos.storage.storedBytes(userId);
    if (stored + needed > deps.storageQuotaBytes) throw quotaRefusal(needed, stored, deps.storageQuotaBytes);
  }

  const written: { row: ConversationRow; messages: number }[] = [];
  const storedFiles: string[] = [];
  /** The new file ids of each conversation, tied to it when it is written. */
  const filesOf = new Map<string, string[]>();
  let batch: { conversations: NewConversation[]; messages: NewMessage[] } = {
    conversations: [],
    messages: [],
  };
  const flush = async () => {
    const { conversations: rows, messages } = batch;
    batch = { conversations: [], messages: [] };
    batchChars = 0;
    if (rows.length === 0 && messages.length === 0) return;
    await deps.store.transaction(async (trx) => {
      // Conversations first: a batch's messages belong to them or to ones written before.
      for (const row of rows) {
        await trx.conversations.insertConversation(row);
        await trx.files.attachFiles(userId, row.id, filesOf.get(row.id) ?? []);
      }
      await trx.transfer.insertMessages(messages);
    });
    // The transaction held the loop for most of a slice on its own.
    await slice.yield();
  };
  let batchChars = 0;
  const full = () =>
    batch.conversations.length + batch.messages.length >= WRITE_BATCH_ROWS || batchChars >= WRITE_BATCH_CHARS;

  try {
    for (const [index, conversation] of conversations.entries()) {
      const newConversation: NewConversation = {
        id: newId(),
        user_id: userId,
        title: maybeWithoutNul(conversation.title),
        model:
          conversation.model && deps.models.has(conversation.model)
            ? conversation.model
            : deps.models.defaultModel,
        system_prompt: maybeWithoutNul(conversation.systemPrompt),
        temperature: conversation.temperature ?? null,
        max_output_tokens: conversation.maxOutputTokens ?? null,
        is_default: 0,
        created_at: conversation.createdAt,
        updated_at: conversation.updatedAt,
      };
      // Its files first, so the messages can name their new ids.
      const files = new Map<string, FileRow>();
      for (const file of checkedFiles[index] ?? []) {
        const row = newFileRow(userId, file, now);
        storedFiles.push(row.id);
        await storeFile(deps, file, row, needed);
        files.set(file.key, row);
        await slice();
      }
      filesOf.set(
        newConversation.id,
        [...files.values()].map((row) => row.id),
      );
      batch.conversations.push(newConversation);
      written.push({
        row: {
          ...newConversation,
          title: newConversation.title ?? null,
          system_prompt: newConversation.system_prompt ?? null,
          temperature: newConversation.temperature ?? null,
          max_output_tokens: newConversation.max_output_tokens ?? null,
          tools: null,
          is_default: 0,
          folder_id: null,
          pinned: 0,
          archived: 0,
        },
        messages: conversation.messages.length,
      });
      // Parents come first, so a parent's new id is known when its children are mapped.
      const ids = new Map<string, string>();
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
          ...storedImportParts(m, files),
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
        if (full()) await flush();
      }
    }
    await flush();
  } catch (error) {
    // Take back what was written: the messages (and tied files) go with their conversations,
    // and files not tied yet one by one; their bytes are queued for the sweeper by trigger.
    // Should that fail too, the write's own error is the one to report.
    await deps.store.repos.transfer
      .deleteConversations(
        userId,
        written.map(({ row }) => row.id),
      )
      .catch(() => {});
    for (const id of storedFiles) await deps.store.repos.files.deleteFile(userId, id).catch(() => false);
    throw error;
  }
  for (const { row } of written) {
    deps.bus.publish(userId, { type: 'conversation.created', conversation: conversationDto(row, null) });
  }
  return { imported: written.map(({ row, messages }) => ({ id: row.id, title: row.title, messages })) };
}
