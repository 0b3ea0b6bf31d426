/**
 * How much a /v1 request may attach. Images and files arrive inline (base64 in the JSON body) or
 * as image URLs the server downloads; both are bounded in count and in decoded bytes, per
 * attachment (MAX_FILE_MB, as uploads) and per request (the sum, so ten files at the limit do not
 * make one request hold ten times the memory).
 */

export interface AttachmentLimits {
  /** Attachments in one request, all messages together. */
  maxAttachments: number;
  /** One attachment, decoded (MAX_FILE_MB, as uploads). */
  maxFileBytes: number;
  /** All attachments of one request, decoded. */
  maxTotalBytes: number;
}

export const MAX_ATTACHMENTS = 10;
/** MAX_FILE_MB's default; the service is given the configured value. */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;
/** The request's total, unless one file alone may be larger. */
export const DEFAULT_MAX_TOTAL_BYTES = 32 * 1024 * 1024;
/**
 * The text of a request (every message, system prompt and text part) stays within what the app's
 * body limit (1 MB, BODY_LIMIT_BYTES) allowed before attachments raised this route's body limit.
 */
export const MAX_TEXT_CHARS = 1024 * 1024;

export function attachmentLimits(options: Partial<AttachmentLimits> = {}): AttachmentLimits {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  return {
    maxAttachments: options.maxAttachments ?? MAX_ATTACHMENTS,
    maxFileBytes,
    maxTotalBytes: options.maxTotalBytes ?? Math.max(maxFileBytes, DEFAULT_MAX_TOTAL_BYTES),
  };
}

/**
 * The chat completions route's body limit: the text, plus every attachment base64-encoded (4
 * characters per 3 bytes) with room for the JSON around it. Anything larger is refused (413)
 * before it is parsed.
 */
export function bodyLimitFor(limits: AttachmentLimits): number {
  const base64 = Math.ceil(limits.maxTotalBytes / 3) * 4;
  return MAX_TEXT_CHARS + base64 + 64 * 1024;
}
