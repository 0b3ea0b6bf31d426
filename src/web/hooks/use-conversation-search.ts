import { useEffect, useState } from 'react';
import { api, type SearchPage } from '../api.js';

/** The sidebar's search box: server search, debounced, the newest query wins. */

export const SEARCH_DEBOUNCE_MS = 200;
export const MAX_QUERY_CHARS = 200;

export function useConversationSearch() {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<SearchPage | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults(null);
      setError(null);
      return;
    }
    let cancelled = false;
    const timer = setTimeout(async () => {
      try {
        const page = await api.search(q.slice(0, MAX_QUERY_CHARS));
        if (!cancelled) {
          setResults(page);
          setError(null);
        }
      } catch (err) {
        if (!cancelled) setError(err instanceof Error ? err.message : String(err));
      }
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query]);

  return {
    query,
    setQuery,
    /** A search is shown instead of the list. */
    searching: query.trim() !== '',
    results,
    error,
  };
}
