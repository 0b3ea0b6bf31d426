import { AppError } from '../errors.js';
/**
 * JSON.parse of a 20 MiB import holds the event loop for 100-300 ms in one go. This parses the
 * same text in time slices: a container larger than LEAF_CHARS is split at its top-level commas
 * (a native regex scan that yields now and then, see `slice`), each part parsed the same way,
 * and everything smaller goes to JSON.parse whole. Each character is scanned once per level of
 * large containers (an export has two or three), so the extra work is small. The result equals
 * JSON.parse's, and a body with a `__proto__` key is refused as Fastify's own parser refuses it.
 */
/** Text small enough for one JSON.parse call (about a millisecond). */
const LEAF_CHARS = 64 * 1024;
/**
 * Large containers nested deeper than this are refused: each level rescans its text, so `[[[[…`
 * of n characters would cost n²/2 scans. Real exports nest large containers 7 levels at most
 * (ChatGPT: file → conversation → mapping → node → message → content → parts).
 */
const MAX_SLICED_DEPTH = 32;
/** Structural characters scanned between two looks at the clock. */
const SCAN_STEP = 8192;
/** The prefilter secure-json-parse uses: a key that may be `__proto__`, escaped or not. */
const MAYBE_PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const invalid = () => new AppError('invalid_json', 'The request body is not valid JSON.');
const poisoned = () => new AppError('bad_request', 'The request body contains a forbidden __proto__ key.');
const isSpace = (code) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
/** Parse `text` as JSON, yielding through `slice` between steps. */
export async function parseJsonSliced(text, slice) {
    let start = 0;
    let end = text.length;
    while (start < end && isSpace(text.charCodeAt(start)))
        start++;
    while (end > start && isSpace(text.charCodeAt(end - 1)))
        end--;
    if (start === end)
        throw invalid();
    return parseRange(text, start, end, slice, 0);
}
function parseLeaf(text) {
    let value;
    try {
        value = JSON.parse(text);
    }
    catch {
        throw invalid();
    }
    if (MAYBE_PROTO.test(text) && hasProtoKey(value))
        throw poisoned();
    return value;
}
function hasProtoKey(value) {
    const stack = [value];
    while (stack.length > 0) {
        const item = stack.pop();
        if (typeof item !== 'object' || item === null)
            continue;
        if (!Array.isArray(item) && Object.hasOwn(item, '__proto__'))
            return true;
        stack.push(...Object.values(item));
    }
    return false;
}
/** The value in text[start, end), no surrounding space. */
async function parseRange(text, start, end, slice, depth) {
    const open = text[start];
    if (end - start <= LEAF_CHARS || (open !== '{' && open !== '['))
        return parseLeaf(text.slice(start, end));
    if (depth >= MAX_SLICED_DEPTH) {
        throw new AppError('validation_error', 'The request body nests large arrays or objects too deeply.');
    }
    if (text[end - 1] !== (open === '{' ? '}' : ']'))
        throw invalid();
    const parts = await splitTopLevel(text, start + 1, end - 1, slice);
    if (open === '[') {
        const items = [];
        for (const [a, b] of parts) {
            items.push(await parseRange(text, a, b, slice, depth + 1));
            await slice();
        }
        return items;
    }
    const object = {};
    for (const [a, b] of parts) {
        if (text[a] !== '"')
            throw invalid();
        const keyEnd = stringEnd(text, a);
        if (keyEnd < 0 || keyEnd >= b)
            throw invalid();
        const key = parseLeaf(text.slice(a, keyEnd + 1));
        if (key === '__proto__')
            throw poisoned();
        let colon = keyEnd + 1;
        while (colon < b && isSpace(text.charCodeAt(colon)))
            colon++;
        if (text[colon] !== ':')
            throw invalid();
        let valueStart = colon + 1;
        while (valueStart < b && isSpace(text.charCodeAt(valueStart)))
            valueStart++;
        if (valueStart === b)
            throw invalid();
        // As JSON.parse does: an own property, a later duplicate key wins.
        Object.defineProperty(object, key, {
            value: await parseRange(text, valueStart, b, slice, depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
        });
        await slice();
    }
    return object;
}
/** Index of the quote that closes the string opening at `quote`, or -1. */
function stringEnd(text, quote) {
    let at = quote;
    for (;;) {
        at = text.indexOf('"', at + 1);
        if (at < 0)
            return -1;
        let backslashes = 0;
        while (text.charCodeAt(at - 1 - backslashes) === 0x5c)
            backslashes++;
        if (backslashes % 2 === 0)
            return at;
    }
}
/** The comma-separated parts of text[start, end) at depth 0, trimmed; [] for an empty container. */
async function splitTopLevel(text, start, end, slice) {
    const parts = [];
    const structural = /["{}[\],]/g;
    structural.lastIndex = start;
    let depth = 0;
    let partStart = start;
    let steps = 0;
    const push = (a, b) => {
        while (a < b && isSpace(text.charCodeAt(a)))
            a++;
        while (b > a && isSpace(text.charCodeAt(b - 1)))
            b--;
        parts.push([a, b]);
    };
    for (;;) {
        const match = structural.exec(text);
        if (!match || match.index >= end)
            break;
        const char = match[0];
        if (char === '"') {
            const close = stringEnd(text, match.index);
            if (close < 0 || close >= end)
                throw invalid();
            structural.lastIndex = close + 1;
        }
        else if (char === '{' || char === '[') {
            depth++;
        }
        else if (char === '}' || char === ']') {
            depth--;
            if (depth < 0)
                throw invalid();
        }
        else if (depth === 0) {
            push(partStart, match.index);
            partStart = match.index + 1;
        }
        if (++steps % SCAN_STEP === 0)
            await slice();
    }
    if (depth !== 0)
        throw invalid();
    push(partStart, end);
    // `[]` / `{}` (one empty part) is empty; an empty part anywhere else is a stray comma.
    if (parts.length === 1 && parts[0]?.[0] === parts[0]?.[1])
        return [];
    if (parts.some(([a, b]) => a === b))
        throw invalid();
    return parts;
}
