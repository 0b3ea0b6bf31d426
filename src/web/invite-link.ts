/**
 * Invite links: `<origin>/signup?invite=<code>`. The console shows one to copy when an invite is
 * made; the sign-up form reads the code from it, then takes it out of the address bar so it does
 * not stay in the browser's history (it is a credential until used).
 */

const PARAM = 'invite';

export function inviteLink(origin: string, code: string): string {
  return `${origin}/signup?${new URLSearchParams({ [PARAM]: code }).toString()}`;
}

/** The invite code of a `/signup?invite=...` address, or null. */
export function inviteFromUrl(location: Pick<Location, 'pathname' | 'search'>): string | null {
  if (location.pathname !== '/signup') return null;
  const code = new URLSearchParams(location.search).get(PARAM)?.trim();
  return code ? code.slice(0, 200) : null;
}

/** The same address without `invite` (other parameters and the fragment kept). */
export function withoutInvite(href: string): string {
  const url = new URL(href);
  url.searchParams.delete(PARAM);
  return `${url.pathname}${url.search}${url.hash}`;
}

/** Replace the current history entry with the address minus the code (no new entry, no reload). */
export function forgetInviteInUrl(): void {
  if (new URLSearchParams(window.location.search).has(PARAM)) {
    window.history.replaceState(window.history.state, '', withoutInvite(window.location.href));
  }
}
