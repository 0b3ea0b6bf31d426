import { createMarkdown } from './markdown-core.js';
import { sanitize } from './markdown-sanitize.js';

/**
 * The web UI's markdown renderer, with highlight.js and KaTeX loaded on demand: each is a chunk of
 * its own, downloaded the first time a message needs it (a code block with a language, or math), so
 * a chat without code or math never pays for them. Until a plugin is here its code or TeX shows as
 * plain text, and every message rendered with it is drawn again once it arrives (`usePluginsVersion`
 * in MarkdownView.tsx).
 */

type Plugin = 'code' | 'math';
type Highlighter = typeof import('./markdown-highlight.js');
type MathRenderer = typeof import('./math-renderer.js');

let highlighter: Highlighter | null = null;
let mathRenderer: MathRenderer | null = null;
/** The plugins the render in progress asked for and did not have (rendering is synchronous). */
let missing: Set<Plugin> | null = null;
/** Code blocks whose language highlight.js would not colour anyway: no reason to load it. */
const PLAIN_LANGUAGES = new Set(['text', 'txt', 'plain', 'plaintext', 'mermaid']);

const markdownToHtml = createMarkdown({
  highlight(code, language) {
    if (highlighter) return highlighter.highlightCode(code, language);
    if (!PLAIN_LANGUAGES.has(language)) missing?.add('code');
    return undefined;
  },
  renderTex(tex, display) {
    if (mathRenderer) return mathRenderer.renderTex(tex, display);
    missing?.add('math');
    return undefined;
  },
});

/** Safe HTML for a message's markdown, and the plugins it would look better with. */
export function renderMessageMarkdown(source: string): { html: string; missing: Plugin[] } {
  missing = new Set();
  try {
    const html = sanitize(markdownToHtml(source));
    return { html, missing: [...missing] };
  } finally {
    missing = null;
  }
}

let version = 0;
const listeners = new Set<() => void>();
const loading = new Map<Plugin, Promise<void>>();

function loaded(): void {
  version += 1;
  for (const listener of listeners) listener();
}

/**
 * Loads a plugin once; every message is drawn again when it is here. A chunk that fails to load
 * (offline, a deploy replaced it) leaves the plain text, which is still the whole message.
 */
export function loadPlugin(plugin: Plugin): Promise<void> {
  const pending = loading.get(plugin);
  if (pending) return pending;
  const load =
    plugin === 'code'
      ? import('./markdown-highlight.js').then((module) => {
          highlighter = module;
        })
      : import('./math-renderer.js').then((module) => {
          mathRenderer = module;
        });
  const done = load.then(loaded, () => undefined);
  loading.set(plugin, done);
  return done;
}

export function subscribePlugins(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Changes each time a plugin arrives: a render key for messages drawn without it. */
export const pluginsVersion = () => version;
