import { type FormEvent, lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { type ApiToken, api, type Me } from '../api.js';
import { copyText } from '../dates.js';
import { type ThemeChoice, useTheme } from '../theme.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { go } from './links.js';
import { PasswordCard } from './PasswordCard.js';
import { SessionsCard } from './SessionsCard.js';
import './Settings.css';

/** Loaded with Settings only (its own small chunk), not with the chat. */
const UsageCard = lazy(() => import('../admin/UsageCard.js'));

interface Props {
  me: Me;
  onSignedOut: () => void;
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : 'never');

/** Theme, API tokens, the account and, for admins, the users. */
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

        <Suspense fallback={null}>
          <UsageCard />
        </Suspense>

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
              {me.user.role === 'admin' && (
                <p className="muted">
                  You approve new accounts, set roles and limits, and see usage and the audit log in the{' '}
                  <a href="/admin" onClick={(e) => go(e, '/admin')}>
                    admin console
                  </a>
                  .
                </p>
              )}
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
