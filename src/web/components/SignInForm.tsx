import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError, type AuthProviders, api, type User } from '../api.js';
import { forgetInviteInUrl, inviteFromUrl } from '../invite-link.js';
import { AuthBrand, AuthLink, AuthNotice, SignUpHint, SsoButton } from './AuthParts.js';
import { SESSION_ENDED, signupNote } from './auth-text.js';
import { type CodeFields, SignupFields, type SignupValues } from './SignupFields.js';

interface Props {
  /** `setup`: the install's first account, which becomes its admin. */
  mode: 'login' | 'signup' | 'setup';
  providers: AuthProviders | null;
  /** Single sign-on's button label, when the server has it. */
  sso: string | null;
  ssoError: string | null;
  sessionEnded: boolean;
  onSignedIn: (user: User, csrfToken: string) => void;
  /** SIGNUP=approval: the account waits for an admin (no session yet). */
  onPending: (message: string) => void;
}

const TITLES = {
  login: 'Sign in to Parley',
  signup: 'Create your Parley account',
  setup: 'Create the admin account',
};

/** The password form: sign in, sign up, or create the first (admin) account. */
export function SignInForm({ mode, providers, sso, ssoError, sessionEnded, onSignedIn, onPending }: Props) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // An invite link (`/signup?invite=CODE`) fills the code in; the address then drops it (see invite-link.ts).
  const [invited] = useState(() => (mode === 'signup' ? inviteFromUrl(window.location) : null));
  const [extra, setExtra] = useState<SignupValues>({
    displayName: '',
    inviteCode: invited ?? '',
    setupCode: '',
  });
  // The server asked for a code the page did not show: show both.
  const [codesAsked, setCodesAsked] = useState(false);
  useEffect(forgetInviteInUrl, []);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  const ids = useId();

  // Mounted afresh for each mode (App keys it by mode).
  useEffect(() => {
    first.current?.focus();
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result =
        mode === 'login'
          ? await api.login(username, password)
          : await api.signup({
              username,
              password,
              ...(extra.displayName.trim() ? { displayName: extra.displayName.trim() } : {}),
              ...(extra.inviteCode.trim() ? { inviteCode: extra.inviteCode.trim() } : {}),
              ...(extra.setupCode.trim() ? { setupCode: extra.setupCode.trim() } : {}),
            });
      if ('status' in result) onPending(result.message);
      else onSignedIn(result.user, result.csrfToken);
    } catch (err) {
      let message = err instanceof Error ? err.message : String(err);
      if (err instanceof ApiError && (err.code === 'setup_required' || err.code === 'signup_closed')) {
        setCodesAsked(true);
      }
      if (err instanceof ApiError && err.status === 429 && err.retryAfter) {
        message = `${message} (try again in ${Math.ceil(err.retryAfter / 60)} min)`;
      }
      setError(message);
    } finally {
      setBusy(false);
    }
  }

  let codes: CodeFields = 'none';
  if (codesAsked) codes = 'both';
  else if (mode === 'setup') codes = providers?.setupCodeRequired ? 'setup' : 'never';
  else if (invited !== null || providers?.signup === 'invite') codes = 'invite';
  const note = mode === 'setup' ? null : signupNote(providers);

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
        <AuthBrand />
        <h1 id={`${ids}-title`}>{TITLES[mode]}</h1>
        <AuthNotice text={sessionEnded ? SESSION_ENDED : null} />
        <AuthNotice text={ssoError} alert />
        {sso && (
          <>
            <SsoButton label={sso} />
            <p className="auth-divider" aria-hidden="true">
              or
            </p>
          </>
        )}
        {mode === 'setup' && (
          <p className="muted">
            This Parley has no accounts yet. The account you create now is its admin: it manages users, models
            and settings.
            {providers?.setupCodeRequired &&
              ' The server printed a one-time setup code in its log; enter it below.'}
          </p>
        )}
        {mode === 'signup' && note && <p className="muted">{note}</p>}
        <label className="field">
          <span>Username</span>
          <input
            ref={first}
            name="username"
            autoComplete="username"
            required
            minLength={3}
            maxLength={40}
            pattern="[A-Za-z0-9_.\-]+"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={8}
            maxLength={200}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {mode !== 'login' && <SignupFields values={extra} onChange={setExtra} codes={codes} />}
        <p className="form-error" role="alert">
          {error}
        </p>
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {mode === 'login' ? (busy ? 'Signing in…' : 'Sign in') : busy ? 'Creating…' : 'Create account'}
        </button>
        {mode === 'login' && (providers === null || providers.localSignUp) && (
          <SignUpHint closed={providers?.signup === 'closed'} />
        )}
        {mode === 'signup' && (
          <p className="auth-switch">
            Already have an account? <AuthLink to="/login">Sign in</AuthLink>
          </p>
        )}
      </form>
    </main>
  );
}
