import {
  type ExportFilesMode,
  MAX_IMPORT_BODY_BYTES,
  PARLEY_EXPORT_FORMAT,
  PARLEY_EXPORT_VERSION,
  type ParleyExportDto,
  type ParleyExportFileDto,
  type ParleyExportPartDto,
} from '../../shared/export-schemas.js';
import type { FileService } from '../files/file-service.js';
import type { Data } from '../store/repositories.js';
import type { ConversationRow, FileRow, MessageRow } from '../store/schema.js';
import { type AccessPolicy, ownerOnly, requireConversation } from './access.js';
import { fileIdsOf, partsOf } from './message-parts.js';

/**
 * Export one of the user's conversations: JSON in Parley's own format (the whole message tree,
 * every branch, readable by import) or a Markdown transcript of the current branch for people.
 *
 * A JSON export carries each message's parts and lists the files they name. By default a file's
 * bytes are embedded (base64) as long as the whole export stays within what import accepts
 * (MAX_IMPORT_BODY_BYTES), so every export can be imported again; a file beyond that, or every
 * file with `files: 'reference'`, is listed by id, name, type and size only.
 */

export type ExportFormat = 'json' | 'markdown';

/** Where an export reads attachments: the conversation's file rows and their bytes. */
export type ExportFileSource = Pick<FileService, 'filesOf' | 'blobs'>;

export interface ExportOptions {
  /** Without it (store-level tests) parts are exported but no file is listed. */
  files?: ExportFileSource;
  /** JSON only; default `embed`. */
  filesMode?: ExportFilesMode;
}

/** Room left in an import body for what an estimate of the rest may miss (keys, indentation). */
const EMBED_MARGIN_BYTES = 64 * 1024;

export interface ExportFile {
  /** A file name without extension, from the title; see `fileName`. */
  title: string;
  extension: 'json' | 'md';
  contentType: string;
  body: string;
}

/** A stored part as exported: a file part without its server path. */
function exportPart(part: ReturnType<typeof partsOf>[number]): ParleyExportPartDto {
  if (part.type === 'text') return { type: 'text', text: part.text };
  return {
    type: 'file',
    fileId: part.fileId,
    mediaType: part.mediaType,
    filename: part.filename,
    size: part.size,
  };
}

export function toParleyExport(
  conversation: ConversationRow,
  messages: MessageRow[],
  exportedAt: string,
  files: ParleyExportFileDto[] = [],
): ParleyExportDto {
  // The format (like the chat) has user and assistant turns only; should a system message ever
  // sit in the tree, its children hang from its parent instead, so the file still imports.
  const systemParent = new Map(messages.filter((m) => m.role === 'system').map((m) => [m.id, m.parent_id]));
  const parentOf = (m: MessageRow) => {
    let parent = m.parent_id;
    for (let hops = 0; parent !== null && systemParent.has(parent) && hops < messages.length; hops++) {
      parent = systemParent.get(parent) ?? null;
    }
    return parent;
  };
  return {
    format: PARLEY_EXPORT_FORMAT,
    version: PARLEY_EXPORT_VERSION,
    exportedAt,
    conversation: {
      id: conversation.id,
      title: conversation.title,
      model: conversation.model,
      systemPrompt: conversation.system_prompt,
      temperature: conversation.temperature ?? null,
      maxOutputTokens: conversation.max_output_tokens ?? null,
      createdAt: conversation.created_at,
      updatedAt: conversation.updated_at,
    },
    messages: messages
      .filter((m): m is MessageRow & { role: 'user' | 'assistant' } => m.role !== 'system')
      .map((m) => ({
        id: m.id,
        parentId: parentOf(m),
        role: m.role,
        content: m.content,
        status: m.status,
        model: m.model,
        usage: { inputTokens: m.input_tokens, outputTokens: m.output_tokens },
        finishReason: m.finish_reason,
        createdAt: m.created_at,
        // Text-only messages keep the old shape: their text is `content`.
        ...(m.parts ? { parts: partsOf(m).map(exportPart) } : {}),
      })),
    ...(files.length > 0 ? { files } : {}),
  };
}

const reference = (row: FileRow): ParleyExportFileDto => ({
  id: row.id,
  name: row.name,
  mediaType: row.media_type,
  size: Number(row.size),
});

const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

/**
 * The export of a conversation with its files: referenced first, to learn how large the rest of
 * the export is, then embedded one by one (in order of first mention) while the whole still fits
 * an import body. A file whose bytes are gone stays referenced.
 */
async function parleyExportWithFiles(
  conversation: ConversationRow,
  messages: MessageRow[],
  exportedAt: string,
  options: ExportOptions,
): Promise<ParleyExportDto> {
  const ids = fileIdsOf(messages);
  if (!options.files || ids.length === 0) return toParleyExport(conversation, messages, exportedAt);
  // Only files tied to this conversation: a part can never reach another conversation's file.
  const rows = await options.files.filesOf(conversation.id, ids);
  const files = ids.flatMap((id) => {
    const row = rows.get(id);
    return row ? [reference(row)] : [];
  });
  const referenced = toParleyExport(conversation, messages, exportedAt, files);
  if (options.filesMode === 'reference') return referenced;
  let room =
    MAX_IMPORT_BODY_BYTES - Buffer.byteLength(JSON.stringify(referenced, null, 2)) - EMBED_MARGIN_BYTES;
  for (const file of files) {
    const row = rows.get(file.id) as FileRow;
    const needed = base64Length(Number(row.size)) + 16;
    if (needed > room) continue;
    const bytes = await options.files.blobs.get(row.blob_key);
    if (!bytes) continue;
    file.data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    room -= needed;
  }
  return referenced;
}

