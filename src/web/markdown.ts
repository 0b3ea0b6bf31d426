import { createMarkdown } from './markdown-core.js';
import { highlightCode } from './markdown-highlight.js';
import { renderTex } from './markdown-katex.js';
import { sanitize } from './markdown-sanitize.js';

/**
 * Markdown → safe HTML with every plugin at hand: marked (markdown-core.ts), highlight.js for code
 * (markdown-highlight.ts), TeX math with KaTeX (markdown-katex.ts), then DOMPurify keeps only a fixed
 * list of harmless tags and attributes (markdown-sanitize.ts). Nothing a model or user writes can run
 * script (no <script>, no event handlers, no javascript: URLs) or load anything (images become links;
 * no iframes, media, forms, styles or SVG). The page's Content-Security-Policy (script-src 'self',
 * img-src 'self' data:) is the second wall behind this one. Mermaid diagrams are drawn on demand by
 * the component (mermaid-render.ts), from the code block's text.
 *
 * The web UI renders with the same pipeline but loads highlight.js and KaTeX on demand
 * (markdown-plugins.ts); importing this module would bundle both, so the UI does not.
 */
export const markdownToHtml = createMarkdown({ highlight: highlightCode, renderTex });

export { sanitize };

/** Safe HTML for a message's markdown. */
export function renderMarkdown(source: string): string {
  return sanitize(markdownToHtml(source));
}
