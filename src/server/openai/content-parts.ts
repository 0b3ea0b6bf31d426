import type { ContentPartInput } from '../../shared/openai-schemas.js';
import { AppError } from '../errors.js';
import { parseImageUrl } from '../files/remote-fetch.js';
import type { AttachmentLimits } from './attachment-limits.js';
import { invalidRequest, OpenAIApiError } from './errors.js';

/**
 * A user message's content parts as OpenAI clients send them, checked before anything is decoded
 * or downloaded: the shape of each part, the count of attachments, and their sizes as the base64
 * length tells them. What the bytes are is decided later (attachments.ts), after admission.
 */

export type AttachmentSource =
  /** Inline: base64 from a data: URL (or bare, for `file_data`), and its decoded size. */
  | { from: 'data'; base64: string; size: number }
  /** An http(s) image URL the server downloads (remote-fetch.ts). */
  | { from: 'url'; url: string };

export interface AttachmentRequest {
  /** `image_url` parts must hold an image; `file` parts any type uploads accept. */
  part: 'image_url' | 'file';
  source: AttachmentSource;
  /** The client's (file parts) or the URL's; undefined for inline images. */
  filename: string | undefined;
  /** The field in the request (`messages[0].content[1].image_url.url`), for the error's `param`. */
  param: string;
}

export type UserPart = { type: 'text'; text: string } | { type: 'attachment'; attachment: AttachmentRequest };

/** Attachments counted so far in the request, across messages. */
export interface AttachmentTally {
  count: number;
  bytes: number;
}

// Standard and URL-safe alphabets, optional padding; no whitespace (no client sends any).
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URL_HEADER = /^data:([^,]{0,256}),/i;

const mb = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

export function tooLarge(message: string, param: string | null): OpenAIApiError {
  return new OpenAIApiError(413, message, 'invalid_request_error', 'payload_too_large', param);
}

function base64Payload(data: string, param: string): { base64: string; size: number } {
  if (!BASE64.test(data)) {
    throw invalidRequest(
      `Invalid value for '${param}': the data is not valid base64.`,
      param,
      'invalid_value',
    );
  }
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const size = Math.floor(((data.length - padding) * 3) / 4);
  if (size === 0)
    throw invalidRequest(`Invalid value for '${param}': the file is empty.`, param, 'invalid_value');
  return { base64: data, size };
}

/** `data:<type>;base64,<data>`. The type the client claims is ignored: the bytes decide. */
function dataUrl(value: string, param: string): { base64: string; size: number } {
  const header = DATA_URL_HEADER.exec(value.slice(0, 300));
  if (!header) {
    throw invalidRequest(
      `Invalid value for '${param}': expected a data: URL (data:<media type>;base64,<data>).`,
      param,
      'invalid_value',
    );
  }
  if (!/;base64$/i.test(header[1] ?? '')) {
    throw invalidRequest(
      `Invalid value for '${param}': the data: URL must be base64 (;base64,).`,
      param,
      'invalid_value',
    );
  }
  return base64Payload(value.slice(header[0].length), param);
}

/** The last path segment of an image URL, as a file name for the model; 'image' when there is none. */
function nameFromUrl(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  let name = last;
  try {
    name = decodeURIComponent(last);
  } catch {
    // Malformed escapes: keep the raw segment.
  }
  return name.trim().slice(0, 200) || 'image';
}

function imageAttachment(part: ContentPartInput, path: string): AttachmentRequest {
  const field = typeof part.image_url === 'string' ? `${path}.image_url` : `${path}.image_url.url`;
  const url = typeof part.image_url === 'string' ? part.image_url : part.image_url?.url;
  if (!url)
    throw invalidRequest(`Missing required parameter: '${field}'.`, field, 'missing_required_parameter');
  if (/^data:/i.test(url)) {
    return {
      part: 'image_url',
      source: { from: 'data', ...dataUrl(url, field) },
      filename: undefined,
      param: field,
    };
  }
  try {
    const parsed = parseImageUrl(url);
    return {
      part: 'image_url',
      source: { from: 'url', url: parsed.href },
      filename: nameFromUrl(parsed),
      param: field,
    };
  } catch (error) {
    if (error instanceof AppError) {
      throw invalidRequest(
        `${error.message} Send a data: URL or a public http(s) URL.`,
        field,
        'invalid_image_url',
      );
    }
    throw error;
  }
}

