import { lazy, memo, Suspense } from 'react';
import './Markdown.css';

/**
 * The markdown renderer (marked, DOMPurify, and later highlight.js and KaTeX) is a chunk of its own,
 * so the first screen never waits for it: it loads when the first message shows.
 */
const MarkdownView = lazy(() => import('./MarkdownView.js'));

/** A message's markdown; its plain text while the renderer loads, so a message is never empty. */
export const Markdown = memo(function Markdown({ source }: { source: string }) {
  return (
    <Suspense fallback={<PlainText source={source} />}>
      <MarkdownView source={source} />
    </Suspense>
  );
});

function PlainText({ source }: { source: string }) {
  return (
    <div className="markdown markdown-plain">
      <p>{source}</p>
    </div>
  );
}
