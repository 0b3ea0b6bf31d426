import type { AuthProviders } from '../api.js';

/** The words of the sign-in screens that depend on the server (AuthScreen, SignInForm). */

/** The token of an admin's reset link (`/reset#token=...`: the fragment never reaches a server log). */
export function resetToken(): string | null {
  if (window.location.pathname !== '/reset') return null;
  return new URLSearchParams(window.location.hash.slice(1)).get('token');
}

/** Why single sign-on sent the browser back (`/login?ssoError=<code>`), in words. */
const SSO_ERRORS: Record<string, string> = {
  sso_expired: 'The sign-in took too long or was started in another tab. Try again.',
  sso_failed: 'Single sign-on did not work. Try again; if it keeps failing, ask an admin.',
  sso_cancelled: 'Sign-in was cancelled at the provider.',
  account_disabled: 'This account is disabled; ask an admin.',
  account_pending: 'Your account was created and is waiting for an admin to approve it.',
  signup_closed: 'There is no Parley account for you and sign-up is closed; ask an admin.',
  provider_unavailable: 'The sign-in provider cannot be reached; try again in a moment.',
};

export function ssoErrorMessage(): string | null {
  const code = new URLSearchParams(window.location.search).get('ssoError');
  return code ? (SSO_ERRORS[code] ?? SSO_ERRORS.sso_failed ?? null) : null;
}

/** Shown above the form of a tab whose session ended while it was open (the API said 401). */
export const SESSION_ENDED =
  'You were signed out: your session ended in another tab or window, expired, or your account was disabled. Sign in again to go on; your unsent message is kept.';

/**
 * What the form is for: `setup` is the install's first account (it becomes the admin, whatever the
 * page's address); `closed` is the sign-up page of a server whose SIGNUP is closed.
 */
export type FormMode = 'login' | 'signup' | 'setup' | 'closed';

export function formMode(mode: 'login' | 'signup', providers: AuthProviders | null): FormMode {
  if (providers?.firstAccount && providers.localSignUp) return 'setup';
  if (mode === 'signup' && providers?.signup === 'closed') return 'closed';
  return mode;
}

/** What sign-up asks of a newcomer on this server, in a sentence (null: nothing to say). */
export function signupNote(providers: AuthProviders | null): string | null {
  switch (providers?.signup) {
    case 'invite':
      return 'Sign-up needs an invite code from an admin.';
    case 'approval':
      return 'An admin approves new accounts before they can sign in.';
    case 'open':
      return null;
    default:
      return 'The first account on a server becomes its admin; later ones may need an admin’s approval.';
  }
}
