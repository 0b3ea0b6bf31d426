import katex from 'katex';

/**
 * TeX → MathML with KaTeX. MathML needs no style attributes (KaTeX's HTML output positions every
 * glyph with inline styles, which the page's CSP, style-src 'self', refuses) and the browser lays it
 * out. The output still goes through the sanitizer's allow-list like everything else, and KaTeX runs
 * with trust off (no \href, \url, \htmlStyle, \includegraphics) and capped sizes and macro expansion.
 * KaTeX is the heaviest part of rendering: the web UI loads this module only when a message has
 * math (markdown-plugins.ts); the tokenizers that find math are in markdown-math.ts.
 */

const MAX_TEX = 4000;
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Streaming re-renders a message on every token: keep recent results instead of re-running KaTeX. */
const cache = new Map<string, string>();

export function renderTex(tex: string, display: boolean): string {
  const key = `${display ? 'D' : 'I'}${tex}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let html: string;
  if (tex.length > MAX_TEX) html = `<code class="katex-error">${escapeHtml(tex)}</code>`;
  else {
    try {
      html = katex
        .renderToString(tex, {
          displayMode: display,
          output: 'mathml',
          throwOnError: true,
          trust: false,
          strict: 'ignore',
          maxSize: 10,
          maxExpand: 200,
        })
        // The TeX source as an annotation; the sanitizer does not take <semantics>/<annotation>.
        .replace(
          /<semantics>|<annotation encoding="application\/x-tex">[^<]*<\/annotation><\/semantics>/g,
          '',
        );
    } catch (error) {
      const message = error instanceof Error ? error.message : 'Invalid math';
      html = `<code class="katex-error" title="${escapeHtml(message)}">${escapeHtml(tex)}</code>`;
    }
  }
  if (cache.size > 500) cache.delete(cache.keys().next().value as string);
  cache.set(key, html);
  return html;
}
