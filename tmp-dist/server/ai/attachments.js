/**
 * How a document the model cannot read natively (a text file, DOCX, a PDF for a text-only model)
 * reaches it: one text part whose first line names the file, then the text extracted from it.
 *
 *   [file: report.docx (application/vnd.openxmlformats-officedocument.wordprocessingml.document, 5432 bytes)]
 *   Quarterly report for Parley ...
 *
 * The prompt builder writes it with `documentTextPart`; the demo model reads it back with
 * `parseDocumentHeader` to say what it received. Both sides live here so the form has one owner.
 */
// The media type has no spaces, commas or parentheses, so a filename holding " (" still parses:
// the greedy name stops at the last " (<type>, <n> bytes)]" on the line.
const HEADER = /^\[file: (.+) \(([^\s,()]+), (\d+) bytes\)\]$/;
/** One line: a filename with a line break in it would end the header early and spill into the text. */
function oneLine(value) {
    return value.replace(/[\r\n\u2028\u2029]+/g, ' ');
}
/** The text part for a document the model reads as extracted text. */
export function documentTextPart(filename, mediaType, size, text) {
    return {
        type: 'text',
        text: `[file: ${oneLine(filename)} (${oneLine(mediaType)}, ${Math.max(0, Math.trunc(size))} bytes)]\n${text}`,
    };
}
/** The header (and the text after it) of a document text part; undefined for any other text. */
export function parseDocumentHeader(text) {
    const newline = text.indexOf('\n');
    const first = newline === -1 ? text : text.slice(0, newline);
    const match = HEADER.exec(first);
    if (!match)
        return undefined;
    const [, filename = '', mediaType = '', size = '0'] = match;
    return {
        filename,
        mediaType,
        size: Number(size),
        text: newline === -1 ? '' : text.slice(newline + 1),
    };
}
