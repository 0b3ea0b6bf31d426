/**
 * The composer's unsent text, per user and conversation, in this tab's sessionStorage: a tab whose
 * session ends (signed out elsewhere, expired, disabled) shows the sign-in screen, and after signing
 * in again the draft is back. Per tab (not localStorage) so it does not outlive the browser
 * session, and per user so another account signing in on this tab never sees it. Signing out on
 * purpose forgets the user's drafts.
 */

const PREFIX = 'parley:draft:';
let owner = '';

/** Whose drafts the composers read and write (the signed-in user's id). */
export function setDraftOwner(userId: string): void {
  owner = userId;
}

const keyOf = (conversation: string) => `${PREFIX}${owner}:${conversation}`;

/** Storage may be off (private modes, quotas): a draft is then only in memory, as before. */
function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function loadDraft(conversation: string): string {
  if (!owner) return '';
  return storage()?.getItem(keyOf(conversation)) ?? '';
}

/** Saves the text, or forgets it when empty. */
export function saveDraft(conversation: string, text: string): void {
  if (!owner) return;
  try {
    if (text) storage()?.setItem(keyOf(conversation), text);
    else storage()?.removeItem(keyOf(conversation));
  } catch {
    // Full: the draft stays in the box only.
  }
}

/** Every draft of a user (when they sign out on purpose). */
export function forgetDrafts(userId: string): void {
  const store = storage();
  if (!store) return;
  const prefix = `${PREFIX}${userId}:`;
  const keys: string[] = [];
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (key?.startsWith(prefix)) keys.push(key);
  }
  for (const key of keys) store.removeItem(key);
}
