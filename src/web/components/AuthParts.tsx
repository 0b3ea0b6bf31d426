import type { ReactNode } from 'react';
import { navigate } from '../router.js';

/** The pieces the sign-in screens share: the card, single sign-on, the link to the other page. */

/** The centred card with the brand above its heading. */
export function AuthCard({
  titleId,
  title,
  children,
}: {
  titleId: string;
  title: string;
  children: ReactNode;
}) {
  return (
    <main className="auth-page">
      <section className="auth-card" aria-labelledby={titleId}>
        <AuthBrand />
        <h1 id={titleId}>{title}</h1>
        {children}
      </section>
    </main>
  );
}

export function AuthBrand() {
  return (
    <div className="auth-brand">
      <span className="brand-mark" aria-hidden="true" />
      <span>Parley</span>
    </div>
  );
}

/** "Sign in with <label>": a plain link, the browser goes to the provider and back. */
export function SsoButton({ label }: { label: string }) {
  return (
    <a className="btn btn-primary btn-block auth-sso" href="/api/auth/oidc/login">
      Sign in with {label}
    </a>
  );
}

/** A link to another sign-in page, followed in the app (no reload). */
export function AuthLink({ to, children }: { to: '/login' | '/signup'; children: ReactNode }) {
  return (
    <a
      href={to}
      onClick={(e) => {
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** Below the sign-in form: how to get an account here (nothing to click when sign-up is closed). */
export function SignUpHint({ closed }: { closed: boolean }) {
  return (
    <p className="auth-switch">
      {closed ? (
        'No account yet? Ask an admin of this Parley for one.'
      ) : (
        <>
          No account yet? <AuthLink to="/signup">Create one</AuthLink>
        </>
      )}
    </p>
  );
}

/** A notice above the form (why the tab was signed out, or why single sign-on came back). */
export function AuthNotice({ text, alert = false }: { text: string | null; alert?: boolean }) {
  if (!text) return null;
  return (
    <p className={alert ? 'form-error' : 'auth-notice'} role={alert ? 'alert' : 'status'}>
      {text}
    </p>
  );
}
