import { memo, type ReactNode, use } from 'react';
import './Markdown.css';

/**
 * The markdown renderer (marked, DOMPurify, and later highlight.js and KaTeX) is a chunk of its own,
 * so the first screen never waits for it. A view about to show messages starts loading it at once
 * (`preloadMarkdown`, beside its data request) and renders them inside `<MarkdownReady>`, which
 * suspends (to the nearest Suspense boundary) until the renderer is there: the messages then appear
 * together, rendered. Not a fallback per message: raw markdown would be replaced by shorter
 * rendered text a moment later (a reply that jumps back), and placeholders of the wrong height would
 * throw off the virtualized list's scroll position.
 *
 * Why a gate above the list, not a suspending message: a message that suspends after the list has
 * mounted makes React hide the mounted list (display: none) until it loads. The virtualized list
 * measures nothing while hidden and, on a slow machine, never finished its first scroll to the
 * newest message, so it stayed invisible. Behind the gate, nothing below ever suspends.
 */
type MarkdownModule = typeof import('./MarkdownView.js');

let loading: Promise<MarkdownModule> | undefined;
let loaded: MarkdownModule | undefined;

export function preloadMarkdown(): Promise<MarkdownModule> {
  loading ??= import('./MarkdownView.js').then(
    (module) => {
      loaded = module;
      return module;
    },
    (error: unknown) => {
      // A chunk that failed to load (a dropped connection) is asked for again on the next render.
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Renders its children once the renderer is loaded; suspends until then. */
export function MarkdownReady({ children }: { children: ReactNode }) {
  if (!loaded) use(preloadMarkdown());
  return children;
}

/** A message's markdown, rendered; suspends (like MarkdownReady) only if the renderer is not loaded yet. */
export const Markdown = memo(function Markdown({ source }: { source: string }) {
  const { default: MarkdownView } = loaded ?? use(preloadMarkdown());
  return <MarkdownView source={source} />;
});
