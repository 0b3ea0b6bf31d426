import type { ReactNode } from 'react';
import type { SearchPage } from '../api.js';
import { conversationPath } from '../router.js';
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

export function SearchResults({ results, error }: { results: SearchPage | null; error: string | null }) {
  return (
    <section aria-label="Search results" className="search-results">
      {error && <p className="sidebar-note">{error}</p>}
      {results && results.items.length === 0 && <p className="sidebar-note">No matches.</p>}
      <ul>
        {results?.items.map((hit) => (
          <li key={`${hit.conversationId}:${hit.messageId ?? 'title'}`}>
            <a
              className="hit"
              href={conversationPath(hit.conversationId)}
              onClick={(e) => go(e, conversationPath(hit.conversationId))}
            >
              <span className="hit-title">{hit.conversationTitle ?? 'New conversation'}</span>
              <Snippet text={hit.snippet} highlights={hit.highlights} />
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
