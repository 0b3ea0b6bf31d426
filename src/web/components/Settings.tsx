import { lazy, Suspense, useEffect } from 'react';
import { api, type Me, type User } from '../api.js';
import { type ThemeChoice, useTheme } from '../theme.js';
import { DeleteAccountCard } from './DeleteAccountCard.js';
import { ImportCard } from './ImportCard.js';
import { go } from './links.js';
import { PasswordCard } from './PasswordCard.js';
import { ProfileCard } from './ProfileCard.js';
import { SessionsCard } from './SessionsCard.js';
import { SharesCard } from './SharesCard.js';
import { openShortcuts } from './ShortcutsDialog.js';
import { TokensCard } from './TokensCard.js';
import './Settings.css';

/** Loaded with Settings only (its own small chunk), not with the chat. */
const UsageCard = lazy(() => import('../admin/UsageCard.js'));

interface Props {
  me: Me;
  onSignedOut: () => void;
  /** The profile changed (display name): the app shows the new one everywhere. */
  onUserChanged?: (user: User) => void;
}

/** Theme, API tokens, the account and, for admins, the users. */
export function Settings({ me, onSignedOut, onUserChanged }: Props) {
  const [theme, setTheme] = useTheme();
  useEffect(() => {
    document.title = 'Settings · Parley';
  }, []);

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
          <button type="button" className="btn" onClick={openShortcuts}>
            Keyboard shortcuts
          </button>
        </section>

        <Suspense fallback={null}>
          <UsageCard />
        </Suspense>

        <TokensCard />

        <SharesCard />

        <ImportCard />

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
            <ProfileCard user={me.user} onChanged={(user) => onUserChanged?.(user)} />
            {me.hasPassword !== false && <PasswordCard />}
            <SessionsCard onSignOutEverywhere={() => void signOutEverywhere()} />
            <DeleteAccountCard me={me} onDeleted={onSignedOut} />
          </>
        )}
      </div>
    </main>
  );
}
