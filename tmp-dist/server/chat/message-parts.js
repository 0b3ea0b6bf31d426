/**
 * A message's parts as stored: `messages.parts` holds them as JSON when the message has more
 * than text; NULL means one text part, the content (migration 010). The content column always
 * holds the plain text, so search, the seed routes and old clients never parse parts.
 */
export function partsOf(row) {
    if (row.parts)
        return JSON.parse(row.parts);
    return row.content === '' ? [] : [{ type: 'text', text: row.content }];
}
/** The parts column for a message with these files (in order) and text: NULL for text alone. */
export function storedParts(files, text) {
    if (files.length === 0)
        return null;
    const parts = files.map(filePart);
    if (text !== '')
        parts.push({ type: 'text', text });
    return JSON.stringify(parts);
}
export function filePart(file) {
    return {
        type: 'file',
        fileId: file.id,
        mediaType: file.media_type,
        filename: file.name,
        size: Number(file.size),
        url: `/api/files/${file.id}`,
    };
}
/** Bound on a message's searchable attachment text (each document's text is bounded at upload too). */
const MAX_ATTACHMENT_TEXT_CHARS = 1_000_000;
/** What search finds a message by besides its text: its files' names and documents' text. */
export function attachmentText(files) {
    if (files.length === 0)
        return null;
    const text = files.map((file) => (file.extracted_text ? `${file.name}\n${file.extracted_text}` : file.name)).join('\n');
    return text.slice(0, MAX_ATTACHMENT_TEXT_CHARS);
}
/** The ids of every file the rows' parts name, each once, in order of appearance. */
export function fileIdsOf(rows) {
    const ids = new Set();
    for (const row of rows) {
        if (!row.parts)
            continue;
        for (const part of partsOf(row))
            if (part.type === 'file')
                ids.add(part.fileId);
    }
    return [...ids];
}
