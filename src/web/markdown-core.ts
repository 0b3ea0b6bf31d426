import { Marked, type Tokens } from 'marked';
import { createMathExtensions } from './markdown-math.js';

/**
 * Markdown → HTML (before sanitizing). marked renders GitHub-flavoured markdown (tables, task lists,
 * strikethrough, fenced code) and raw HTML as text (see `createMarkdown`). Highlighting and math are
 * plugins: the web UI loads highlight.js and KaTeX only when a message needs them
 * (markdown-plugins.ts), and a plugin that is not loaded yet answers undefined, so the code or TeX is
 * shown as its plain text until it is.
 */
export interface MarkdownPlugins {
  /** Highlighted HTML, or undefined: the language is unknown, or the highlighter not loaded. */
  highlight(code: string, language: string): string | undefined;
  /** MathML for TeX, or undefined while the math renderer is not loaded. */
  renderTex(tex: string, display: boolean): string | undefined;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A markdown renderer using `plugins`. Raw HTML in a reply is shown as text, never parsed. As HTML it
 * could only lose text: an HTML block runs to its closing tag (an unclosed `<style>`, `<textarea>` or
 * `<script>` to the end of the reply), and the sanitizer drops such elements with everything inside,
 * or (`<math>`, `<svg>`) everything nested in them. So an HTML block is taken one line at a time,
 * shown as that line's text, and the lines after it are markdown again; inline tags are shown as text
 * where they stand.
 */
export function createMarkdown(plugins: MarkdownPlugins): (source: string) => string {
  const marked = new Marked({
    extensions: createMathExtensions(
      (tex, display) =>
        plugins.renderTex(tex, display) ?? `<code class="math-pending">${escapeHtml(tex)}</code>`,
    ),
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
        const highlighted = language ? plugins.highlight(text, language) : undefined;
        const body = highlighted ?? escapeHtml(text);
        const label = language || 'text';
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
  return (source) => marked.parse(source, { async: false });
}
