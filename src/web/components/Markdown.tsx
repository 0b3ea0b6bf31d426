import { lazy, memo } from 'react';
import './Markdown.css';

/**
 * The markdown renderer (marked, DOMPurify, and later highlight.js and KaTeX) is a chunk of its own,
 * so the first screen never waits for it. A view about to show messages starts loading it at once
 * (`preloadMarkdown`, beside its data request), and wraps them in a Suspense boundary: the messages
 * appear together, rendered, once both are there. Not a fallback per message: raw markdown would be
 * replaced by shorter rendered text a moment later (a reply that jumps back), and placeholders of
 * the wrong height would throw off the virtualized list's scroll position.
 */
let loading: Promise<typeof import('./MarkdownView.js')> | undefined;

export function preloadMarkdown(): Promise<typeof import('./MarkdownView.js')> {
  loading ??= import('./MarkdownView.js');
  return loading;
}

const MarkdownView = lazy(preloadMarkdown);

/** A message's markdown, rendered; suspends (to the nearest Suspense boundary) until the renderer is loaded. */
export const Markdown = memo(function Markdown({ source }: { source: string }) {
  return <MarkdownView source={source} />;
});
