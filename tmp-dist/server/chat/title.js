const MAX_TITLE = 60;
/**
 * A short title from the first thing the user asked: its first line, whitespace collapsed,
 * cut on a word boundary. Cheap and predictable; asking the model for a title is a later option.
 */
export function titleFrom(firstUserMessage) {
    const firstLine = firstUserMessage
        .split('\n')
        .map((line) => line.trim())
        .find((line) => line !== '') ?? '';
    const text = firstLine.replace(/\s+/g, ' ').replace(/^[#>*\-\s`]+/, '');
    if (text.length <= MAX_TITLE)
        return text || 'New chat';
    const cut = text.slice(0, MAX_TITLE);
    const lastSpace = cut.lastIndexOf(' ');
    return `${(lastSpace > 20 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
