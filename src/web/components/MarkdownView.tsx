import {
  type MouseEvent,
  memo,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useSyncExternalStore,
} from 'react';
import { copyText } from '../dates.js';
import { loadPlugin, pluginsVersion, renderMessageMarkdown, subscribePlugins } from '../markdown-plugins.js';
import { enhanceMarkdown, toggleDiagram, toggleFold } from './markdown-enhance.js';
import './MarkdownBlocks.css';

/**
 * A message's markdown as sanitized HTML (markdown-plugins.ts). Copy, fold and diagram buttons are
 * added as real DOM buttons afterwards (markdown-enhance.ts; the sanitized HTML never contains
 * buttons), handled by one listener. Its own chunk, loaded by Markdown.tsx when a message first
 * shows; highlight.js and KaTeX come later still, when a message has code or math.
 */
const MarkdownView = memo(function MarkdownView({ source }: { source: string }) {
  const plugins = useSyncExternalStore(subscribePlugins, pluginsVersion);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `plugins` changes what the render can do (highlighting, math).
  const { html, missing } = useMemo(() => renderMessageMarkdown(source), [source, plugins]);
  const ref = useRef<HTMLDivElement>(null);

  const missingKey = missing.join(' ');
  useEffect(() => {
    if (missingKey === '') return;
    for (const plugin of missingKey.split(' ') as Parameters<typeof loadPlugin>[0][]) void loadPlugin(plugin);
  }, [missingKey]);

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

export default MarkdownView;
