import { createHash } from 'node:crypto';
import { sql } from 'kysely';
/**
 * Full-text search, the one place that knows how each dialect does it (the indexes are made in
 * migrations 004 and 008): SQLite FTS5 (scored as in sqliteScore), PostgreSQL tsvector/tsquery with ts_rank and
 * ts_headline. Both take the same parsed terms, match all of them (the last one as a prefix when
 * asked) and mark the matched words in snippets with SNIPPET_OPEN / SNIPPET_CLOSE.
 *
 * Scoped before matching: the owner is a term of the index (migration 008) and every query
 * requires it, so the engine walks the caller's entries only, and other users' rows cost nothing
 * however many there are. Bounded: only the caller's MAX_CANDIDATES newest matches are ranked,
 * so a query of common words over a user's own huge history costs a fixed amount too.
 */
/** Matches ranked per query: the newest ones; enough for every page (MAX_SEARCH_OFFSET + a page). */
export const MAX_CANDIDATES = 1_100;
/** Control characters: they do not occur in text people write, so they cannot be confused with it. */
export const SNIPPET_OPEN = '\u0002';
export const SNIPPET_CLOSE = '\u0003';
/** A title match counts double: a conversation named after the words is a strong hit. */
const TITLE_BOOST = 2;
/** Words of context a snippet shows around the matches. */
const SNIPPET_TOKENS = 16;
/** One page of the user's own matches, best first; ties broken newest first, then by id. */
export async function searchDocuments(db, dialect, userId, query, limit, offset) {
    if (query.terms.length === 0)
        return [];
    const rows = dialect === 'sqlite'
        ? await searchSqlite(db, userId, query, limit, offset)
        : await searchPostgres(db, userId, query, limit, offset);
    return rows.map((row) => ({
        kind: row.kind,
        refId: row.ref_id,
        conversationId: row.conversation_id,
        conversationTitle: row.conversation_title,
        role: row.role,
        snippet: row.snippet ?? '',
        score: Number(row.score),
        createdAt: row.created_at,
    }));
}
/** FTS5 query text: every term a quoted string (so no word is an operator), implicitly ANDed. */
export function fts5Query({ terms, prefix }) {
    return terms
        .map((term, i) => `"${term.replaceAll('"', '""')}"${prefix && i === terms.length - 1 ? '*' : ''}`)
        .join(' ');
}
/** The owner's term in the SQLite index: `'u' || hex(user_id)` of migration 008, one token. */
export function sqliteOwnerTerm(userId) {
    return `u${Buffer.from(userId, 'utf8').toString('hex')}`;
}
/**
 * SQLite's score, computed over the candidates only: BM25's term-frequency part (k1 = 1.2,
 * b = 0.75, a fixed typical length), words counted as case-folded substrings of the first
 * SCORE_CHARS characters. FTS5's bm25() is not used because its word weights (IDF) count the
 * word's rows across the whole index, every user's: that made each query's cost grow with other
 * users' data and let scores tell one user something about another's.
 */
const SCORE_CHARS = 4_000;
const TYPICAL_CHARS = 1_000;
function sqliteScore(terms) {
    const parts = terms.map((term) => {
        const needle = term.toLowerCase();
        const tf = sql `((length(text) - length(replace(text, ${needle}, ''))) * 1.0 / ${needle.length})`;
        return sql `(${tf} / (${tf} + 1.2 * (0.25 + 0.75 * length(text) * 1.0 / ${TYPICAL_CHARS})))`;
    });
    return sql `(${sql.join(parts, sql ` + `)})`;
}
async function searchSqlite(db, userId, query, limit, offset) {
    // The owner term first: the AND then steps through the caller's entries only.
    const match = `owner : ${sqliteOwnerTerm(userId)} AND body : (${fts5Query(query)})`;
    // Rank first, snippets second: snippet() is costly and only the page's rows need one. The
    // user_id condition is a second wall; the match already holds only the caller's rows.
    const ranked = await sql `
    with candidates as (
      select rowid as doc_id from search_fts where search_fts match ${match}
      order by rowid desc limit ${MAX_CANDIDATES}
    ),
    texts as (
      select d.doc_id, d.kind, d.ref_id, d.conversation_id, d.role, d.created_at,
        lower(substr(d.body, 1, ${SCORE_CHARS})) as text
      -- CROSS JOIN fixes the order: candidates outside, search_docs looked up by key. Left to
      -- itself the planner may scan search_docs (every user's rows) for the user_id filter.
      from candidates cross join search_docs d on d.doc_id = candidates.doc_id
      where d.user_id = ${userId}
    )
    select t.doc_id, t.kind, t.ref_id, t.conversation_id, c.title as conversation_title, t.role,
      t.created_at,
      ${sqliteScore(query.terms)} * (case when t.kind = 'title' then ${TITLE_BOOST} else 1 end) as score
    from texts t
    cross join conversations c on c.id = t.conversation_id
    order by score desc, t.created_at desc, t.ref_id desc
    limit ${limit} offset ${offset}`.execute(db);
    if (ranked.rows.length === 0)
        return [];
    const ids = ranked.rows.map((row) => row.doc_id);
    const snippets = await sql `
    select rowid as doc_id,
      snippet(search_fts, 1, ${SNIPPET_OPEN}, ${SNIPPET_CLOSE}, '…', ${SNIPPET_TOKENS}) as snippet
    from search_fts
    where search_fts match ${match} and rowid in (${sql.join(ids)})`.execute(db);
    const byId = new Map(snippets.rows.map((row) => [row.doc_id, row.snippet]));
    return ranked.rows.map(({ doc_id, ...row }) => ({ ...row, snippet: byId.get(doc_id) ?? null }));
}
/**
 * plainto_tsquery parses the text with the same parser as to_tsvector (so "foo-bar" or "3.14"
 * match as they were indexed) and never fails on operators; the prefix marker goes on its last
 * lexeme. A scalar subquery, so the planner can use it as an index condition.
 */
