import { type FormEvent, useId, useState } from 'react';
import { api } from '../api.js';
import { navigate } from '../router.js';

/** Set a new password from an admin's one-time reset link; every session of the account ends. */
export function ResetPasswordForm({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.resetPassword(token, password);
      setDone(true);
      // The token is used up: keep it out of the address bar and history.
      window.history.replaceState(null, '', '/reset');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true" />
          <span>Parley</span>
        </div>
        <h1 id={`${ids}-title`}>Choose a new password</h1>
        {done ? (
          <>
            <p role="status">Your password is set. Every earlier sign-in of this account has ended.</p>
            <button type="button" className="btn btn-primary btn-block" onClick={() => navigate('/login')}>
              Sign in
            </button>
          </>
        ) : (
          <>
            <label className="field">
              <span>New password</span>
              <input
                name="password"
                type="password"
                autoComplete="new-password"
                required
                minLength={8}
                maxLength={200}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            <p className="form-error" role="alert">
              {error}
            </p>
            <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Set password'}
            </button>
          </>
        )}
      </form>
    </main>
  );
}
