import type { FileInfoDto } from '../shared/message-parts.js';
import { csrfHeaders, request } from './api.js';

/** Uploading, showing and deleting attachments (`/api/files`). */

export type FileInfo = FileInfoDto;
/** As the server's MAX_FILES_PER_MESSAGE (a copy: importing the schemas would bundle TypeBox). */
export const MAX_FILES_PER_MESSAGE = 10;

/**
 * What the file picker offers: the types the server accepts (it decides from the bytes, so this
 * only spares the user picking a file that will be refused).
 */
export const ACCEPTED_FILES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  '.pdf',
  '.docx',
  'text/*',
  '.txt,.md,.markdown,.csv,.tsv,.json,.jsonl,.yaml,.yml,.toml,.ini,.xml,.html,.css,.log',
  '.js,.jsx,.mjs,.cjs,.ts,.tsx,.py,.rb,.go,.rs,.java,.kt,.c,.h,.cpp,.hpp,.cs,.php,.swift,.sh,.sql',
].join(',');

/** The server allows this many uploads of a user at a time (more are a 429), so we queue the rest. */
export const PARALLEL_UPLOADS = 3;

export const fileUrl = (id: string) => `/api/files/${encodeURIComponent(id)}`;
export const previewUrl = (id: string) => `${fileUrl(id)}/preview`;

export const isImageType = (mediaType: string) => /^image\/(png|jpe?g|gif|webp)$/i.test(mediaType);

const sizeFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** "820 B", "14.2 KB", "3.1 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${sizeFormat.format(bytes / 1024)} KB`;
  return `${sizeFormat.format(bytes / (1024 * 1024))} MB`;
}

/** A refused upload, with the server's own sentence (type refused, too large, quota, busy). */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface Upload {
  promise: Promise<FileInfo>;
  abort: () => void;
}

function refusal(xhr: XMLHttpRequest): UploadError {
  let text: string | undefined;
  try {
    text = (JSON.parse(xhr.responseText) as { error?: string }).error;
  } catch {}
  if (text) return new UploadError(text, xhr.status);
  if (xhr.status === 413) return new UploadError('This file is too large to upload.', 413);
  return new UploadError(`The upload failed (HTTP ${xhr.status}).`, xhr.status);
}

/**
 * Uploads one file. XMLHttpRequest rather than fetch: only it reports upload progress in every
 * browser. `x-parley-upload` is always sent: a server without login requires it (a custom header
 * is what a hostile page's plain form cannot send).
 */
export function uploadFile(file: File, onProgress: (fraction: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<FileInfo>((resolve, reject) => {
    xhr.open('POST', '/api/files');
    xhr.withCredentials = true;
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-parley-upload', '1');
    for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as FileInfo);
        } catch {
          reject(new UploadError('The server answered the upload with something unreadable.', xhr.status));
        }
      } else reject(refusal(xhr));
    };
    xhr.onerror = () => reject(new UploadError('The upload failed: the server cannot be reached.', 0));
    xhr.onabort = () => reject(new UploadError('The upload was cancelled.', 0));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

export const deleteFile = (id: string) => request<void>('DELETE', fileUrl(id));

/**
 * A small picture of an image being uploaded, as a data: URL (the page's CSP allows data: images
 * but not blob: object URLs). Undefined when the browser cannot decode it.
 */
export async function localThumbnail(file: File, size = 112): Promise<string | undefined> {
  if (!isImageType(file.type) || typeof createImageBitmap !== 'function') return undefined;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, size / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvas.toDataURL('image/png');
  } catch {
    return undefined;
  }
}
