import { useEffect, useId, useState } from 'react';
import { type AuthProviders, api, type User } from '../api.js';
import { navigate } from '../router.js';
import { AuthCard, AuthLink, AuthNotice, SsoButton } from './AuthParts.js';
import { formMode, resetToken, SESSION_ENDED, ssoErrorMessage } from './auth-text.js';
import { ResetPasswordForm } from './ResetPasswordForm.js';
import { SignInForm } from './SignInForm.js';
import './AuthScreen.css';

interface Props {
  mode: 'login' | 'signup';
  /** This tab was signed in and its session ended (elsewhere, expired, disabled): say so. */
  sessionEnded?: boolean;
  onSignedIn: (user: User, csrfToken: string) => void;
}

/**
 * Sign in and create account: one card, the same look as the app. What it offers follows the
 * server (`GET /api/auth/providers`): single sign-on, the password form, "Create the admin account"
 * on an install without accounts, and no sign-up where SIGNUP is closed.
 */
export function AuthScreen(props: Props) {
  const token = resetToken();
  return token ? <ResetPasswordForm token={token} /> : <SignInScreens {...props} />;
}

function SignInScreens({ mode, sessionEnded = false, onSignedIn }: Props) {
  // undefined while asking: the card waits rather than flip from "Sign in" to "Create the admin account".
  const [providers, setProviders] = useState<AuthProviders | null | undefined>(undefined);
  const [pending, setPending] = useState<string | null>(null);
  const [ssoError] = useState(ssoErrorMessage);
  const ids = useId();

  useEffect(() => {
    api
      .authProviders()
      .then(setProviders)
      // Not answered (offline, rate limited): the password form, as the server had no say.
      .catch(() => setProviders(null));
  }, []);

  if (providers === undefined) {
    return <main className="auth-page" aria-busy="true" />;
  }
  const sso = providers?.oidc.enabled ? (providers.oidc.label ?? 'single sign-on') : null;
  // OIDC_ONLY: no password form, except `/login?local` for the break-glass admin (ADMIN_USERNAME).
  const passwordHidden =
    providers !== null &&
    !(mode === 'login' ? providers.localSignIn : providers.localSignUp) &&
    !(mode === 'login' && new URLSearchParams(window.location.search).has('local'));
  const form = formMode(mode, providers);

  if (passwordHidden) {
    return (
      <AuthCard titleId={`${ids}-title`} title="Sign in to Parley">
        {mode === 'signup' && <p className="muted">Accounts are created by signing in.</p>}
        <AuthNotice text={sessionEnded ? SESSION_ENDED : null} />
        <AuthNotice text={ssoError} alert />
        {sso && <SsoButton label={sso} />}
      </AuthCard>
    );
  }
  if (pending) {
    return (
      <AuthCard titleId={`${ids}-title`} title="Account created">
        <p role="status">{pending}</p>
        <button type="button" className="btn btn-primary btn-block" onClick={() => navigate('/login')}>
          Go to sign in
        </button>
      </AuthCard>
    );
  }
  if (form === 'closed') {
    return (
      <AuthCard titleId={`${ids}-title`} title="Sign-up is closed">
        <p>This Parley does not take new accounts; ask an admin to create one for you.</p>
        <p className="auth-switch">
          Already have an account? <AuthLink to="/login">Sign in</AuthLink>
        </p>
      </AuthCard>
    );
  }
  return (
    <SignInForm
      // A new form when the server's answer changes what it is for.
      key={form}
      mode={form}
      providers={providers}
      sso={sso}
      ssoError={ssoError}
      sessionEnded={sessionEnded}
      onSignedIn={onSignedIn}
      onPending={setPending}
    />
  );
}
