import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../errors.js';
export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
/** For error messages and the upload button's hint. */
export const ACCEPTED_FILE_TYPES = 'images (PNG, JPEG, GIF, WebP), PDF, Word (.docx) and UTF-8 text files (.txt, .md, .csv, .json, source code)';
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** Binary types we accept, by the media type file-type reports. */
const BINARY_TYPES = {
    'image/png': { mediaType: 'image/png', kind: 'image' },
    // An animated PNG is a PNG to every decoder we feed it to (sharp reads its first frame).
    'image/apng': { mediaType: 'image/png', kind: 'image' },
    'image/jpeg': { mediaType: 'image/jpeg', kind: 'image' },
    'image/gif': { mediaType: 'image/gif', kind: 'image' },
    'image/webp': { mediaType: 'image/webp', kind: 'image' },
    'application/pdf': { mediaType: 'application/pdf', kind: 'pdf' },
    [DOCX_MEDIA_TYPE]: { mediaType: DOCX_MEDIA_TYPE, kind: 'docx' },
};
/**
 * Signatures file-type knows that are plain text underneath (`<?xml `, `BEGIN:VCALENDAR`...):
 * these go through the text checks like any other text file instead of being refused as binary.
 */
const TEXTUAL_DETECTIONS = new Set([
    'application/xml',
    'text/calendar',
    'text/vcard',
    'text/vtt',
]);
/*
 * Text files by extension. Only inert types get a precise media type: markup and code that a
 * browser would run or apply (.html, .svg, .js, .css) are text/plain, so a stored file served back
 * from our origin can never become a page, a script or a style sheet of the app.
 */
const PLAIN_TEXT_EXTENSIONS = ('txt text log js mjs cjs ts mts cts tsx jsx py pyi java kt kts scala groovy gradle c h cc cpp ' +
    'cxx hpp hh hxx cs fs go rs rb php pl pm lua r swift m mm dart ex exs erl hs clj elm ml vue ' +
    'svelte sh bash zsh fish ps1 bat cmd sql graphql gql proto yaml yml toml ini cfg conf env ' +
    'properties xml xsd xsl svg html htm xhtml css scss sass less tex bib rst adoc org diff patch ' +
    'ics vcf vtt srt jsonl ndjson json5 jsonc tf hcl nix cmake mk dockerfile gitignore ' +
    'gitattributes editorconfig lock').split(' ');
const TEXT_TYPES = new Map([
    ...PLAIN_TEXT_EXTENSIONS.map((ext) => [ext, 'text/plain']),
    ['md', 'text/markdown'],
    ['markdown', 'text/markdown'],
    ['csv', 'text/csv'],
    ['tsv', 'text/tab-separated-values'],
    ['json', 'application/json'],
]);
/** Well-known text files that have no extension. */
const TEXT_FILE_NAMES = new Set([
    'dockerfile',
    'makefile',
    'readme',
    'license',
    'changelog',
    'gemfile',
    'procfile',
    'vagrantfile',
]);
export function isImage(mediaType) {
    return IMAGE_TYPES.has(mediaType);
}
function refused(what) {
    return new AppError('unsupported_media_type', `${what} Accepted: ${ACCEPTED_FILE_TYPES}.`);
}
/** The media type a text file's name implies, or undefined when it is not a text kind we know. */
function textTypeOf(name) {
    // Browsers send a base name, but other clients may send a path.
    const base = (name.split(/[\\/]/).pop() ?? '').trim().toLowerCase();
    const dot = base.lastIndexOf('.');
    if (dot === -1)
        return TEXT_FILE_NAMES.has(base) ? 'text/plain' : undefined;
    return TEXT_TYPES.get(base.slice(dot + 1));
}
function isUtf8(bytes) {
    try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        return true;
    }
    catch {
        return false;
    }
}
export async function detectFile(bytes, name) {
    if (bytes.byteLength === 0)
        throw new AppError('bad_request', 'The file is empty.');
    const detected = await fileTypeFromBuffer(bytes);
    if (detected && !TEXTUAL_DETECTIONS.has(detected.mime)) {
        const accepted = BINARY_TYPES[detected.mime];
        if (accepted)
            return accepted;
        throw refused(`This file is ${detected.mime} (.${detected.ext}), which is not accepted.`);
    }
    const textType = textTypeOf(name);
    if (!textType) {
        throw refused('The type of this file could not be recognised from its contents or its name.');
    }
    // A NUL never occurs in UTF-8 text; it is the surest sign of a binary (or UTF-16) file.
    if (bytes.includes(0) || !isUtf8(bytes)) {
        throw refused('This file is named as text but its contents are not UTF-8 text.');
    }
    return { mediaType: textType, kind: 'text' };
}
