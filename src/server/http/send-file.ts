import type { FastifyReply } from 'fastify';
import { contentDisposition } from './content-disposition.js';

/** Types a browser may show in place; anything else is always a download. */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf']);

/**
 * Stored bytes sent so they can never run as a page of ours: the type is the one detected at
 * upload (text of any kind is sent as text/plain), `nosniff` stops guessing, and a sandboxing CSP
 * disables script even when a file is opened directly. `cacheControl`: the owner's files may be
 * cached privately; a share's are never stored, so a revoked link stops serving at once.
 */
export function sendFile(
  reply: FastifyReply,
  file: { bytes: Uint8Array; mediaType: string; fileName: string },
  cacheControl: 'private, max-age=3600' | 'no-store',
) {
  const { bytes, mediaType, fileName } = file;
  const inline = INLINE_TYPES.has(mediaType);
  const type =
    mediaType.startsWith('text/') || mediaType === 'application/json'
      ? 'text/plain; charset=utf-8'
      : mediaType;
  return reply
    .header('content-type', type)
    .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', fileName))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', cacheControl)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
