import { parseDocumentHeader } from './attachments.js';
/** How many words of a document's text the demo quotes. */
const QUOTED_WORDS = 12;
const count = new Intl.NumberFormat('en-US');
/** File names and quoted text stay on one line of the reply (and cannot open a code fence). */
function flat(value) {
    return value.replace(/`/g, "'").replace(/\s+/g, ' ').trim();
}
function bytesOf(data) {
    if (data instanceof Uint8Array)
        return data;
    if (typeof data === 'string')
        return Buffer.from(data, 'base64');
    return undefined; // a URL: the demo downloads nothing
}
async function imageSize(bytes) {
    try {
        // Loaded on the first image only: sharp is a native module most demo runs never need.
        const { default: sharp } = await import('sharp');
        const { width, height } = await sharp(bytes).metadata();
        return width && height ? `${width}×${height} pixels` : undefined;
    }
    catch {
        return 'not a readable image';
    }
}
async function describeFile(part) {
    const name = flat(part.filename ?? 'an unnamed file');
    const bytes = bytesOf(part.data);
    if (!bytes)
        return `${name} (${part.mediaType}, a link the demo does not follow)`;
    const facts = [part.mediaType, `${count.format(bytes.byteLength)} bytes`];
    if (part.mediaType.startsWith('image/')) {
        const size = await imageSize(bytes);
        if (size)
            facts.push(size);
    }
    return `${name} (${facts.join(', ')})`;
}
function firstWords(text) {
    const words = text.split(/\s+/).filter((word) => word.length > 0);
    const quoted = flat(words.slice(0, QUOTED_WORDS).join(' '));
    return words.length > QUOTED_WORDS ? `${quoted} …` : quoted;
}
function describeDocument(part) {
    const doc = parseDocumentHeader(part.text);
    if (!doc)
        return undefined;
    const head = `${flat(doc.filename)} (${doc.mediaType}, ${count.format(doc.size)} bytes)`;
    const begins = firstWords(doc.text);
    return begins ? `${head}, which begins “${begins}”` : `${head}, with no text`;
}
/** Reads a user message's parts in order: typed text into the question, files and documents described. */
export async function readUserMessage(content) {
    let question = '';
    const attachments = [];
    for (const part of content) {
        if (part.type === 'file')
            attachments.push(await describeFile(part));
        else if (part.type === 'text') {
            const document = describeDocument(part);
            if (document)
                attachments.push(document);
            else
                question += part.text;
        }
    }
    if (attachments.length === 0)
        return { question, description: undefined };
    const noun = attachments.length === 1 ? 'attachment' : 'attachments';
    return {
        question,
        description: `I received ${attachments.length} ${noun}: ${attachments.join('; ')}.`,
    };
}
