import { type RawBuilder, sql } from 'kysely';
import type { Store } from './database.js';
import type { MessageRole } from './schema.js';

/**
 * Full-text search, the one place that knows how each dialect does it (the indexes are made in
 * migrations/004-search.ts): SQLite FTS5 with bm25, PostgreSQL tsvector/tsquery with ts_rank and
 * ts_headline. Both take the same parsed terms, match all of them (the last one as a prefix when
 * asked) and mark the matched words in snippets with SNIPPET_OPEN / SNIPPET_CLOSE.
 */

/** Control characters: they do not occur in text people write, so they cannot be confused with it. */
export const SNIPPET_OPEN = '\u0002';
export const SNIPPET_CLOSE = '\u0003';

/** A title match counts double: a conversation named after the words is a strong hit. */
const TITLE_BOOST = 2;
/** Words of context a snippet shows around the matches. */
const SNIPPET_TOKENS = 16;

export interface SearchTerms {
  /** Whitespace-separated words of the query, each with at least one letter or digit. */
  terms: string[];
  /** Match the last term as a prefix (the user may still be typing it). */
  prefix: boolean;
}

export interface SearchHit {
  kind: 'message' | 'title';
  /** The message id, or the conversation id for a title hit. */
  refId: string;
  conversationId: string;
  conversationTitle: string | null;
  role: MessageRole | null;
  /** Text around the matches, the matched words between SNIPPET_OPEN and SNIPPET_CLOSE. */
  snippet: string;
  score: number;
  createdAt: string;
}

interface HitRow {
  kind: 'message' | 'title';
  ref_id: string;
  conversation_id: string;
  conversation_title: string | null;
  role: MessageRole | null;
  snippet: string | null;
  score: number | string;
  created_at: string;
}

/** One page of the user's own matches, best first; ties broken newest first, then by id. */
export async function searchDocuments(
  store: Store,
  userId: string,
  query: SearchTerms,
  limit: number,
  offset: number,
): Promise<SearchHit[]> {
  if (query.terms.length === 0) return [];
  const rows =
    store.dialect === 'sqlite'
      ? await searchSqlite(store, userId, query, limit, offset)
      : await searchPostgres(store, userId, query, limit, offset);
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
export function fts5Query({ terms, prefix }: SearchTerms): string {
  return terms
    .map((term, i) => `"${term.replaceAll('"', '""')}"${prefix && i === terms.length - 1 ? '*' : ''}`)
    .join(' ');
}

async function searchSqlite(
  store: Store,
  userId: string,
  query: SearchTerms,
  limit: number,
  offset: number,
): Promise<HitRow[]> {
  const match = fts5Query(query);
  // Rank first, snippets second: snippet() is costly and only the page's rows need one.
  const ranked = await sql<Omit<HitRow, 'snippet'> & { doc_id: number }>`
    select d.doc_id, d.kind, d.ref_id, d.conversation_id, c.title as conversation_title, d.role,
      d.created_at,
      -bm25(search_fts) * (case when d.kind = 'title' then ${TITLE_BOOST} else 1 end) as score
    from search_fts
    join search_docs d on d.doc_id = search_fts.rowid
    join conversations c on c.id = d.conversation_id
    where search_fts match ${match} and d.user_id = ${userId}
    order by score desc, d.created_at desc, d.ref_id desc
    limit ${limit} offset ${offset}`.execute(store.db);
  if (ranked.rows.length === 0) return [];
  const ids = ranked.rows.map((row) => row.doc_id);
  const snippets = await sql<{ doc_id: number; snippet: string }>`
    select rowid as doc_id,
      snippet(search_fts, 0, ${SNIPPET_OPEN}, ${SNIPPET_CLOSE}, '…', ${SNIPPET_TOKENS}) as snippet
    from search_fts
    where search_fts match ${match} and rowid in (${sql.join(ids)})`.execute(store.db);
  const byId = new Map(snippets.rows.map((row) => [row.doc_id, row.snippet]));
  return ranked.rows.map(({ doc_id, ...row }) => ({ ...row, snippet: byId.get(doc_id) ?? null }));
}

/**
 * plainto_tsquery parses the text with the same parser as to_tsvector (so "foo-bar" or "3.14"
 * match as they were indexed) and never fails on operators; the prefix marker goes on its last
 * lexeme. A scalar subquery, so the planner can use it as an index condition.
 */
function tsquery({ terms, prefix }: SearchTerms): RawBuilder<unknown> {
  const text = terms.join(' ');
  return prefix
    ? sql`(select case when numnode(p) = 0 then p else (p::text || ':*')::tsquery end
        from plainto_tsquery('simple', ${text}) p)`
    : sql`plainto_tsquery('simple', ${text})`;
}

async function searchPostgres(
  store: Store,
  userId: string,
  query: SearchTerms,
  limit: number,
  offset: number,
): Promise<HitRow[]> {
  const q = tsquery(query);
  const options = `StartSel=${SNIPPET_OPEN}, StopSel=${SNIPPET_CLOSE}, MaxWords=${SNIPPET_TOKENS}, MinWords=6, MaxFragments=2, FragmentDelimiter=" … "`;
  // The where clauses repeat the index expressions and predicates of migration 004 verbatim
  // (literals, not parameters), so the GIN indexes apply. ts_headline re-parses the text, so it
  // runs on the page's rows only.
  const result = await sql<HitRow>`
    with hits as (
      select 'message' as kind, m.id as ref_id, m.conversation_id, m.role, m.created_at,
        ts_rank(to_tsvector('simple', m.content), ${q}) as score
      from messages m
      where to_tsvector('simple', m.content) @@ ${q} and m.status <> 'streaming' and m.user_id = ${userId}
      union all
      select 'title', c.id, c.id, null, c.created_at,
        ts_rank(to_tsvector('simple', c.title), ${q}) * ${TITLE_BOOST}
      from conversations c
      where to_tsvector('simple', c.title) @@ ${q} and c.title is not null and c.user_id = ${userId}
    ),
    page as (
      select * from hits order by score desc, created_at desc, ref_id desc
      limit ${limit} offset ${offset}
    )
    select page.kind, page.ref_id, page.conversation_id, c.title as conversation_title, page.role,
      page.created_at, page.score,
      ts_headline('simple', coalesce(m.content, c.title, ''), ${q}, ${options}) as snippet
    from page
    join conversations c on c.id = page.conversation_id
    left join messages m on page.kind = 'message' and m.id = page.ref_id
    order by page.score desc, page.created_at desc, page.ref_id desc`.execute(store.db);
  return result.rows;
}
