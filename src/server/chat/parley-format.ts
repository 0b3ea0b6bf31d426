import { MAX_FILES_PER_MESSAGE } from '../../shared/api-schemas.js';
import {
  MAX_IMPORT_MESSAGE_PARTS,
  ParleyExport,
  type ParleyExportDto,
  ParleyExportFilePart,
  type ParleyExportMessageDto,
  ParleyExportTextPart,
} from '../../shared/export-schemas.js';
import {
  checkSchema,
  type EmbeddedFile,
  type ImportedConversation,
  type ImportedMessage,
  type ImportedPart,
  importError,
  isoTime,
  notIncludedNote,
} from './import-input.js';
import { orderParentsFirst } from './message-tree.js';

/**
 * Parley's own export format read back: the messages checked part by part, the tree ordered
 * parents first, and the files the export embeds matched to the parts that name them. The
 * ChatGPT format has its own file (chatgpt-format.ts); import.ts checks quotas and writes.
 */

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The files of a Parley export by id: the embedded ones (with their place in the file, for
 * errors) and every listed one's name (for the note of one that is not embedded).
 */
function exportFiles(file: ParleyExportDto): {
  embedded: Map<string, EmbeddedFile>;
  names: Map<string, string>;
} {
  const embedded = new Map<string, EmbeddedFile>();
  const names = new Map<string, string>();
  const first = new Map<string, number>();
  for (const [i, entry] of (file.files ?? []).entries()) {
    const seen = first.get(entry.id);
    if (seen !== undefined) throw importError(`files[${i}].id`, `repeats files[${seen}].id`);
    first.set(entry.id, i);
    names.set(entry.id, entry.name);
    if (entry.data !== undefined) {
      embedded.set(entry.id, { key: entry.id, path: `files[${i}]`, name: entry.name, data: entry.data });
    }
  }
  return { embedded, names };
}

/**
 * A message's parts: a file the export embeds stays a file part (re-pointed at the new file when
 * written); one it only references, or does not list, becomes a note where it was, and the note
 * goes into the text too (what people and search read). A file id is only ever looked up in the
 * export itself, never among the stored files of this or any user.
 */
function importedParts(
  m: ParleyExportMessageDto,
  index: number,
  files: ReturnType<typeof exportFiles>,
  used: Map<string, EmbeddedFile>,
): Pick<ImportedMessage, 'content' | 'parts'> {
  if (!m.parts) return { content: m.content };
  if (m.parts.filter((part) => part.type === 'file').length > MAX_FILES_PER_MESSAGE) {
    throw importError(`messages[${index}].parts`, `names more than ${MAX_FILES_PER_MESSAGE} files`);
  }
  const parts: ImportedPart[] = [];
  const notes: string[] = [];
  for (const part of m.parts) {
    if (part.type === 'text') {
      parts.push(part);
      continue;
    }
    const embedded = files.embedded.get(part.fileId);
    if (embedded) {
      used.set(part.fileId, embedded);
      parts.push({ type: 'file', fileKey: part.fileId });
      continue;
    }
    const name = files.names.get(part.fileId) ?? part.filename ?? 'file';
    const note = notIncludedNote(`file ${JSON.stringify(name)}`);
    notes.push(note);
    parts.push({ type: 'text', text: note });
  }
  const content = [notes.join('\n'), m.content].filter((text) => text !== '').join('\n\n');
  // Nothing left but text: a plain message, its text (with the notes) in content.
  return parts.some((part) => part.type === 'file') ? { content, parts } : { content };
}

export function fromParley(file: ParleyExportDto, now: string): ImportedConversation {
  const checked = orderParentsFirst(file.messages.map((m) => ({ key: m.id, parentKey: m.parentId })));
  if ('problem' in checked) {
    const { problem } = checked;
    if (problem.kind === 'duplicate') {
      throw importError(`messages[${problem.index}].id`, `repeats messages[${problem.firstIndex}].id`);
    }
    throw importError(
      `messages[${problem.index}].parentId`,
      problem.kind === 'cycle'
        ? 'makes a cycle (a message is its own ancestor)'
        : 'names a message that is not in the file',
    );
  }
  const { conversation } = file;
  const createdAt = isoTime(conversation.createdAt, now);
  const files = exportFiles(file);
  const used = new Map<string, EmbeddedFile>();
  const messages = checked.order.map((index) => {
    const m = file.messages[index] as ParleyExportMessageDto;
    return {
      key: m.id,
      parentKey: m.parentId,
      role: m.role,
      ...importedParts(m, index, files, used),
      // Nothing is running for an imported reply: one cut off mid-stream can be continued. A
      // reply that waited for an approval stays stopped: tools are never run on imported data.
      status:
        m.status === undefined
          ? 'complete'
          : m.status === 'streaming'
            ? 'interrupted'
            : m.status === 'waiting'
              ? 'stopped'
              : m.status,
      model: m.model ?? null,
      inputTokens: m.usage?.inputTokens ?? null,
      outputTokens: m.usage?.outputTokens ?? null,
      finishReason: m.finishReason ?? null,
      createdAt: isoTime(m.createdAt, createdAt),
    } satisfies ImportedMessage;
  });
  return {
    title: conversation.title?.trim() || null,
    model: conversation.model ?? null,
    systemPrompt: conversation.systemPrompt ?? null,
    temperature: conversation.temperature ?? null,
    maxOutputTokens: conversation.maxOutputTokens ?? null,
    createdAt,
    updatedAt: isoTime(conversation.updatedAt, createdAt),
    messages,
    // Only files a part names are checked and stored; the order is the file's.
    files: [...files.embedded.values()].filter((embedded) => used.has(embedded.key)),
  };
}

/**
 * A message of a Parley export; its parts one by one against the schema of their `type`, so a bad
 * file part is named as one (a union schema would report the text part's fields as missing).
 */
export function checkParleyMessage(message: unknown, root: string): void {
  const messageSchema = ParleyExport.properties.messages.items;
  if (!isObject(message) || !Array.isArray(message.parts)) {
    checkSchema(messageSchema, message, root);
    return;
  }
  checkSchema(messageSchema, { ...message, parts: [] }, root);
  if (message.parts.length > MAX_IMPORT_MESSAGE_PARTS) {
    throw importError(`${root}.parts`, `must have at most ${MAX_IMPORT_MESSAGE_PARTS} items`);
  }
  for (const [j, part] of message.parts.entries()) {
    const where = `${root}.parts[${j}]`;
    if (isObject(part) && part.type === 'file') checkSchema(ParleyExportFilePart, part, where);
    else if (isObject(part) && part.type === 'text') checkSchema(ParleyExportTextPart, part, where);
    else if (isObject(part)) throw importError(`${where}.type`, 'must be text or file');
    else throw importError(where, 'must be an object');
  }
}
