import { type ReactNode, useEffect, useRef } from 'react';
import type { SearchPage } from '../api.js';
import { conversationPath, messagePath } from '../router.js';
import { go } from './links.js';
import './SearchResults.css';

/** A search snippet with its matches marked; text only, never HTML. */
function Snippet({ text, highlights }: { text: string; highlights: { start: number; end: number }[] }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [index, range] of highlights.entries()) {
    if (range.start < at || range.end > text.length) continue;
    parts.push(text.slice(at, range.start));
    parts.push(<mark key={index}>{text.slice(range.start, range.end)}</mark>);
    at = range.end;
  }
  parts.push(text.slice(at));
  return <span className="snippet">{parts}</span>;
}

interface Props {
  results: SearchPage | null;
  error: string | null;
  /** The next page of hits, appended (shown as "More results" while the API has one). */
  onMore?: () => Promise<void>;
  loadingMore?: boolean;
  /** A hit was opened (phones: the drawer closes, even when the hit is in the open conversation). */
  onOpen?: () => void;
}

/** Where a hit opens: a message hit at that message, a title hit at the conversation. */
const hitPath = (hit: SearchPage['items'][number]) =>
  hit.messageId ? messagePath(hit.conversationId, hit.messageId) : conversationPath(hit.conversationId);

export function SearchResults({ results, error, onMore, loadingMore = false, onOpen }: Props) {
  const count = results?.items.length ?? 0;
  const list = useRef<HTMLUListElement>(null);
  /** The number of hits when "More results" was pressed: focus goes to the first new one. */
  const moreFrom = useRef<number | null>(null);
  useEffect(() => {
    const from = moreFrom.current;
    if (from === null || loadingMore) return;
    moreFrom.current = null;
    if (count > from) list.current?.querySelectorAll<HTMLAnchorElement>('a.hit')[from]?.focus();
  }, [count, loadingMore]);
  return (
    <section aria-label="Search results" className="search-results">
      {error && <p className="sidebar-note">{error}</p>}
      {results && count === 0 && <p className="sidebar-note">No matches.</p>}
      <ul ref={list}>
        {results?.items.map((hit) => (
          <li key={`${hit.conversationId}:${hit.messageId ?? 'title'}`}>
            <a
              className="hit"
              href={hitPath(hit)}
              onClick={(e) => {
                go(e, hitPath(hit));
                if (e.defaultPrevented) onOpen?.();
              }}
            >
              <span className="hit-title">{hit.conversationTitle ?? 'New conversation'}</span>
              <Snippet text={hit.snippet} highlights={hit.highlights} />
            </a>
          </li>
        ))}
      </ul>
      {results?.nextCursor && onMore && (
        <button
          type="button"
          className="btn btn-small search-more"
          // aria-disabled, not disabled: the button keeps the keyboard focus while the page loads.
          aria-disabled={loadingMore}
          onClick={() => {
            if (loadingMore) return;
            moreFrom.current = count;
            void onMore();
          }}
        >
          {loadingMore ? 'Loading…' : 'More results'}
        </button>
      )}
      {/* Says how many hits there are now, after "More results" too. */}
      <p className="sr-only" role="status" aria-live="polite">
        {results && count > 0
          ? `${count} ${count === 1 ? 'result' : 'results'}${results.nextCursor ? ', more available' : ''}`
          : ''}
      </p>
    </section>
  );
}
