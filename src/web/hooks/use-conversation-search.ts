import { useCallback, useEffect, useRef, useState } from 'react';
import { request, type SearchPage } from '../api.js';

/**
 * The sidebar's search box: server search, debounced, with "More results" pages. The newest query
 * wins: an answer (first page or a further one) to a query that has since changed is dropped.
 */

export const SEARCH_DEBOUNCE_MS = 200;
export const MAX_QUERY_CHARS = 200;
export const SEARCH_PAGE = 30;

const searchPage = (q: string, cursor?: string) =>
  request<SearchPage>(
    'GET',
    `/api/search?q=${encodeURIComponent(q)}&limit=${SEARCH_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
  );

const hitKey = (hit: SearchPage['items'][number]) => `${hit.conversationId}:${hit.messageId ?? 'title'}`;

export function useConversationSearch() {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<SearchPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  /** Bumped by every new query: answers carry the number they were asked under. */
  const generation = useRef(0);
  const asked = useRef('');
  /** The query the shown results answer (the box may hold a newer one, still waiting). */
  const shownFor = useRef('');

  useEffect(() => {
    const q = query.trim().slice(0, MAX_QUERY_CHARS);
    const mine = ++generation.current;
    asked.current = q;
    setLoadingMore(false);
    if (!q) {
      setResults(null);
      setError(null);
      return;
    }
    const timer = setTimeout(async () => {
      try {
        const page = await searchPage(q);
        if (generation.current === mine) {
          shownFor.current = q;
          setResults(page);
          setError(null);
        }
      } catch (err) {
        if (generation.current === mine) setError(err instanceof Error ? err.message : String(err));
      }
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query]);

  /** The next page of the shown results, appended (hits already shown are not repeated). */
  const loadMore = useCallback(async () => {
    const cursor = results?.nextCursor;
    if (!cursor || loadingMore || shownFor.current !== asked.current) return;
    const mine = generation.current;
    setLoadingMore(true);
    try {
      const page = await searchPage(asked.current, cursor);
      if (generation.current !== mine) return;
      setResults((current) => {
        if (!current) return current;
        const seen = new Set(current.items.map(hitKey));
        return {
          items: [...current.items, ...page.items.filter((hit) => !seen.has(hitKey(hit)))],
          nextCursor: page.nextCursor,
        };
      });
      setError(null);
    } catch (err) {
      if (generation.current === mine) setError(err instanceof Error ? err.message : String(err));
    } finally {
      if (generation.current === mine) setLoadingMore(false);
    }
  }, [results, loadingMore]);

  return {
    query,
    setQuery,
    /** A search is shown instead of the list. */
    searching: query.trim() !== '',
    results,
    error,
    loadMore,
    loadingMore,
  };
}
