import type { TokenizerAndRendererExtension, Tokens } from 'marked';

/**
 * TeX math in messages: `$…$` and `\(…\)` inline, `$$…$$` and `\[…\]` as a display block. This
 * module only finds the math; `render` turns it into HTML (KaTeX in markdown-katex.ts, which the web
 * UI loads only when a message has math).
 *
 * Dollar amounts are not math: an opening `$` must be followed by a non-space, a closing one must
 * follow a non-space and not be followed by a digit, so "$5 and $10" stays text. An unclosed `$`
 * (a reply still streaming) stays text until its closing `$` arrives.
 */

/** TeX → HTML; `display` for a block (or `$$…$$` inline). */
export type TexRenderer = (tex: string, display: boolean) => string;

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

export function createMathExtensions(renderTex: TexRenderer): TokenizerAndRendererExtension[] {
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

  return [blockMath, inlineMath];
}