function fileAttachment(part: ContentPartInput, path: string): AttachmentRequest {
  const file = part.file;
  if (!file)
    throw invalidRequest(
      `Missing required parameter: '${path}.file'.`,
      `${path}.file`,
      'missing_required_parameter',
    );
  if (file.file_id !== undefined && file.file_id !== null) {
    throw invalidRequest(
      'File ids are not supported (this server has no /v1/files): send the file inline as `file_data`, a data: URL.',
      `${path}.file.file_id`,
      'unsupported_parameter',
    );
  }
  const field = `${path}.file.file_data`;
  const data = file.file_data;
  if (!data)
    throw invalidRequest(`Missing required parameter: '${field}'.`, field, 'missing_required_parameter');
  // OpenAI documents a data: URL; some clients send the bare base64.
  const payload = /^data:/i.test(data) ? dataUrl(data, field) : base64Payload(data, field);
  const filename = file.filename?.trim() || undefined;
  return { part: 'file', source: { from: 'data', ...payload }, filename, param: field };
}

/** Counts the attachment against the request's limits (sizes as the base64 says). */
function tally(attachment: AttachmentRequest, limits: AttachmentLimits, counted: AttachmentTally): void {
  counted.count += 1;
  if (counted.count > limits.maxAttachments) {
    throw invalidRequest(
      `Too many attachments: at most ${limits.maxAttachments} images and files per request.`,
      attachment.param,
      'too_many_attachments',
    );
  }
  if (attachment.source.from !== 'data') return;
  const { size } = attachment.source;
  if (size > limits.maxFileBytes) {
    throw tooLarge(
      `This attachment is ${mb(size)}; attachments can be at most ${mb(limits.maxFileBytes)} (MAX_FILE_MB).`,
      attachment.param,
    );
  }
  counted.bytes += size;
  if (counted.bytes > limits.maxTotalBytes) {
    throw tooLarge(
      `The attachments of this request add up to more than ${mb(limits.maxTotalBytes)}, the limit per request.`,
      attachment.param,
    );
  }
}

/**
 * A user message's parts: text as it is, images and files as attachments to resolve. `base` is
 * where the content is in the request (`messages[0].content`, `input[2].content`), for errors.
 */
export function userParts(
  content: ContentPartInput[],
  base: string,
  limits: AttachmentLimits,
  counted: AttachmentTally,
): UserPart[] {
  return content.map((part, partIndex) => {
    const path = `${base}[${partIndex}]`;
    switch (part.type) {
      case 'text':
        if (typeof part.text !== 'string') {
          throw invalidRequest(
            `Missing required parameter: '${path}.text'.`,
            `${path}.text`,
            'missing_required_parameter',
          );
        }
        return { type: 'text', text: part.text };
      case 'image_url':
      case 'file': {
        const attachment =
          part.type === 'image_url' ? imageAttachment(part, path) : fileAttachment(part, path);
        tally(attachment, limits, counted);
        return { type: 'attachment', attachment };
      }
      default:
        throw invalidRequest(
          `Content parts of type '${part.type}' are not supported; send text, image_url or file parts.`,
          `${path}.type`,
          'unsupported_content_type',
        );
    }
  });
}

/** Text parts only: system, developer and assistant messages carry no attachments. */
export function textOnlyParts(content: ContentPartInput[], base: string): string[] {
  return content.map((part, partIndex) => {
    const path = `${base}[${partIndex}]`;
    if (part.type !== 'text') {
      throw invalidRequest(
        `Content parts of type '${part.type}' are only supported in user messages; send text parts here.`,
        `${path}.type`,
        'unsupported_content_type',
      );
    }
    if (typeof part.text !== 'string') {
      throw invalidRequest(
        `Missing required parameter: '${path}.text'.`,
        `${path}.text`,
        'missing_required_parameter',
      );
    }
    return part.text;
  });
}
