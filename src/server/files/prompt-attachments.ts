import type { FilePart, TextPart } from 'ai';
import type { ModelInputKind } from '../../shared/message-parts.js';
import { documentTextPart } from '../ai/attachments.js';
import { AppError } from '../errors.js';
import type { FileRow } from '../store/schema.js';
import type { BlobStore } from './blob-store.js';
import { fitImage, type ImageLimits } from './images.js';

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
  blobs: BlobStore,
): Promise<Map<string, PromptAttachment>> {
  const parts = new Map<string, PromptAttachment>();
  for (const file of files) parts.set(file.id, await attachmentFor(file, model, blobs));
  return parts;
}

async function attachmentFor(file: FileRow, model: ModelReader, blobs: BlobStore): Promise<PromptAttachment> {
  const native =
    (file.kind === 'image' && model.input.includes('image')) ||
    (file.kind === 'pdf' && model.input.includes('pdf'));
  if (!native) {
    return documentTextPart(file.name, file.media_type, Number(file.size), file.extracted_text ?? '');
  }
  const bytes = await blobs.get(file.blob_key);
  if (!bytes) return { type: 'text', text: `[file: ${file.name} is no longer available]` };
  if (file.kind === 'image') {
    const fitted = await fitImage(bytes, model.imageLimits);
    return { type: 'file', data: fitted.bytes, mediaType: fitted.mediaType, filename: file.name };
  }
  return { type: 'file', data: bytes, mediaType: file.media_type, filename: file.name };
}
