import { AppError } from '../errors.js';
import { type ExtractPool, extractPool } from './extract-pool.js';
import type { DetectedFile } from './file-type.js';

/**
 * The text of a document, for the model to read. Uploads are hostile input, so the work is
 * bounded: in characters (a model's context is finite, and so is our database row), in time and
 * in memory. PDFs and Word documents are read in worker threads (extract-pool.ts): past the
 * deadline the worker is terminated, whatever step it is in, and a document that needs more than
 * a worker's heap kills that worker only. The event loop never runs pdf.js or mammoth.
 */

export const MAX_EXTRACTED_CHARS = 200_000;
export const EXTRACT_TIMEOUT_MS = 20_000;
export const TRUNCATION_MARKER = `\n[… text cut at ${MAX_EXTRACTED_CHARS.toLocaleString('en-US')} characters]`;
/**
 * What the parts of a .docx may claim to expand to. A zip bomb of a few kilobytes would otherwise
 * be inflated into memory whole before mammoth reads a word of it.
 */
export const MAX_DOCX_EXPANDED_BYTES = 100 * 1024 * 1024;

export interface ExtractOptions {
  /** Defaults to EXTRACT_TIMEOUT_MS; tests pass a tiny value. */
  timeoutMs?: number;
  /** Defaults to the process's shared pool; tests pass a small one. */
  pool?: ExtractPool;
}

const WHAT = { pdf: 'PDF', docx: 'Word document' } as const;

/**
 * Throws AppError: 400 for a document that cannot be read (broken, password, too slow, too
 * big to hold), 413 for a .docx that declares a bomb, 503 when too many documents wait already.
 */
export async function extractText(
  bytes: Uint8Array,
  file: DetectedFile,
  options: ExtractOptions = {},
): Promise<string> {
  switch (file.kind) {
    case 'image':
      return '';
    case 'text':
      // The default decoder drops a leading BOM, which would otherwise reach the model as U+FEFF.
      return bound(new TextDecoder('utf-8').decode(bytes));
    case 'pdf':
    case 'docx':
      return bound(await inWorker(bytes, file.kind, options));
  }
}

async function inWorker(bytes: Uint8Array, kind: 'pdf' | 'docx', options: ExtractOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? EXTRACT_TIMEOUT_MS;
  const outcome = await (options.pool ?? extractPool()).run({
    kind,
    bytes,
    timeoutMs,
    maxChars: MAX_EXTRACTED_CHARS,
    maxExpandedBytes: MAX_DOCX_EXPANDED_BYTES,
  });
  if (outcome.ok) return outcome.text;
  if ('error' in outcome) throw outcome.error;
  throw new AppError(
    'bad_request',
    outcome.reason === 'timeout'
      ? `Could not read this ${WHAT[kind]}: it took longer than ${timeoutMs / 1000} seconds to read.`
      : `Could not read this ${WHAT[kind]}: it needs more memory to read than a document may use.`,
  );
}

/** Cut at the bound, never between the two halves of a surrogate pair. */
function bound(text: string): string {
  if (text.length <= MAX_EXTRACTED_CHARS) return text;
  let end = MAX_EXTRACTED_CHARS;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + TRUNCATION_MARKER;
}
