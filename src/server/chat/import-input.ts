import type { Static, TSchema } from 'typebox';
import { AppError } from '../errors.js';
import { extractText } from '../files/extract-text.js';
import { cleanFileName, type FileService } from '../files/file-service.js';
import { type DetectedFile, detectFile } from '../files/file-type.js';
import { imageInfo, thumbnail } from '../files/images.js';
import type { MessageStatus } from '../store/schema.js';

/**
 * What every import format is turned into before anything is written, and how a bad file is
 * reported: a 400 whose message names the place in the file (`messages[3].role`) and the problem.
 */

/** A part of an imported message: text, or a file embedded in the import (by its id there). */
export type ImportedPart = { type: 'text'; text: string } | { type: 'file'; fileKey: string };

/** A file embedded in an import, not yet checked: import checks it as it checks an upload. */
export interface EmbeddedFile {
  /** Its id in the file: only for linking parts; the stored file gets a new id. */
  key: string;
  /** Where it is in the file (`files[2]`), to name it when it is refused. */
  path: string;
  name: string;
  /** The bytes, base64. */
  data: string;
}

export interface ImportedMessage {
  /** The message's id in the file: only for linking parents; stored messages get new ids. */
  key: string;
  parentKey: string | null;
  role: 'user' | 'assistant';
  /** The text, with a note for each attachment that could not come along. */
  content: string;
  /** Set when the message carries embedded files; otherwise `content` is all of it. */
  parts?: ImportedPart[];
  status: MessageStatus;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  finishReason: string | null;
  createdAt: string;
}

export interface ImportedConversation {
  title: string | null;
  /** A model of this server; others fall back to the default model. */
  model: string | null;
  systemPrompt: string | null;
  /** Per-chat settings (Parley exports only); absent or null: the provider's default. */
  temperature?: number | null;
  maxOutputTokens?: number | null;
  createdAt: string;
  updatedAt: string;
  /** Parents before children; the last one is the leaf of the branch shown as current. */
  messages: ImportedMessage[];
  /** The embedded files the messages' parts name, each once. */
  files?: EmbeddedFile[];
}

/** What an attachment the file does not carry becomes: a line of text where it was. */
export function notIncludedNote(what: string): string {
  return `[${what} not included in the export]`;
}

export function importError(path: string, problem: string): AppError {
  return new AppError('validation_error', `Import refused: ${path ? `${path} ` : ''}${problem}.`);
}

/** JSON pointer (as in schema errors) → `messages[3].role`, below `root`. */
export function describePath(root: string, pointer: string): string {
  let path = root;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

interface SchemaIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function problemOf(issue: SchemaIssue, siblings: SchemaIssue[]): { where: string; problem: string } {
  const { keyword, params } = issue;
  if (keyword === 'required') {
    const missing = (params.requiredProperties as string[] | undefined)?.[0] ?? '?';
    return {
      where: `${issue.instancePath}/${missing.replaceAll('~', '~0').replaceAll('/', '~1')}`,
      problem: 'is missing',
    };
  }
  const where = issue.instancePath;
  if (keyword === 'type' || keyword === 'anyOf' || keyword === 'const') {
    // A union (such as "a string or null") reports each alternative: name them all.
    const wanted = siblings.flatMap((s) =>
      s.keyword === 'type'
        ? [ARTICLE[String(s.params.type)] ?? String(s.params.type)]
        : s.keyword === 'const'
          ? [JSON.stringify(s.params.allowedValue)]
          : [],
    );
    if (wanted.length > 0) return { where, problem: `must be ${orList([...new Set(wanted)])}` };
  }
  if (keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).map((v) => String(v));
    return { where, problem: `must be ${orList(allowed)}` };
  }
  if (keyword === 'maxLength') return { where, problem: `must be at most ${params.limit} characters long` };
  if (keyword === 'minLength') return { where, problem: 'must not be empty' };
  if (keyword === 'maxItems') return { where, problem: `must have at most ${params.limit} items` };
  if (keyword === 'minimum') return { where, problem: `must be at least ${params.minimum ?? params.limit}` };
  if (keyword === 'format') return { where, problem: 'must be an ISO 8601 date and time' };
  return { where, problem: issue.message };
}

