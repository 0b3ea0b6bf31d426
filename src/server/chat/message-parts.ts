import type { ContentPartDto, FilePartDto, MessagePartDto } from '../../shared/message-parts.js';
import type { FileRow, MessageRow } from '../store/schema.js';

/**
 * A message's parts as stored: `messages.parts` holds them as JSON when the message has more
 * than text; NULL means one text part, the content (migration 010). The content column always
 * holds the plain text, so search, the seed routes and old clients never parse parts.
 */

/** Every part of a message, as the API shows it: a reply's reasoning first, then its content. */
export function messagePartsOf(row: Pick<MessageRow, 'content' | 'parts'>): MessagePartDto[] {
  if (row.parts) return JSON.parse(row.parts) as MessagePartDto[];
  return row.content === '' ? [] : [{ type: 'text', text: row.content }];
}

/**
 * A message's content parts: text and files, without reasoning, steps or tool calls. What a
 * prompt of later turns and an export read (a reply's own tool steps: chat/reply-prompt.ts).
 */
export function partsOf(row: Pick<MessageRow, 'content' | 'parts'>): ContentPartDto[] {
  return messagePartsOf(row).filter(
    (part): part is ContentPartDto => part.type === 'text' || part.type === 'file',
  );
}

/** The parts column for a message with these files (in order) and text: NULL for text alone. */
export function storedParts(files: readonly FileRow[], text: string): string | null {
  if (files.length === 0) return null;
  const parts: MessagePartDto[] = files.map(filePart);
  if (text !== '') parts.push({ type: 'text', text });
  return JSON.stringify(parts);
}

/**
 * Bound on a reply's stored reasoning: a model may think for far longer than it answers, and the
 * row is read with every page of the conversation.
 */
export const MAX_REASONING_CHARS = 100_000;

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
