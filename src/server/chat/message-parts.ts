import type { FilePartDto, MessagePartDto } from '../../shared/message-parts.js';
import type { FileRow, MessageRow } from '../store/schema.js';

/**
 * A message's parts as stored: `messages.parts` holds them as JSON when the message has more
 * than text; NULL means one text part, the content (migration 010). The content column always
 * holds the plain text, so search, the seed routes and old clients never parse parts.
 */

export function partsOf(row: Pick<MessageRow, 'content' | 'parts'>): MessagePartDto[] {
  if (row.parts) return JSON.parse(row.parts) as MessagePartDto[];
  return row.content === '' ? [] : [{ type: 'text', text: row.content }];
}

/** The parts column for a message with these files (in order) and text: NULL for text alone. */
export function storedParts(files: readonly FileRow[], text: string): string | null {
  if (files.length === 0) return null;
  const parts: MessagePartDto[] = files.map(filePart);
  if (text !== '') parts.push({ type: 'text', text });
  return JSON.stringify(parts);
}

/** A reply's parts column: its text, then the files the model made; NULL for text alone. */
export function replyParts(text: string, files: readonly FilePartDto[]): string | null {
  if (files.length === 0) return null;
  const parts: MessagePartDto[] = text === '' ? [] : [{ type: 'text', text }];
  return JSON.stringify([...parts, ...files]);
}

export function filePart(file: FileRow): FilePartDto {
  return {
    type: 'file',
    fileId: file.id,
    mediaType: file.media_type,
    filename: file.name,
    size: Number(file.size),
    url: `/api/files/${file.id}`,
  };
}

/** Bound on a message's searchable attachment text (each document's text is bounded at upload too). */
const MAX_ATTACHMENT_TEXT_CHARS = 1_000_000;

/** What search finds a message by besides its text: its files' names and documents' text. */
export function attachmentText(files: readonly FileRow[]): string | null {
  if (files.length === 0) return null;
  const text = files
    .map((file) => (file.extracted_text ? `${file.name}\n${file.extracted_text}` : file.name))
    .join('\n');
  return text.slice(0, MAX_ATTACHMENT_TEXT_CHARS);
}

/** The ids of every file the rows' parts name, each once, in order of appearance. */
export function fileIdsOf(rows: readonly Pick<MessageRow, 'content' | 'parts'>[]): string[] {
  const ids = new Set<string>();
  for (const row of rows) {
    if (!row.parts) continue;
    for (const part of partsOf(row)) if (part.type === 'file') ids.add(part.fileId);
  }
  return [...ids];
}
