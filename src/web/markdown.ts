import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdownLang from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked, type Tokens } from 'marked';
import { mathExtensions } from './markdown-math.js';
import { sanitize } from './markdown-sanitize.js';

/**
 * Markdown → safe HTML. marked renders GitHub-flavoured markdown (tables, task lists,
 * strikethrough, fenced code) with highlight.js for code, TeX math with KaTeX (markdown-math.ts),
 * and raw HTML as text (see `marked` below); DOMPurify then keeps only a fixed list of harmless
 * tags and attributes (markdown-sanitize.ts). Nothing a model or user writes can run script (no
 * <script>, no event handlers, no javascript: URLs) or load anything (images become links; no
 * iframes, media, forms, styles or SVG). The page's Content-Security-Policy (script-src 'self',
 * img-src 'self' data:) is the second wall behind this one. Mermaid diagrams are drawn on demand
 * by the component (MermaidBlock.ts), from the code block's text.
 */

for (const [name, lang] of Object.entries({
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  markdown: markdownLang,
  python,
  rust,
  sql,
  typescript,
  xml,
  yaml,
})) {
  hljs.registerLanguage(name, lang);
}
for (const [alias, name] of [
  ['sh', 'bash'],
  ['shell', 'bash'],
  ['zsh', 'bash'],
  ['js', 'javascript'],
  ['jsx', 'javascript'],
  ['ts', 'typescript'],
  ['tsx', 'typescript'],
  ['py', 'python'],
  ['html', 'xml'],
  ['md', 'markdown'],
  ['yml', 'yaml'],
  ['rs', 'rust'],
  ['golang', 'go'],
] as const) {
  hljs.registerAliases(alias, { languageName: name });
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * Raw HTML in a reply is shown as text, never parsed. As HTML it could only lose text: an HTML
 * block runs to its closing tag (an unclosed `<style>`, `<textarea>` or `<script>` to the end of
 * the reply), and the sanitizer drops such elements with everything inside, or (`<math>`, `<svg>`)
 * everything nested in them. So an HTML block is taken one line at a time, shown as that line's
 * text, and the lines after it are markdown again; inline tags are shown as text where they stand.
 */
const marked = new Marked({
  extensions: mathExtensions,
  gfm: true,
  breaks: false,
  tokenizer: {
    html(src: string) {
      // false: not an HTML block here, marked's own rules go on (autolinks such as <https://…>).
      if (!this.rules.block.html.test(src)) return false;
      const line = /^[^\n]*(?:\n|$)/.exec(src)?.[0] ?? src;
      return { type: 'html', block: true, pre: false, raw: line, text: line };
    },
  },
  renderer: {
    html({ text, block }: Tokens.HTML | Tokens.Tag): string {
      return block ? `<p>${escapeHtml(text.trim())}</p>\n` : escapeHtml(text);
    },
    code({ text, lang }: Tokens.Code): string {
      const language = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      let body: string;
      let label = language;
      if (language && hljs.getLanguage(language)) {
        body = hljs.highlight(text, { language, ignoreIllegals: true }).value;
      } else {
        body = escapeHtml(text);
        if (!language) label = 'text';
      }
      // The copy button is added by the component (a real button with a handler), not in HTML.
      const kind = language === 'mermaid' ? 'code-block code-mermaid' : 'code-block';
      return `<div class="${kind}"><div class="code-head"><span class="code-lang">${escapeHtml(label)}</span></div><pre><code class="hljs">${body}</code></pre></div>\n`;
    },
    image({ href, text }: Tokens.Image): string {
      // No remote content: an image is shown as a link to it.
      const label = text || 'image';
      return `<a href="${escapeHtml(href ?? '')}" class="image-link">🖼 ${escapeHtml(label)}</a>`;
    },
  },
});

export { sanitize };

/** Markdown → HTML before sanitizing (raw HTML in `source` comes out as text). */
export function markdownToHtml(source: string): string {
  return marked.parse(source, { async: false });
}

/** Safe HTML for a message's markdown. */
export function renderMarkdown(source: string): string {
  return sanitize(markdownToHtml(source));
}
