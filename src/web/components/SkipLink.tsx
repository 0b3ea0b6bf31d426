import type { MouseEvent } from 'react';

/** Focus the main column (its composer when there is one) without a hash in the address. */
function skipToMain(event: MouseEvent) {
  event.preventDefault();
  const main = document.getElementById('main-content');
  const target = main?.querySelector<HTMLElement>('.composer textarea') ?? main;
  target?.focus();
}

/** The first tab stop: past the sidebar straight to the conversation, visible only on focus. */
export function SkipLink() {
  return (
    // biome-ignore lint/a11y/useValidAnchor: a real in-page link (works without script); the handler only keeps the hash out of the router's URL.
    <a className="skip-link" href="#main-content" onClick={skipToMain}>
      Skip to conversation
    </a>
  );
}
