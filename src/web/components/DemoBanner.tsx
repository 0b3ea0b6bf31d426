import { useState } from 'react';
import type { ModelList } from '../api.js';
import { CloseIcon } from './icons.js';
import './DemoBanner.css';

const HIDDEN_KEY = 'parley.demoBanner';

/** Only the built-in demo model is configured: say why replies are canned (hidden for the tab's session). */
export function DemoBanner({ models }: { models: ModelList | null }) {
  const [hidden, setHidden] = useState(() => sessionStorage.getItem(HIDDEN_KEY) === 'hidden');
  const demoOnly =
    models !== null && models.models.length > 0 && models.models.every((m) => m.provider === 'parley');
  if (!demoOnly || hidden) return null;
  return (
    // biome-ignore format: the text keeps its earlier line breaks, so its DOM text nodes (and glyphs) stay the same
    <div className="banner" role="note">
      <button
        type="button"
        className="icon-btn banner-close"
        aria-label="Hide the demo-mode note"
        onClick={() => {
          sessionStorage.setItem(HIDDEN_KEY, 'hidden');
          setHidden(true);
        }}
      >
        <CloseIcon />
      </button>
      <strong>Demo mode:</strong> only the built-in demo model is configured, so replies are canned. To
      use a real model, set a provider key such as <code>OPENAI_API_KEY</code> (or{' '}
      <code>ANTHROPIC_API_KEY</code>, <code>OLLAMA_BASE_URL</code>, a <code>MODELS_FILE</code>…) and
      restart Parley; see “Models” in the README.
    </div>
  );
}
