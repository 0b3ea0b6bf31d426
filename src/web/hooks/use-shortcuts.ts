/**
 * Keyboard scoping shared by the app's global keys. Esc stops a running reply only when focus is
 * in the composer or the conversation itself (or nowhere in particular): pressing it to clear the
 * sidebar search, close a menu or leave a dialog must never also stop the reply.
 */

/** Where focus may be for Esc to stop the reply being written. */
export function escapeStopsReply(target: Element | null): boolean {
  if (!target || target === document.body || target === document.documentElement) return true;
  // A menu, listbox, dialog or the sidebar handle their own Esc.
  if (target.closest('dialog, [role="dialog"], [role="menu"], [role="listbox"], .sidebar')) return false;
  if (target.closest('.composer')) return true;
  // Any other text field (search, rename, edit box) takes Esc for itself.
  if (isTextField(target)) return false;
  return target.closest('.conversation') !== null;
}

/** A field where typed keys are text, not shortcuts. */
export function isTextField(target: Element | null): boolean {
  if (!target) return false;
  if ((target as HTMLElement).isContentEditable === true) return true;
  if (target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target.tagName !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file'].includes(type);
}

export type Shortcut = 'new-chat' | 'search' | 'focus-composer' | 'help';

/** The app's keys, for the help dialog (the same list the handler below follows). */
export const SHORTCUTS: readonly { keys: string; what: string }[] = [
  { keys: 'Ctrl/⌘ + Shift + O', what: 'New chat' },
  { keys: 'Ctrl/⌘ + K', what: 'Search conversations' },
  { keys: 'Shift + Esc', what: 'Focus the message box' },
  { keys: '↑', what: 'Edit your last message (in an empty message box)' },
  { keys: 'Esc', what: 'Stop the reply (from the message box or conversation)' },
  { keys: '?', what: 'Show these shortcuts' },
];

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/** Which shortcut a key press means where focus is, or null (then the key is left alone). */
export function shortcutFor(event: KeyLike, target: Element | null): Shortcut | null {
  // An open dialog or menu owns the keyboard.
  if (target?.closest('dialog, [role="dialog"], [role="menu"], [role="listbox"]')) return null;
  if (document.querySelector('dialog[open]')) return null;
  const mod = (event.ctrlKey || event.metaKey) && !event.altKey;
  const key = event.key.toLowerCase();
  if (mod && event.shiftKey && key === 'o') return 'new-chat';
  if (mod && !event.shiftKey && key === 'k') return 'search';
  if (event.key === 'Escape' && event.shiftKey && !mod) return 'focus-composer';
  if (event.key === '?' && !mod && !event.altKey && !isTextField(target)) return 'help';
  return null;
}

/** Opens the editor on the last message the user sent; false when there is none to edit. */
export function editLastMessage(): boolean {
  const mine = document.querySelectorAll('.conversation article.msg-user');
  const edit = mine[mine.length - 1]?.querySelector<HTMLButtonElement>(
    'button[aria-label="Edit and resend"]',
  );
  if (!edit || edit.disabled) return false;
  edit.click();
  return true;
}
