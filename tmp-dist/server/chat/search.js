import { AppError } from '../errors.js';
import { SNIPPET_CLOSE, SNIPPET_OPEN } from '../store/search-repo.js';
/** Deeper pages than this are refused: ranking every match again for page 50 helps nobody. */
export const MAX_SEARCH_OFFSET = 1_000;
/**
 * Words a query keeps: all must match, and bm25 reads each word's whole entry in the index once
 * per query (for its weight), so this caps that cost as well.
 */
const MAX_TERMS = 8;
/**
 * A one-letter prefix stands for a large part of the vocabulary, and expanding it would walk
 * every user's entries: the last word is a prefix only from two letters on (the index keeps
 * ready-made entries for 2- and 3-letter prefixes).
 */
const MIN_PREFIX_CHARS = 2;
const WORDLIKE = /[\p{L}\p{N}]/u;
const PLAIN_WORD = /^[\p{L}\p{M}\p{N}]+$/u;
/**
 * User text → search terms. Nothing in it is syntax: quotes, parentheses, AND/OR/NOT and `*` are
 * just characters (the repository quotes each term). Chunks with no letter or digit cannot match
 * anything and are dropped. The last term is matched as a prefix while it is still being typed,
 * but only when it is a plain word: the tokenizers split "foo-ba" into parts, and a prefix of the
 * whole would match nothing on PostgreSQL.
 */
export function parseSearchText(text) {
    const terms = text
        .normalize('NFKC')
        // Control characters are never words, and PostgreSQL refuses NUL in text outright.
        .replace(/\p{Cc}/gu, ' ')
        .split(/\s+/u)
        .filter((chunk) => WORDLIKE.test(chunk))
        .slice(0, MAX_TERMS);
    const last = terms[terms.length - 1];
    return {
        terms,
        prefix: last !== undefined &&
            !/\s$/u.test(text) &&
            PLAIN_WORD.test(last) &&
            [...last].length >= MIN_PREFIX_CHARS,
    };
}
/** Take the repository's marked snippet apart: plain text plus the ranges to highlight. */
export function splitSnippet(marked) {
    let snippet = '';
    let open = null;
    const highlights = [];
    for (const char of marked) {
        if (char === SNIPPET_OPEN) {
            open ??= snippet.length;
        }
        else if (char === SNIPPET_CLOSE) {
            if (open !== null && snippet.length > open)
                highlights.push({ start: open, end: snippet.length });
            open = null;
        }
        else {
            snippet += char;
        }
    }
    return { snippet, highlights };
}
function encodeCursor(offset) {
    return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}
function decodeCursor(raw) {
    try {
        const { offset } = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
        if (typeof offset === 'number' &&
            Number.isInteger(offset) &&
            offset >= 0 &&
            offset <= MAX_SEARCH_OFFSET) {
            return offset;
        }
    }
    catch {
        // fall through to the error below
    }
    throw new AppError('validation_error', 'The cursor is not valid: pass nextCursor from a previous page.');
}
/**
 * One page of the user's matches in their own conversations, best first. The cursor is an offset
 * into the ranking: ranks move when new messages arrive, and an offset keeps that simple (at
 * worst a hit shifts by a place between pages) where a keyset on floating-point scores would not.
 */
export async function searchConversations(store, userId, text, limit, cursor) {
    const offset = cursor ? decodeCursor(cursor) : 0;
    const hits = await store.repos.search.searchDocuments(userId, parseSearchText(text), limit + 1, offset);
    const page = hits.slice(0, limit);
    const next = offset + limit;
    return {
        items: page.map((hit) => ({
            conversationId: hit.conversationId,
            conversationTitle: hit.conversationTitle,
            messageId: hit.kind === 'message' ? hit.refId : null,
            role: hit.role,
            ...splitSnippet(hit.snippet),
            score: hit.score,
            createdAt: hit.createdAt,
        })),
        nextCursor: hits.length > limit && next <= MAX_SEARCH_OFFSET ? encodeCursor(next) : null,
    };
}
