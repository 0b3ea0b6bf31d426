import { Type } from 'typebox';
/** GET /api/search: the query string and the page of hits. */
export const MAX_SEARCH_QUERY_CHARS = 200;
export const SearchQuery = Type.Object({
    q: Type.String({ minLength: 1, maxLength: MAX_SEARCH_QUERY_CHARS }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
});
/** Where the query matched inside `snippet`: [start, end) in UTF-16 code units (JS string indices). */
export const HighlightRange = Type.Object({ start: Type.Integer(), end: Type.Integer() });
export const SearchHit = Type.Object({
    conversationId: Type.String(),
    conversationTitle: Type.Union([Type.String(), Type.Null()]),
    /** null when the conversation's title matched. */
    messageId: Type.Union([Type.String(), Type.Null()]),
    role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system'), Type.Null()]),
    /** Plain text (never markup) around the matches; render it as text and mark `highlights`. */
    snippet: Type.String(),
    highlights: Type.Array(HighlightRange),
    /** Higher is better; comparable within one query only. */
    score: Type.Number(),
    createdAt: Type.String(),
});
export const SearchPage = Type.Object({
    items: Type.Array(SearchHit),
    /** Pass as `cursor` with the same `q` for the next page; null on the last page. */
    nextCursor: Type.Union([Type.String(), Type.Null()]),
});