function tsquery({ terms, prefix }) {
    const text = terms.join(' ');
    return prefix
        ? sql `(select case when numnode(p) = 0 then p else (p::text || ':*')::tsquery end
        from plainto_tsquery('simple', ${text}) p)`
        : sql `plainto_tsquery('simple', ${text})`;
}
/** The owner's lexeme in the PostgreSQL indexes: `'u' || md5(user_id)` of migration 008. */
function postgresOwnerQuery(userId) {
    const lexeme = `u${createHash('md5').update(userId, 'utf8').digest('hex')}`;
    return sql `${lexeme}::tsquery`;
}
async function searchPostgres(db, userId, query, limit, offset) {
    const q = tsquery(query);
    const scoped = sql `(${q} && ${postgresOwnerQuery(userId)})`;
    const options = `StartSel=${SNIPPET_OPEN}, StopSel=${SNIPPET_CLOSE}, MaxWords=${SNIPPET_TOKENS}, MinWords=6, MaxFragments=2, FragmentDelimiter=" … "`;
    // The where clauses repeat the index expressions and predicates of migration 008 verbatim
    // (literals, not parameters), so the GIN indexes apply; the owner's lexeme in the query makes
    // GIN skip other users' entries. Each kind keeps at most MAX_CANDIDATES matches (newest
    // first) before ts_rank reads their text. ts_headline re-parses the text, so it runs on the
    // page's rows only.
    const result = await sql `
    with message_hits as (
      select m.id, m.conversation_id, m.role, m.created_at,
        m.content || coalesce(' ' || m.attachment_text, '') as content
      from messages m
      where (to_tsvector('simple', content || coalesce(' ' || attachment_text, '')) || to_tsvector('simple', 'u' || md5(user_id))) @@ ${scoped}
        and m.status <> 'streaming' and m.user_id = ${userId}
      order by m.id desc limit ${MAX_CANDIDATES}
    ),
    title_hits as (
      select c.id, c.created_at, c.title
      from conversations c
      where (to_tsvector('simple', title) || to_tsvector('simple', 'u' || md5(user_id))) @@ ${scoped}
        and c.title is not null and c.user_id = ${userId}
      order by c.id desc limit ${MAX_CANDIDATES}
    ),
    hits as (
      select 'message' as kind, id as ref_id, conversation_id, role, created_at,
        ts_rank(to_tsvector('simple', content), ${q}) as score
      from message_hits
      union all
      select 'title', id, id, null, created_at, ts_rank(to_tsvector('simple', title), ${q}) * ${TITLE_BOOST}
      from title_hits
    ),
    page as (
      select * from hits order by score desc, created_at desc, ref_id desc
      limit ${limit} offset ${offset}
    )
    select page.kind, page.ref_id, page.conversation_id, c.title as conversation_title, page.role,
      page.created_at, page.score,
      ts_headline('simple', coalesce(m.content || coalesce(' ' || m.attachment_text, ''), c.title, ''), ${q}, ${options})
        as snippet
    from page
    join conversations c on c.id = page.conversation_id
    left join messages m on page.kind = 'message' and m.id = page.ref_id
    order by page.score desc, page.created_at desc, page.ref_id desc`.execute(db);
    return result.rows;
}
