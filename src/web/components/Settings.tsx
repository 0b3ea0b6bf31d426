import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { type ApiToken, api, type Me, type SessionInfo } from '../api.js';
import { copyText } from '../dates.js';
import { type ThemeChoice, useTheme } from '../theme.js';
import { ConfirmDialog } from './ConfirmDialog.js';

interface Props {
  me: Me;
  onSignedOut: () => void;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

/** Theme, API tokens and the account. */
export function Settings({ me, onSignedOut }: Props) {
  const [theme, setTheme] = useTheme();
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<(ApiToken & { token: string }) | null>(null);
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setTokens((await api.tokens()).items);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);

  useEffect(() => {
    document.title = 'Settings · Parley';
    void load();
  }, [load]);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const token = await api.createToken(name.trim());
      setCreated(token);
      setCopied(false);
      setName('');
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  async function revoke(token: ApiToken) {
    setRevoking(null);
    try {
      await api.deleteToken(token.id);
      if (created?.id === token.id) setCreated(null);
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  async function signOutEverywhere() {
    try {
      await api.endAllSessions();
    } finally {
      onSignedOut();
    }
  }

  async function signOut() {
    try {
      await api.logout();
    } finally {
      onSignedOut();
    }
  }

  const themes: { value: ThemeChoice; label: string }[] = [
    { value: 'system', label: 'System' },
    { value: 'light', label: 'Light' },
    { value: 'dark', label: 'Dark' },
  ];

  return (
    <main className="settings" aria-labelledby="settings-title">
      <header className="conv-header">
        <h1 id="settings-title" className="conv-title">
          Settings
        </h1>
      </header>
      <div className="settings-body">
        <section className="card" aria-labelledby="theme-title">
          <h2 id="theme-title">Appearance</h2>
          <fieldset className="segmented">
            <legend className="sr-only">Theme</legend>
            {themes.map((option) => (
              <label key={option.value} className={theme === option.value ? 'checked' : ''}>
                <input
                  type="radio"
                  name="theme"
                  value={option.value}
                  checked={theme === option.value}
                  onChange={() => setTheme(option.value)}
                />
                {option.label}
              </label>
            ))}
          </fieldset>
          <p className="muted">System follows your device’s light or dark setting.</p>
        </section>

        <section className="card" aria-labelledby="tokens-title">
          <h2 id="tokens-title">API tokens</h2>
          <p className="muted">
            For scripts and OpenAI-compatible clients: send <code>Authorization: Bearer &lt;token&gt;</code>{' '}
            to <code>/api</code> or <code>/v1</code>.
          </p>
          <form className="token-form" onSubmit={create}>
            <label className="field grow">
              <span>Token name</span>
              <input
                value={name}
                required
                maxLength={100}
                placeholder="e.g. laptop script"
                onChange={(e) => setName(e.target.value)}
              />
            </label>
            <button type="submit" className="btn btn-primary" disabled={!name.trim()}>
              Create token
            </button>
          </form>
          {created && (
            <div className="token-created" role="status">
              <p>
                <strong>Copy your new token now.</strong> It is shown only this once.
              </p>
              <div className="token-value">
                <input
                  className="token-input"
                  readOnly
                  aria-label="New API token"
                  value={created.token}
                  onFocus={(e) => e.target.select()}
                />
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => void copyText(created.token).then(setCopied)}
                >
                  {copied ? 'Copied' : 'Copy'}
                </button>
              </div>
            </div>
          )}
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          {tokens && tokens.length === 0 && <p className="muted">No tokens yet.</p>}
          {tokens && tokens.length > 0 && (
            <ul className="token-list">
              {tokens.map((token) => (
                <li key={token.id} className="token-item">
                  <div>
                    <strong>{token.name}</strong> <code>{token.prefix}…</code>
                    <div className="muted small">
                      Created {when(token.createdAt)} · last used {when(token.lastUsedAt)}
                    </div>
                  </div>
                  <button
                    type="button"
                    className="btn btn-small btn-danger-outline"
                    aria-label={`Revoke token “${token.name}”`}
                    onClick={() => setRevoking(token)}
                  >
                    Revoke
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="card" aria-labelledby="account-title">
          <h2 id="account-title">Account</h2>
          {me.authMode === 'none' ? (
            <p className="muted">
              This server runs without sign-in (AUTH_MODE=none): everyone is the local user.
            </p>
          ) : (
            <>
              <p>
                Signed in as <strong>{me.user.displayName || me.user.username}</strong>{' '}
                <span className="muted">
                  (@{me.user.username}
                  {me.user.role === 'admin' ? ', admin' : ''})
                </span>
              </p>
              <button type="button" className="btn" onClick={() => void signOut()}>
                Sign out
              </button>
            </>
          )}
        </section>

        {me.authMode === 'local' && me.via === 'session' && (
          <>
            <PasswordCard />
            <SessionsCard onSignOutEverywhere={() => void signOutEverywhere()} />
          </>
        )}
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke token?"
        confirmLabel="Revoke"
        danger
        onConfirm={() => revoking && void revoke(revoking)}
        onCancel={() => setRevoking(null)}
      >
        Anything using “{revoking?.name}” stops working at once.
      </ConfirmDialog>
    </main>
  );
}

/** Change the password: the other sessions end, this one stays. */
function PasswordCard() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      await api.changePassword(current, next);
      setCurrent('');
      setNext('');
      setStatus('Password changed. Your other sessions have been signed out.');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">Password</h2>
      <form onSubmit={submit}>
        <label className="field">
          <span>Current password</span>
          <input
            type="password"
            autoComplete="current-password"
            required
            maxLength={200}
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label className="field">
          <span>New password</span>
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            maxLength={200}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {status && <p role="status">{status}</p>}
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}

/** Where this account is signed in, and "sign out everywhere" (this browser too). */
function SessionsCard({ onSignOutEverywhere }: { onSignOutEverywhere: () => void }) {
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    api
      .sessions()
      .then((page) => setSessions(page.items))
      .catch((err) => setError(err instanceof Error ? err.message : String(err)));
  }, []);

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {sessions && (
        <ul className="token-list">
          {sessions.map((session) => (
            <li key={session.id} className="token-item">
              <div>
                <strong>{session.userAgent ?? 'Unknown browser'}</strong>
                {session.current && <span className="muted"> (this browser)</span>}
                <div className="muted small">
                  Signed in {when(session.createdAt)} · last seen {when(session.lastSeenAt)}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="btn btn-danger-outline" onClick={() => setConfirming(true)}>
        Sign out everywhere
      </button>
      <ConfirmDialog
        open={confirming}
        title="Sign out everywhere?"
        confirmLabel="Sign out everywhere"
        danger
        onConfirm={() => {
          setConfirming(false);
          onSignOutEverywhere();
        }}
        onCancel={() => setConfirming(false)}
      >
        Every session of this account ends, this one included. API tokens keep working.
      </ConfirmDialog>
    </section>
  );
}
