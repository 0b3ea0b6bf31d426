import { documentTextPart } from '../ai/attachments.js';
import { AppError } from '../errors.js';
import { fitImage } from './images.js';
/** A file's bytes were deleted while a turn was being built. */
class FileGone extends Error {
}
/**
 * Refuse, before any model call, a turn whose branch holds a file the model cannot take: an image
 * for a model without `image` input. (A PDF for a model without `pdf` input goes as its text.)
 */
export function requireReadable(model, files) {
    if (model.input.includes('image'))
        return;
    for (const file of files) {
        if (file.kind === 'image') {
            throw new AppError('attachment_not_supported', `${model.name} cannot read images ("${file.name}"); pick a model that takes images.`);
        }
    }
}
/**
 * Each file as the model reads it: images (fitted to the provider's limits) and, where the model
 * takes them, PDFs as file parts with their bytes; every other document as its text, extracted
 * once at upload. A file whose bytes are gone becomes a note, never a silent drop.
 */
export async function promptAttachments(files, model, source) {
    const parts = new Map();
    for (const file of files)
        parts.set(file.id, await attachmentFor(file, model, source));
    return parts;
}
async function attachmentFor(file, model, { blobs, fitted }) {
    const native = (file.kind === 'image' && model.input.includes('image')) ||
        (file.kind === 'pdf' && model.input.includes('pdf'));
    if (!native) {
        return documentTextPart(file.name, file.media_type, Number(file.size), file.extracted_text ?? '');
    }
    const gone = { type: 'text', text: `[file: ${file.name} is no longer available]` };
    if (file.kind === 'image') {
        const image = await fitted
            .get(file.id, model.imageLimits, async () => {
            const bytes = await blobs.get(file.blob_key);
            if (!bytes)
                throw new FileGone();
            return fitImage(bytes, model.imageLimits);
        })
            .catch((error) => {
            if (error instanceof FileGone)
                return undefined;
            throw error;
        });
        return image
            ? { type: 'file', data: image.bytes, mediaType: image.mediaType, filename: file.name }
            : gone;
    }
    const bytes = await blobs.get(file.blob_key);
    return bytes ? { type: 'file', data: bytes, mediaType: file.media_type, filename: file.name } : gone;
}
