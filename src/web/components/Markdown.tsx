import 'katex/dist/katex.min.css';
import { type MouseEvent, memo, useLayoutEffect, useMemo, useRef } from 'react';
import { copyText } from '../dates.js';
import { renderMarkdown } from '../markdown.js';
import { enhanceMarkdown, toggleDiagram, toggleFold } from './markdown-enhance.js';
import './Markdown.css';
import './MarkdownBlocks.css';

/**
 * A message's markdown as sanitized HTML (see markdown.ts). Copy, fold and diagram buttons are
 * added as real DOM buttons afterwards (markdown-enhance.ts; the sanitized HTML never contains
 * buttons), handled by one listener. KaTeX's style sheet and fonts are bundled from here.
 */
export const Markdown = memo(function Markdown({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  const ref = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    if (ref.current && html) enhanceMarkdown(ref.current);
  }, [html]);

  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const target = event.target as Element;
    const toggle = target.closest('.code-toggle');
    if (toggle instanceof HTMLButtonElement) return toggleFold(toggle);
    const diagram = target.closest('.code-diagram');
    if (diagram instanceof HTMLButtonElement) return void toggleDiagram(diagram);
    const button = target.closest('.code-copy');
    if (!(button instanceof HTMLButtonElement)) return;
    const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? '';
    void copyText(code).then((ok) => {
      button.textContent = ok ? 'Copied' : 'Copy failed';
      setTimeout(() => {
        button.textContent = 'Copy';
      }, 1500);
    });
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the handler only serves the real <button>s inside, which are keyboard-operable.
    // biome-ignore lint/a11y/noStaticElementInteractions: see above; this is event delegation, not a control.
    <div
      ref={ref}
      className="markdown"
      onClick={onClick}
      // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by DOMPurify with a fixed allow-list (markdown-sanitize.ts).
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
});
