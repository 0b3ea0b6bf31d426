import DOMPurify from 'dompurify';
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

/**
 * Markdown → safe HTML. marked renders GitHub-flavoured markdown (tables, task lists,
 * strikethrough, fenced code) with highlight.js for code, and raw HTML as text (see `marked`
 * below); DOMPurify then keeps only a fixed list of
 * harmless tags and attributes. Nothing a model or user writes can run script (no <script>, no
 * event handlers, no javascript: URLs) or load anything (images become links; no iframes, media,
 * forms, styles or SVG). The page's Content-Security-Policy (script-src 'self', img-src 'self'
 * data:) is the second wall behind this one.
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
      return `<div class="code-block"><div class="code-head"><span class="code-lang">${escapeHtml(label)}</span></div><pre><code class="hljs">${body}</code></pre></div>\n`;
    },
    image({ href, text }: Tokens.Image): string {
      // No remote content: an image is shown as a link to it.
      const label = text || 'image';
      return `<a href="${escapeHtml(href ?? '')}" class="image-link">🖼 ${escapeHtml(label)}</a>`;
    },
  },
});

const ALLOWED_TAGS = [
  'a',
  'b',
  'blockquote',
  'br',
  'code',
  'del',
  'details',
  'div',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'i',
  'input',
  'kbd',
  'li',
  'ol',
  'p',
  'pre',
  's',
  'span',
  'strong',
  'sub',
  'summary',
  'sup',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
];
const ALLOWED_ATTR = [
  'href',
  'title',
  'class',
  'align',
  'type',
  'checked',
  'disabled',
  'start',
  'colspan',
  'rowspan',
];
/** Class names our renderer and highlight.js produce; a model cannot restyle the page with others. */
const SAFE_CLASS = /^(hljs(-[\w-]+)?|language-[\w-]+|code-block|code-head|code-lang|image-link|[\w]+_)$/;

let hooked = false;
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  // Raw HTML <img> is not an allowed tag, so it is dropped; markdown images are links already.
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node instanceof HTMLAnchorElement) {
      const href = node.getAttribute('href') ?? '';
      if (!/^(https?:|mailto:|#)/i.test(href)) node.removeAttribute('href');
      else if (!href.startsWith('#')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    }
    if (node instanceof HTMLInputElement) {
      if (node.getAttribute('type') !== 'checkbox') node.remove();
      else node.setAttribute('disabled', '');
    }
    if (node instanceof Element && node.hasAttribute('class')) {
      const classes = (node.getAttribute('class') ?? '').split(/\s+/).filter((name) => SAFE_CLASS.test(name));
      if (classes.length > 0) node.setAttribute('class', classes.join(' '));
      else node.removeAttribute('class');
    }
  });
}

export function sanitize(html: string): string {
  installHooks();
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
    KEEP_CONTENT: true,
  });
}

/** Markdown → HTML before sanitizing (raw HTML in `source` comes out as text). */
export function markdownToHtml(source: string): string {
  return marked.parse(source, { async: false });
}

/** Safe HTML for a message's markdown. */
export function renderMarkdown(source: string): string {
  return sanitize(markdownToHtml(source));
}
