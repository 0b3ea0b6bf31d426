import sharp, {} from 'sharp';
import { AppError } from '../errors.js';
/**
 * Image handling with sharp: dimensions, thumbnails for the UI, and fitting an image inside what
 * a model provider accepts. Only PNG, JPEG, GIF and WebP reach sharp: it reads many more formats
 * (SVG, TIFF, HEIF...), and nothing that detectFile refused should reach a decoder.
 */
/** Above this many pixels an image is refused before it is decoded (a small file can declare 30000×30000). */
export const MAX_INPUT_PIXELS = 50_000_000;
export const THUMBNAIL_SIZE = 256;
const MEDIA_TYPES = {
    png: 'image/png',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
};
/** JPEG qualities tried in turn before the image is made smaller again. */
const JPEG_QUALITIES = [85, 75, 65, 50, 35];
/** Each round that still does not fit shrinks the longest edge by this factor. */
const SHRINK_STEP = 0.75;
/** Below this the picture is useless to a model; give up rather than loop on. */
const MIN_DIMENSION = 32;
/**
 * Every pipeline starts here: the pixel cap and the first frame only (GIF and animated WebP), and
 * autoOrient so a phone photo's width and height are the ones a person sees.
 */
function open(bytes) {
    return sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, pages: 1, autoOrient: true });
}
function sharpError(error) {
    if (error instanceof AppError)
        return error;
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message))
        return tooManyPixels();
    return new AppError('bad_request', `Could not read this image: ${message.split('\n')[0]}`, {
        cause: error,
    });
}
function tooManyPixels(width, height) {
    const size = width && height ? ` (${width}×${height})` : '';
    return new AppError('payload_too_large', `This image is too large${size}: at most ${MAX_INPUT_PIXELS / 1_000_000} million pixels are accepted.`);
}
const startsWith = (bytes, signature, at = 0) => signature.every((byte, i) => bytes[at + i] === byte);
/** Checked before sharp sees the bytes, since even reading the header of an SVG runs librsvg. */
function hasAcceptedSignature(bytes) {
    return (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47]) || // PNG
        startsWith(bytes, [0xff, 0xd8, 0xff]) || // JPEG
        startsWith(bytes, [0x47, 0x49, 0x46, 0x38]) || // GIF8
        (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) // RIFF....WEBP
    );
}
function unsupported(format) {
    return new AppError('unsupported_media_type', `This image format (${format}) is not accepted: use PNG, JPEG, GIF or WebP.`);
}
/** Reads the header only: cheap, and it refuses bombs before any pixel is decoded. */
async function inspect(bytes) {
    if (!hasAcceptedSignature(bytes))
        throw unsupported('unknown');
    let meta;
    try {
        // No pixel limit here: only the header is read, and the real size makes a better message.
        meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    }
    catch (error) {
        throw sharpError(error);
    }
    const mediaType = meta.format ? MEDIA_TYPES[meta.format] : undefined;
    if (!mediaType)
        throw unsupported(meta.format ?? 'unknown');
    // Sizes are of one frame (GIF, animated WebP), which is all that is ever decoded.
    const { width, height } = meta.autoOrient;
    if (width * height > MAX_INPUT_PIXELS)
        throw tooManyPixels(width, height);
    return { meta, mediaType, width, height };
}
export async function imageInfo(bytes) {
    const { mediaType, width, height } = await inspect(bytes);
    return { width, height, mediaType };
}
export async function thumbnail(bytes) {
    await inspect(bytes);
    try {
        const out = await open(bytes)
            .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
            .webp({ quality: 75 })
            .toBuffer();
        return { bytes: out, mediaType: 'image/webp' };
    }
    catch (error) {
        throw sharpError(error);
    }
}
/**
 * The image as a model may receive it: unchanged when it already fits (no needless loss), else
 * downsized and re-encoded, JPEG at falling quality, or PNG when transparency must survive.
 */
export async function fitImage(bytes, limits) {
    const { meta, mediaType, width, height } = await inspect(bytes);
    const animated = (meta.pages ?? 1) > 1;
    // Not every provider applies EXIF orientation, so a rotated photo is re-encoded upright.
    const rotated = (meta.orientation ?? 1) > 1;
    const fits = bytes.byteLength <= limits.maxBytes && Math.max(width, height) <= limits.maxDimension;
    if (fits && !animated && !rotated)
        return { bytes, mediaType, width, height };
    try {
        let edge = Math.min(limits.maxDimension, Math.max(width, height));
        while (edge >= MIN_DIMENSION) {
            const fitted = await encodeWithin(bytes, edge, meta.hasAlpha, limits.maxBytes);
            if (fitted)
                return fitted;
            edge = Math.floor(edge * SHRINK_STEP);
        }
    }
    catch (error) {
        throw sharpError(error);
    }
    throw new AppError('payload_too_large', `This image cannot be made smaller than ${limits.maxBytes} bytes.`);
}
/** The best encoding at this size that fits in maxBytes, or undefined when none does. */
async function encodeWithin(bytes, edge, hasAlpha, maxBytes) {
    const resized = open(bytes).resize(edge, edge, { fit: 'inside', withoutEnlargement: true });
    const attempts = hasAlpha
        ? [
            { pipeline: resized.clone().png({ compressionLevel: 9 }), mediaType: 'image/png' },
            // Quantised to 256 colours: lossy, but keeps the transparency JPEG would lose.
            { pipeline: resized.clone().png({ compressionLevel: 9, palette: true }), mediaType: 'image/png' },
        ]
        : JPEG_QUALITIES.map((quality) => ({
            pipeline: resized.clone().jpeg({ quality, mozjpeg: true }),
            mediaType: 'image/jpeg',
        }));
    for (const { pipeline, mediaType } of attempts) {
        const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
        if (data.byteLength <= maxBytes)
            return { bytes: data, mediaType, width: info.width, height: info.height };
    }
    return undefined;
}
