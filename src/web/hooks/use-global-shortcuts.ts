import { useEffect } from 'react';
import { navigate } from '../router.js';
import { type Shortcut, shortcutFor } from './use-shortcuts.js';

/** Performs a shortcut on the page as it is now (the elements are found, not passed down). */
function perform(shortcut: Shortcut, openHelp: () => void) {
  if (shortcut === 'help') return openHelp();
  if (shortcut === 'new-chat') navigate('/');
  if (shortcut === 'search') {
    // On a phone the search lives in the drawer: open it first.
    document.querySelector<HTMLButtonElement>('.menu-btn[aria-expanded="false"]')?.click();
    document.querySelector<HTMLInputElement>('.sidebar .search input')?.focus();
    return;
  }
  // New chat and focus-composer both end in the message box (after the new page renders).
  requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus());
}

/** The app-wide keys (see SHORTCUTS); Esc-to-stop and ↑-to-edit live with the conversation. */
export function useGlobalShortcuts(openHelp: () => void) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const shortcut = shortcutFor(event, document.activeElement);
      if (!shortcut) return;
      event.preventDefault();
      perform(shortcut, openHelp);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [openHelp]);
}
