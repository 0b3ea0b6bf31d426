import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError, type AuthProviders, api, type User } from '../api.js';
import { forgetInviteInUrl, inviteFromUrl } from '../invite-link.js';
import { navigate } from '../router.js';
import { ResetPasswordForm } from './ResetPasswordForm.js';
import './AuthScreen.css';

interface Props {
  mode: 'login' | 'signup';
  onSignedIn: (user: User, csrfToken: string) => void;
}

/** The token of an admin's reset link (`/reset#token=...`: the fragment never reaches a server log). */
function resetToken(): string | null {
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

function ssoErrorMessage(): string | null {
  const code = new URLSearchParams(window.location.search).get('ssoError');
  return code ? (SSO_ERRORS[code] ?? SSO_ERRORS.sso_failed ?? null) : null;
}

/** "Sign in with <label>": a plain link, the browser goes to the provider and back. */
function SsoButton({ label }: { label: string }) {
  return (
    <a className="btn btn-primary btn-block auth-sso" href="/api/auth/oidc/login">
      Sign in with {label}
    </a>
  );
}

/** Sign in and create account: one card, the same look as the app. */
export function AuthScreen(props: Props) {
  const token = resetToken();
  return token ? <ResetPasswordForm token={token} /> : <SignInForm {...props} />;
}

function SignInForm({ mode, onSignedIn }: Props) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  // An invite link (`/signup?invite=CODE`) fills the code in; the address then drops it (see invite-link.ts).
  const [invited] = useState(() => (mode === 'signup' ? inviteFromUrl(window.location) : null));
  const [inviteCode, setInviteCode] = useState(invited ?? '');
  const [setupCode, setSetupCode] = useState('');
  // The code fields only matter on some servers: shown when the server asks, or on request.
  const [codesShown, setCodesShown] = useState(invited !== null);
  useEffect(forgetInviteInUrl, []);
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<AuthProviders | null>(null);
  const [ssoError] = useState(ssoErrorMessage);
  const first = useRef<HTMLInputElement>(null);
  const ids = useId();

  // Single sign-on on this server? (Unknown until answered: the password form shows meanwhile.)
  useEffect(() => {
    api
      .authProviders()
      .then(setProviders)
      .catch(() => setProviders(null));
  }, []);
  const sso = providers?.oidc.enabled ? (providers.oidc.label ?? 'single sign-on') : null;
  // OIDC_ONLY: no password form, except `/login?local` for the break-glass admin (ADMIN_USERNAME).
  const passwordHidden =
    providers !== null &&
    !(mode === 'login' ? providers.localSignIn : providers.localSignUp) &&
    !(mode === 'login' && new URLSearchParams(window.location.search).has('local'));

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
              ...(displayName.trim() ? { displayName: displayName.trim() } : {}),
              ...(inviteCode.trim() ? { inviteCode: inviteCode.trim() } : {}),
              ...(setupCode.trim() ? { setupCode: setupCode.trim() } : {}),
            });
      // SIGNUP=approval: the account waits for an admin; there is no session yet.
      if ('status' in result) setPending(result.message);
      else onSignedIn(result.user, result.csrfToken);
    } catch (err) {
      let message = err instanceof Error ? err.message : String(err);
      if (err instanceof ApiError && (err.code === 'setup_required' || err.code === 'signup_closed')) {
        setCodesShown(true);
      }
      if (err instanceof ApiError && err.status === 429 && err.retryAfter) {
        message = `${message} (try again in ${Math.ceil(err.retryAfter / 60)} min)`;
      }
      setError(message);
    } finally {
      setBusy(false);
    }
  }

  const title = mode === 'login' ? 'Sign in to Parley' : 'Create your Parley account';
  if (passwordHidden) {
    return (
      <main className="auth-page">
        <section className="auth-card" aria-labelledby={`${ids}-title`}>
          <div className="auth-brand">
            <span className="brand-mark" aria-hidden="true" />
            <span>Parley</span>
          </div>
          <h1 id={`${ids}-title`}>Sign in to Parley</h1>
          {mode === 'signup' && <p className="muted">Accounts are created by signing in.</p>}
          {ssoError && (
            <p className="form-error" role="alert">
              {ssoError}
            </p>
          )}
          {sso && <SsoButton label={sso} />}
        </section>
      </main>
    );
  }
  if (pending) {
    return (
      <main className="auth-page">
        <section className="auth-card" aria-labelledby={`${ids}-title`}>
          <h1 id={`${ids}-title`}>Account created</h1>
          <p role="status">{pending}</p>
          <button type="button" className="btn btn-primary btn-block" onClick={() => navigate('/login')}>
            Go to sign in
          </button>
        </section>
      </main>
    );
  }
  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true" />
          <span>Parley</span>
        </div>
        <h1 id={`${ids}-title`}>{title}</h1>
        {ssoError && (
          <p className="form-error" role="alert">
            {ssoError}
          </p>
        )}
        {sso && (
          <>
            <SsoButton label={sso} />
            <p className="auth-divider" aria-hidden="true">
              or
            </p>
          </>
        )}
        {mode === 'signup' && (
          <p className="muted">
            The first account on a server becomes its admin; later ones may need an admin’s approval.
          </p>
        )}
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
        {mode === 'signup' && (
          <>
            <label className="field">
              <span>
                Display name <span className="muted">(optional)</span>
              </span>
              <input
                name="displayName"
                autoComplete="nickname"
                maxLength={80}
                value={displayName}
                onChange={(e) => setDisplayName(e.target.value)}
              />
            </label>
            {codesShown ? (
              <>
                <label className="field">
                  <span>
                    Invite code <span className="muted">(from an admin, if the server needs one)</span>
                  </span>
                  <input
                    name="inviteCode"
                    autoComplete="off"
                    maxLength={200}
                    value={inviteCode}
                    onChange={(e) => setInviteCode(e.target.value)}
                  />
                </label>
                <label className="field">
                  <span>
                    Setup code <span className="muted">(first account on a new server: from its log)</span>
                  </span>
                  <input
                    name="setupCode"
                    autoComplete="off"
                    maxLength={200}
                    value={setupCode}
                    onChange={(e) => setSetupCode(e.target.value)}
                  />
                </label>
              </>
            ) : (
              <button
                type="button"
                className="link-btn auth-codes-toggle"
                onClick={() => setCodesShown(true)}
              >
                I have an invite or setup code
              </button>
            )}
          </>
        )}
        <p className="form-error" role="alert">
          {error}
        </p>
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {mode === 'login' ? (busy ? 'Signing in…' : 'Sign in') : busy ? 'Creating…' : 'Create account'}
        </button>
        <p className="auth-switch">
          {mode === 'login' ? 'No account yet? ' : 'Already have an account? '}
          <a
            href={mode === 'login' ? '/signup' : '/login'}
            onClick={(e) => {
              e.preventDefault();
              navigate(mode === 'login' ? '/signup' : '/login');
            }}
          >
            {mode === 'login' ? 'Create one' : 'Sign in'}
          </a>
        </p>
      </form>
    </main>
  );
}
