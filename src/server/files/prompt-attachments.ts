import type { FilePart, TextPart } from 'ai';
import type { ModelInputKind } from '../../shared/message-parts.js';
import { documentTextPart } from '../ai/attachments.js';
import { AppError } from '../errors.js';
import type { FileRow } from '../store/schema.js';
import type { BlobStore } from './blob-store.js';
import type { FittedImageCache } from './fitted-image-cache.js';
import { fitImage, type ImageLimits } from './images.js';

/** A file's bytes were deleted while a turn was being built. */
class FileGone extends Error {}

/** What a model is: its name (for messages), what it reads natively, and its image limits. */
export interface ModelReader {
  name: string;
  input: readonly ModelInputKind[];
  imageLimits: ImageLimits;
}

/**
 * Refuse, before any model call, a turn whose branch holds a file the model cannot take: an image
 * for a model without `image` input. (A PDF for a model without `pdf` input goes as its text.)
 */
export function requireReadable(model: ModelReader, files: Iterable<FileRow>): void {
  if (model.input.includes('image')) return;
  for (const file of files) {
    if (file.kind === 'image') {
      throw new AppError(
        'attachment_not_supported',
        `${model.name} cannot read images ("${file.name}"); pick a model that takes images.`,
      );
    }
  }
}

/** One attachment as the model gets it: the file itself, or a text part with its extracted text. */
export type PromptAttachment = FilePart | TextPart;

/**
 * Each file as the model reads it: images (fitted to the provider's limits) and, where the model
 * takes them, PDFs as file parts with their bytes; every other document as its text, extracted
 * once at upload. A file whose bytes are gone becomes a note, never a silent drop.
 */
export async function promptAttachments(
  files: Iterable<FileRow>,
  model: ModelReader,
  source: AttachmentSource,
): Promise<Map<string, PromptAttachment>> {
  const parts = new Map<string, PromptAttachment>();
  for (const file of files) parts.set(file.id, await attachmentFor(file, model, source));
  return parts;
}

/** Where the bytes come from, and the images already fitted on this instance. */
export interface AttachmentSource {
  blobs: BlobStore;
  fitted: FittedImageCache;
}

async function attachmentFor(
  file: FileRow,
  model: ModelReader,
  { blobs, fitted }: AttachmentSource,
): Promise<PromptAttachment> {
  const native =
    (file.kind === 'image' && model.input.includes('image')) ||
    (file.kind === 'pdf' && model.input.includes('pdf'));
  if (!native) {
    return documentTextPart(file.name, file.media_type, Number(file.size), file.extracted_text ?? '');
  }
  const gone: PromptAttachment = { type: 'text', text: `[file: ${file.name} is no longer available]` };
  if (file.kind === 'image') {
    const image = await fitted
      .get(file.id, model.imageLimits, async () => {
        const bytes = await blobs.get(file.blob_key);
        if (!bytes) throw new FileGone();
        return fitImage(bytes, model.imageLimits);
      })
      .catch((error) => {
        if (error instanceof FileGone) return undefined;
        throw error;
      });
    return image
      ? { type: 'file', data: image.bytes, mediaType: image.mediaType, filename: file.name }
      : gone;
  }
  const bytes = await blobs.get(file.blob_key);
  return bytes ? { type: 'file', data: bytes, mediaType: file.media_type, filename: file.name } : gone;
}