const STATUS_NOTES: Partial<Record<MessageRow['status'], string>> = {
  streaming: '_(Still being written when this was exported.)_',
  interrupted: '_(This reply was cut off.)_',
  stopped: '_(Stopped before the end.)_',
  error: '_(This reply failed.)_',
  waiting: '_(Waiting for a tool call to be approved.)_',
};

const readableTime = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
/** Text outside a fence (title, model): HTML in it is shown, never interpreted. */
const escapeHtml = (text: string) =>
  text.replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'));

/** A file name as plain text in Markdown: no character of it can start a link, emphasis or tag. */
const inlineText = (text: string) => escapeHtml(oneLine(text)).replace(/[\\`*_{}[\]()#+\-.!|~]/g, '\\$&');

const readableSize = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${Math.round(bytes / 1024)} KB`
      : `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** The files of a message, one list item each, by name (the bytes are only in a JSON export). */
function attachmentLines(message: MessageRow): string[] {
  return partsOf(message).flatMap((part) =>
    part.type === 'file'
      ? [
          `- ${inlineText(part.filename) || 'file'} (${inlineText(part.mediaType)}, ${readableSize(part.size)})`,
        ]
      : [],
  );
}

/**
 * `text` verbatim in a fenced block. The fence is longer than any run of backticks inside, so
 * nothing in the text can close it: a line `## User` stays text, not a forged heading, and raw
 * HTML is shown as code in every renderer, never run.
 */
export function fenced(text: string): string {
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${text}\n${fence}`;
}

/**
 * A transcript of one branch (root first): a title, then a heading per message and its text in a
 * fence (see `fenced`): the headings are the only markdown structure, and only ours.
 */
export function toMarkdown(conversation: ConversationRow, branch: MessageRow[], exportedAt: string): string {
  const lines = [
    `# ${escapeHtml(oneLine(conversation.title ?? '')) || 'Untitled conversation'}`,
    '',
    `Exported from Parley on ${readableTime(exportedAt)} · model ${escapeHtml(oneLine(conversation.model))}`,
    '',
  ];
  if (conversation.system_prompt) {
    lines.push('**System prompt:**', '', fenced(conversation.system_prompt), '');
  }
  const settings = [
    conversation.temperature != null ? `temperature ${conversation.temperature}` : '',
    conversation.max_output_tokens != null ? `max output tokens ${conversation.max_output_tokens}` : '',
  ].filter(Boolean);
  if (settings.length > 0) lines.push(`**Settings:** ${settings.join(' · ')}`, '');
  for (const message of branch) {
    const who =
      message.role === 'user'
        ? 'User'
        : message.role === 'assistant'
          ? `Assistant${message.model ? ` (${escapeHtml(oneLine(message.model))})` : ''}`
          : 'System';
    lines.push('---', '', `## ${who}`, '', `_${readableTime(message.created_at)}_`, '');
    const attachments = message.parts ? attachmentLines(message) : [];
    // A message of files alone has no text to fence.
    if (message.content !== '' || attachments.length === 0) lines.push(fenced(message.content), '');
    if (attachments.length > 0) lines.push('**Attachments:**', '', ...attachments, '');
    const note = STATUS_NOTES[message.status];
    if (note) lines.push(note, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** A file name from a title that is safe in a header and on every file system. */
export function fileBaseName(title: string | null): string {
  const name = (title ?? '')
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}"\\/:*?<>|]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 80)
    .trim();
  return name || 'conversation';
}

/** Export is a read: whoever the policy lets read the conversation may export it. */
export async function exportConversation(
  store: Data,
  userId: string,
  conversationId: string,
  format: ExportFormat,
  policy: AccessPolicy = ownerOnly,
  options: ExportOptions = {},
): Promise<ExportFile> {
  const conversation = await requireConversation(store.repos, policy, userId, conversationId, 'read');
  const exportedAt = new Date().toISOString();
  const title = fileBaseName(conversation.title);
  if (format === 'json') {
    const messages = await store.repos.transfer.conversationMessages(conversation.id);
    const file = await parleyExportWithFiles(conversation, messages, exportedAt, options);
    return {
      title,
      extension: 'json',
      contentType: 'application/json; charset=utf-8',
      body: `${JSON.stringify(file, null, 2)}\n`,
    };
  }
  // The current branch ends at the newest message, as in the chat view.
  const leaf = await store.repos.messages.newestMessage(conversation.id);
  const branch = leaf ? await store.repos.messages.branchTo(leaf.id) : [];
  return {
    title,
    extension: 'md',
    contentType: 'text/markdown; charset=utf-8',
    body: toMarkdown(conversation, branch, exportedAt),
  };
}
