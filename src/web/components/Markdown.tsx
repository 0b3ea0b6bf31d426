import { type MouseEvent, memo, useLayoutEffect, useMemo, useRef } from 'react';
import { copyText } from '../dates.js';
import { renderMarkdown } from '../markdown.js';
import './Markdown.css';

/**
 * A message's markdown as sanitized HTML (see markdown.ts). Copy buttons for code blocks are added
 * here as real DOM buttons (the sanitized HTML never contains buttons), handled by one listener.
 */
export const Markdown = memo(function Markdown({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  const ref = useRef<HTMLDivElement>(null);

  useLayoutEffect(() => {
    if (!ref.current || !html.includes('code-head')) return;
    for (const head of ref.current.querySelectorAll('.code-head')) {
      if (head.querySelector('.code-copy')) continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'code-copy';
      button.textContent = 'Copy';
      button.setAttribute('aria-label', 'Copy code');
      head.append(button);
    }
  }, [html]);

  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const button = (event.target as Element).closest('.code-copy');
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
      // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitized by DOMPurify with a fixed allow-list (markdown.ts).
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
});
