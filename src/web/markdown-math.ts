import katex from 'katex';
import type { TokenizerAndRendererExtension, Tokens } from 'marked';

/**
 * TeX math in messages: `$…$` and `\(…\)` inline, `$$…$$` and `\[…\]` as a display block, rendered
 * by KaTeX as MathML. MathML needs no style attributes (KaTeX's HTML output positions every glyph
 * with inline styles, which the page's CSP, style-src 'self', refuses) and the browser lays it out;
 * KaTeX's CSS and fonts are bundled (main.tsx) for the font. The output still goes through the
 * sanitizer's allow-list like everything else, and KaTeX runs with trust off (no \href, \url,
 * \htmlStyle, \includegraphics) and capped sizes and macro expansion.
 *
 * Dollar amounts are not math: an opening `$` must be followed by a non-space, a closing one must
 * follow a non-space and not be followed by a digit, so "$5 and $10" stays text. An unclosed `$`
 * (a reply still streaming) stays text until its closing `$` arrives.
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

interface MathToken extends Tokens.Generic {
  type: 'inlineMath' | 'blockMath';
  text: string;
  display: boolean;
}

// Bounded ({1,4000}): a long reply full of unclosed `\(` must not make matching quadratic.
const INLINE_DOLLAR = /^\$(?![\s$])((?:\\[\s\S]|[^\\$]){1,4000}?)(?<!\s)\$(?!\d)/;
const INLINE_DISPLAY = /^\$\$(?!\$)((?:\\[\s\S]|[^\\$]){1,4000}?)\$\$/;
const INLINE_PAREN = /^\\\(([\s\S]{1,4000}?)\\\)/;
const INLINE_BRACKET = /^\\\[([\s\S]{1,4000}?)\\\]/;
const BLOCK_DOLLAR = /^ {0,3}\$\$([\s\S]{1,4000}?)\$\$[ \t]*(?:\n+|$)/;
const BLOCK_BRACKET = /^ {0,3}\\\[([\s\S]{1,4000}?)\\\][ \t]*(?:\n+|$)/;

const inlineMath: TokenizerAndRendererExtension = {
  name: 'inlineMath',
  level: 'inline',
  start(src: string) {
    const index = src.search(/\$|\\[([]/);
    return index < 0 ? undefined : index;
  },
  tokenizer(src: string): MathToken | undefined {
    let match = INLINE_DISPLAY.exec(src) ?? INLINE_BRACKET.exec(src);
    if (match) return { type: 'inlineMath', raw: match[0], text: (match[1] ?? '').trim(), display: true };
    match = INLINE_DOLLAR.exec(src) ?? INLINE_PAREN.exec(src);
    if (match) return { type: 'inlineMath', raw: match[0], text: (match[1] ?? '').trim(), display: false };
    return undefined;
  },
  renderer(token) {
    const html = renderTex(token.text as string, token.display as boolean);
    return token.display ? `<span class="math-display">${html}</span>` : html;
  },
};

const blockMath: TokenizerAndRendererExtension = {
  name: 'blockMath',
  level: 'block',
  start(src: string) {
    const index = src.search(/^ {0,3}(\$\$|\\\[)/m);
    return index < 0 ? undefined : index;
  },
  tokenizer(src: string): MathToken | undefined {
    const match = BLOCK_DOLLAR.exec(src) ?? BLOCK_BRACKET.exec(src);
    if (!match || (match[1] ?? '').trim() === '') return undefined;
    return { type: 'blockMath', raw: match[0], text: (match[1] ?? '').trim(), display: true };
  },
  renderer(token) {
    return `<div class="math-display">${renderTex(token.text as string, true)}</div>\n`;
  },
};

export const mathExtensions = [blockMath, inlineMath];