// typebox/value takes about 150 ms to load, and only imports use it: it is loaded on the first one.
let Value: typeof import('typebox/value').Value | undefined;

/** Load what checkSchema needs; call (and await) before it. */
export async function loadSchemaChecker(): Promise<void> {
  Value ??= (await import('typebox/value')).Value;
}

/** Throw a 400 naming the first thing in `value` that does not fit `schema`. */
export function checkSchema<T extends TSchema>(
  schema: T,
  value: unknown,
  root: string,
): asserts value is Static<T> {
  if (!Value) throw new Error('checkSchema was called before loadSchemaChecker().');
  if (Value.Check(schema, value)) return;
  const issues = Value.Errors(schema, value) as unknown as SchemaIssue[];
  const first = issues[0];
  if (!first) throw importError(root, 'is not valid');
  const siblings = issues.filter((issue) => issue.instancePath === first.instancePath);
  const { where, problem } = problemOf(first, siblings);
  throw importError(describePath(root, where) || 'the file', problem);
}

/** An ISO timestamp from a file's date (ISO string or epoch seconds), else `fallback`. */
export function isoTime(value: string | number | null | undefined, fallback: string): string {
  if (value === null || value === undefined) return fallback;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? fallback : date.toISOString();
}

/** What checking an embedded file needs of the file service: its size limit and its 413. */
export type FileChecks = Pick<FileService, 'maxFileBytes' | 'tooLarge'>;

/** An embedded file that passed the checks an upload passes, with what its row needs. */
export interface CheckedFile {
  key: string;
  name: string;
  bytes: Uint8Array;
  detected: DetectedFile;
  image?: { width: number; height: number };
  preview?: { bytes: Uint8Array; mediaType: string };
  /** A document's text (null for an image), extracted once as at upload. */
  text: string | null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Check embedded files as uploads are checked (size, type from the bytes, images decodable,
 * documents readable), one by one. The first bad one refuses the import, named by its place in
 * the file and its name, with the check's own status (413, 415, 400).
 */
export async function checkEmbeddedFiles(
  files: readonly EmbeddedFile[],
  checks: FileChecks,
  slice: () => Promise<void>,
): Promise<CheckedFile[]> {
  const checked: CheckedFile[] = [];
  for (const file of files) {
    const name = cleanFileName(file.name);
    try {
      checked.push(await checkEmbeddedFile(file, name, checks));
    } catch (error) {
      throw refusedFile(file, name, error);
    }
    await slice();
  }
  return checked;
}

async function checkEmbeddedFile(file: EmbeddedFile, name: string, checks: FileChecks): Promise<CheckedFile> {
  // Sized before decoding: base64 takes 4 characters for every 3 bytes.
  if (Math.floor((file.data.length * 3) / 4) - 2 > checks.maxFileBytes) throw checks.tooLarge();
  if (file.data.length % 4 !== 0 || !BASE64.test(file.data)) {
    throw new AppError('validation_error', 'its data is not valid base64.');
  }
  const bytes = new Uint8Array(Buffer.from(file.data, 'base64'));
  if (bytes.byteLength > checks.maxFileBytes) throw checks.tooLarge();
  const detected = await detectFile(bytes, name);
  if (detected.kind === 'image') {
    const image = await imageInfo(bytes);
    return { key: file.key, name, bytes, detected, image, preview: await thumbnail(bytes), text: null };
  }
  return { key: file.key, name, bytes, detected, text: await extractText(bytes, detected) };
}

function refusedFile(file: EmbeddedFile, name: string, error: unknown): unknown {
  // A busy server (503) or a fault of ours is not the file's doing: passed on as it is.
  if (!(error instanceof AppError) || !error.exposed) return error;
  return new AppError(
    error.code,
    `Import refused: ${file.path} (${JSON.stringify(name)}): ${error.message}`,
    {
      cause: error,
      retryAfterSeconds: error.retryAfterSeconds,
    },
  );
}
