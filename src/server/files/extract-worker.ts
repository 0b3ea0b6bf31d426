import { parentPort } from 'node:worker_threads';
import mammoth from 'mammoth';
import { getResolvedPDFJS } from 'unpdf';
import { AppError } from '../errors.js';

/**
 * The worker thread that reads PDFs and Word documents (extract-pool.ts runs it). A hostile
 * document can keep pdf.js busy inside one step, or make it allocate without end: here that
 * stalls or kills this thread only, and the pool terminates it at its deadline. Nothing in this
 * file bounds time; everything that can be bounded by the document's own numbers (characters,
 * declared zip sizes) is.
 */

export interface ExtractRequest {
  id: number;
  kind: 'pdf' | 'docx';
  bytes: Uint8Array;
  /** Reading stops once this much text is had (the caller cuts at the same bound). */
  maxChars: number;
  /** What a .docx's parts may claim to expand to. */
  maxExpandedBytes: number;
}

export type ExtractReply =
  | { id: number; text: string }
  | { id: number; error: { code: AppError['code']; message: string } };

/** Sent once, when the worker has loaded its readers and takes jobs. */
export interface ExtractReady {
  ready: true;
}

const WHAT = { pdf: 'PDF', docx: 'Word document' } as const;

function unreadable(what: string, reason: string): AppError {
  return new AppError('bad_request', `Could not read this ${what}: ${reason}`);
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

async function pdfText(bytes: Uint8Array, maxChars: number): Promise<string> {
  const { getDocument } = await getResolvedPDFJS();
  const task = getDocument({
    data: bytes,
    // Never compile code from the document (CVE-2024-4367), and keep its warnings out of our logs.
    isEvalSupported: false,
    verbosity: 0,
  });
  try {
    const pdf = await task.promise;
    const pages: string[] = [];
    let length = 0;
    // Page by page, so a long document stops once the bound is reached.
    for (let n = 1; n <= pdf.numPages && length <= maxChars; n++) {
      const page = await pdf.getPage(n);
      const { items }: { items: PdfTextItem[] } = await page.getTextContent();
      const text = items.map((item) => (item.str ?? '') + (item.hasEOL ? '\n' : '')).join('');
      page.cleanup();
      pages.push(text);
      length += text.length + 2;
    }
    return pages.join('\n\n').trim();
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'PasswordException'
        ? 'it is protected by a password.'
        : reasonOf(error);
    throw unreadable(WHAT.pdf, reason);
  } finally {
    await task.destroy();
  }
}

async function docxText(bytes: Uint8Array, maxExpandedBytes: number): Promise<string> {
  assertZipExpandsWithin(bytes, maxExpandedBytes);
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const result = await mammoth.extractRawText({ buffer });
    return result.value.trim();
  } catch (error) {
    throw unreadable(WHAT.docx, reasonOf(error));
  }
}

/**
 * Sums the uncompressed sizes the zip's central directory declares. Sizes can lie, and then the
 * zip reader's own length check fails only after inflating (in this thread, under its memory
 * limit); this stops the common bombs, which tell the truth about their size.
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
  if (eocd === -1) throw unreadable(WHAT.docx, 'it is not a valid .docx (zip) file.');
  const entries = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  let total = 0;
  for (let i = 0; i < entries; i++) {
    if (at + 46 > bytes.byteLength || view.getUint32(at, true) !== 0x02014b50) {
      throw unreadable(WHAT.docx, 'its zip directory is damaged.');
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

async function answer(request: ExtractRequest): Promise<ExtractReply> {
  try {
    const text =
      request.kind === 'pdf'
        ? await pdfText(request.bytes, request.maxChars)
        : await docxText(request.bytes, request.maxExpandedBytes);
    return { id: request.id, text };
  } catch (error) {
    if (error instanceof AppError)
      return { id: request.id, error: { code: error.code, message: error.message } };
    return {
      id: request.id,
      error: {
        code: 'bad_request',
        message: `Could not read this ${WHAT[request.kind]}: ${reasonOf(error)}`,
      },
    };
  }
}

// One request at a time: the pool sends the next only after this one's reply.
parentPort?.on('message', (request: ExtractRequest) => {
  void answer(request).then((reply) => parentPort?.postMessage(reply));
});

// Load pdf.js before saying so: a job's deadline is for reading its document, not for starting a
// worker (which takes seconds on a busy machine). A failed load surfaces in the first PDF job.
void getResolvedPDFJS()
  .catch(() => undefined)
  .then(() => parentPort?.postMessage({ ready: true } satisfies ExtractReady));
