import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import mammoth from 'mammoth';
import { getResolvedPDFJS } from 'unpdf';
import { AppError } from '../src/server/errors.js';
import type { DetectedFile } from '../src/server/files/file-type.js';

/**
 * The text of a document, for the model to read. Uploads are hostile input, so the work is
 * bounded twice: in characters (a model's context is finite, and so is our database row) and in
 * time (a crafted PDF must not hold a request, or the event loop, for minutes).
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
}

export async function extractText(
  bytes: Uint8Array,
  file: DetectedFile,
  options: ExtractOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? EXTRACT_TIMEOUT_MS;
  switch (file.kind) {
    case 'image':
      return '';
    case 'text':
      // The default decoder drops a leading BOM, which would otherwise reach the model as U+FEFF.
      return bound(new TextDecoder('utf-8').decode(bytes));
    case 'pdf':
      return bound(await withTimeout('PDF', timeoutMs, (signal) => pdfText(bytes, signal)));
    case 'docx':
      return bound(await withTimeout('Word document', timeoutMs, () => docxText(bytes)));
  }
}

/** Cut at the bound, never between the two halves of a surrogate pair. */
function bound(text: string): string {
  if (text.length <= MAX_EXTRACTED_CHARS) return text;
  let end = MAX_EXTRACTED_CHARS;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + TRUNCATION_MARKER;
}

function unreadable(what: string, reason: string, cause?: unknown): AppError {
  return new AppError('bad_request', `Could not read this ${what}: ${reason}`, { cause });
}

/**
 * Gives up after `ms`. The work is told through the signal so it can stop between pages, but one
 * long step inside a page (pdf.js runs in this thread) cannot be interrupted: the bound holds
 * between steps, not within them.
 */
async function withTimeout<T>(
  what: string,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(unreadable(what, `it took longer than ${ms / 1000} seconds to read.`));
    }, ms);
  });
  const running = work(controller.signal);
  // After a timeout nobody awaits the work any more; its late failure must not be unhandled.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || 'unknown error';
}

/**
 * The part of pdf.js's text items we read. Declared here because, through unpdf's bundled
 * declarations, the items reach us untyped (implicitly any).
 */
interface PdfTextItem {
  /** Missing on marked-content items. */
  str?: string;
  hasEOL?: boolean;
}

async function pdfText(bytes: Uint8Array, signal: AbortSignal): Promise<string> {
  const { getDocument } = await getResolvedPDFJS();
  const task = getDocument({
    // pdf.js may take over (detach) the buffer it is given; the caller still needs its bytes.
    data: bytes.slice(),
    // Never compile code from the document (CVE-2024-4367), and keep its warnings out of our logs.
    isEvalSupported: false,
    verbosity: 0,
  });
  const stop = () => void task.destroy();
  signal.addEventListener('abort', stop, { once: true });
  try {
    const pdf = await task.promise;
    const pages: string[] = [];
    let length = 0;
    // Page by page, so a long document stops once the bound is reached or the time is up.
    for (let n = 1; n <= pdf.numPages && length <= MAX_EXTRACTED_CHARS; n++) {
      // pdf.js (without a worker) chains only promises, which starve timers: the timeout could
      // never fire. Yielding to the event loop between pages lets it, and lets other requests run.
      await yieldToEventLoop();
      if (signal.aborted) break;
      const page = await pdf.getPage(n);
      const { items }: { items: PdfTextItem[] } = await page.getTextContent();
      const text = items.map((item) => (item.str ?? '') + (item.hasEOL ? '\n' : '')).join('');
      page.cleanup();
      pages.push(text);
      length += text.length + 2;
    }
    return pages.join('\n\n').trim();
  } catch (error) {
    if (signal.aborted) throw error;
    const reason =
      error instanceof Error && error.name === 'PasswordException'
        ? 'it is protected by a password.'
        : reasonOf(error);
    throw unreadable('PDF', reason, error);
  } finally {
    signal.removeEventListener('abort', stop);
    await task.destroy();
  }
}

async function docxText(bytes: Uint8Array): Promise<string> {
  assertZipExpandsWithin(bytes, MAX_DOCX_EXPANDED_BYTES);
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const result = await mammoth.extractRawText({ buffer });
    return result.value.trim();
  } catch (error) {
    throw unreadable('Word document', reasonOf(error), error);
  }
}

/**
 * Sums the uncompressed sizes the zip's central directory declares. Sizes can lie, and then the
 * zip reader's own length check fails only after inflating; this stops the common bombs, which
 * tell the truth about their size.
 */
function assertZipExpandsWithin(bytes: Uint8Array, limit: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record: 22 bytes plus a comment of up to 65,535.
  let eocd = -1;
  for (let at = bytes.byteLength - 22; at >= Math.max(0, bytes.byteLength - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd === -1) throw unreadable('Word document', 'it is not a valid .docx (zip) file.');
  const entries = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > bytes.byteLength || view.getUint32(at, true) !== 0x02014b50) {
      throw unreadable('Word document', 'its zip directory is damaged.');
    }
    // 0xffffffff means the size is in a ZIP64 field: far beyond any document we accept anyway.
    total += view.getUint32(at + 24, true);
    if (total > limit) {
      throw new AppError(
        'payload_too_large',
        `This Word document expands to more than ${limit / 1024 / 1024} MB and is not read.`,
      );
    }
    at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
}
