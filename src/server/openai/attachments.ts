import type { FilePart, ModelMessage, TextPart } from 'ai';
import { documentTextPart } from '../ai/attachments.js';
import { AppError } from '../errors.js';
import { extractText } from '../files/extract-text.js';
import { type DetectedFile, detectFile } from '../files/file-type.js';
import { fitImage } from '../files/images.js';
import type { ModelReader } from '../files/prompt-attachments.js';
import type { RemoteFetchOptions, RemoteImage } from '../files/remote-fetch.js';
import type { AttachmentLimits } from './attachment-limits.js';
import { type AttachmentRequest, tooLarge } from './content-parts.js';
import { OpenAIApiError } from './errors.js';
import type { PromptMessage } from './prompt-builder.js';

/**
 * The attachments of a /v1 request, read the way uploads are (files/): decoded, sized, typed from
 * their bytes (an executable named photo.png is refused), images fitted to the model's limits,
 * PDFs sent as they are to models that read PDFs and as their text to the others, every other
 * document as its text. Runs after admission: decoding, downloading and resizing are the costly
 * part of a request, and the run limiter bounds how many of them a user has going at once.
 */

export type FetchImage = (url: string, options: RemoteFetchOptions) => Promise<RemoteImage>;

export interface AttachmentContext {
  reader: ModelReader;
  limits: AttachmentLimits;
  fetchImage: FetchImage;
  /** The client hung up: stop downloading. */
  signal: AbortSignal;
}

/**
 * Refuse, before admission, images for a model that cannot read them. Files are checked again
 * once their bytes say what they are (a `file` part may hold an image too).
 */
export function requireReadableParts(reader: ModelReader, attachments: readonly AttachmentRequest[]): void {
  if (reader.input.includes('image')) return;
  const image = attachments.find((attachment) => attachment.part === 'image_url');
  if (image) throw cannotReadImages(reader, image);
}

function cannotReadImages(reader: ModelReader, attachment: AttachmentRequest): OpenAIApiError {
  return new OpenAIApiError(
    400,
    `The model \`${reader.name}\` cannot read images; pick a model that takes images (GET /api/models lists each model's input).`,
    'invalid_request_error',
    'attachment_not_supported',
    attachment.param,
  );
}

/** The files/ layer's refusals (415, 413, 400), in OpenAI's shape and naming the part. */
function asOpenAIError(error: unknown, param: string, badRequestCode = 'invalid_value'): unknown {
  if (!(error instanceof AppError) || error.status >= 500) return error;
  const code = error.code === 'bad_request' ? badRequestCode : error.code;
  return new OpenAIApiError(error.status, error.message, 'invalid_request_error', code, param, {
    cause: error,
  });
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

interface Loaded {
  bytes: Uint8Array;
  /** For a downloaded image, what the download already detected. */
  detected?: DetectedFile;
}

async function load(attachment: AttachmentRequest, context: AttachmentContext): Promise<Loaded> {
  const { source } = attachment;
  if (source.from === 'data') {
    const buffer = Buffer.from(source.base64, 'base64');
    return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) };
  }
  try {
    const image = await context.fetchImage(source.url, {
      maxBytes: context.limits.maxFileBytes,
      signal: context.signal,
    });
    return { bytes: image.bytes, detected: { mediaType: image.mediaType, kind: 'image' } };
  } catch (error) {
    throw asOpenAIError(error, attachment.param, 'invalid_image_url');
  }
}

/** One attachment as the model reads it. `index` numbers unnamed ones (image-1.png). */
async function resolveOne(
  attachment: AttachmentRequest,
  index: number,
  context: AttachmentContext,
  used: { bytes: number },
): Promise<FilePart | TextPart> {
  const { reader, limits } = context;
  const { param } = attachment;
  const loaded = await load(attachment, context);
  const { bytes } = loaded;
  // Exact now (the base64 length only estimated it, and a download had no size before).
  if (bytes.byteLength > limits.maxFileBytes) {
    throw tooLarge(`This attachment is larger than ${limits.maxFileBytes} bytes (MAX_FILE_MB).`, param);
  }
  used.bytes += bytes.byteLength;
  if (used.bytes > limits.maxTotalBytes) {
    throw tooLarge(
      `The attachments of this request add up to more than ${limits.maxTotalBytes} bytes.`,
      param,
    );
  }

  const fallbackName = `${attachment.part === 'image_url' ? 'image' : 'file'}-${index + 1}`;
  let detected: DetectedFile;
  try {
    detected = loaded.detected ?? (await detectFile(bytes, attachment.filename ?? fallbackName));
  } catch (error) {
    throw asOpenAIError(error, param);
  }
  // An unnamed image is named for the type it is sent as (a fitted PNG may go as a JPEG).
  const nameFor = (mediaType: string) =>
    attachment.filename ?? `${fallbackName}${EXTENSIONS[mediaType] ? `.${EXTENSIONS[mediaType]}` : ''}`;

  if (attachment.part === 'image_url' && detected.kind !== 'image') {
    throw new OpenAIApiError(
      415,
      `This image_url holds ${detected.mediaType}, not an image (PNG, JPEG, GIF or WebP); send documents as file parts.`,
      'invalid_request_error',
      'unsupported_media_type',
      param,
    );
  }
  try {
    if (detected.kind === 'image') {
      if (!reader.input.includes('image')) throw cannotReadImages(reader, attachment);
      const fitted = await fitImage(bytes, reader.imageLimits);
      return {
        type: 'file',
        data: fitted.bytes,
        mediaType: fitted.mediaType,
        filename: nameFor(fitted.mediaType),
      };
    }
    const filename = nameFor(detected.mediaType);
    if (detected.kind === 'pdf' && reader.input.includes('pdf')) {
      return { type: 'file', data: bytes, mediaType: detected.mediaType, filename };
    }
    // Everything else the model reads as text, in the same form as an uploaded document.
    const text = await extractText(bytes, detected);
    return documentTextPart(filename, detected.mediaType, bytes.byteLength, text);
  } catch (error) {
    throw asOpenAIError(error, param);
  }
}

/**
 * The prompt as model messages, every attachment read. One at a time: a request holds at most
 * maxTotalBytes of attachments in memory, and one download at a time.
 */
export async function resolvePrompt(
  prompt: PromptMessage[],
  context: AttachmentContext,
): Promise<ModelMessage[]> {
  const used = { bytes: 0 };
  let index = 0;
  const messages: ModelMessage[] = [];
  for (const message of prompt) {
    if (message.role !== 'user') {
      messages.push(toModelMessage(message));
      continue;
    }
    const content: Array<FilePart | TextPart> = [];
    for (const part of message.content) {
      if (part.type === 'text') content.push(part);
      else content.push(await resolveOne(part.attachment, index++, context, used));
    }
    messages.push({ role: 'user', content });
  }
  return messages;
}

/**
 * A message without attachments in the AI SDK's terms: an assistant turn with its tool calls, a
 * tool result (text, as OpenAI clients send it), a system message.
 */
function toModelMessage(message: Exclude<PromptMessage, { role: 'user' }>): ModelMessage {
  switch (message.role) {
    case 'system':
      return message;
    case 'assistant':
      if (message.toolCalls.length === 0) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: [
          ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
          ...message.toolCalls.map((call) => ({
            type: 'tool-call' as const,
            toolCallId: call.id,
            toolName: call.name,
            input: call.input,
          })),
        ],
      };
    case 'tool':
      return {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: message.toolCallId,
            toolName: message.toolName,
            output: { type: 'text', value: message.content },
          },
        ],
      };
  }
}
