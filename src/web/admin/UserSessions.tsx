import { useState } from 'react';
import type { AdminUser } from '../api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { describeUserAgent } from '../user-agent.js';
import { type AdminSession, extrasApi } from './extras-api.js';
import { when } from './states.js';
import './UserSessions.css';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * A user's sessions, behind a disclosure (loaded when opened): browser, when it signed in, when
 * it was last seen; and "Sign out everywhere" for someone else's account (API tokens stay).
 */
export function UserSessions({ user, self }: { user: Pick<AdminUser, 'id' | 'username'>; self: boolean }) {
  const [sessions, setSessions] = useState<AdminSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const name = user.username;

  async function load() {
    setError(null);
    try {
      setSessions((await extrasApi.userSessions(user.id)).items);
    } catch (err) {
      setError(message(err));
    }
  }

  async function signOut() {
    setConfirming(false);
    setBusy(true);
    setError(null);
    try {
      await extrasApi.signOutUser(user.id);
      setNotice(`${name} is signed out everywhere.`);
      await load();
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <details
      className="user-sessions"
      onToggle={(e) => {
        if (e.currentTarget.open && sessions === null) void load();
      }}
    >
      <summary>Sessions</summary>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="muted small" role="status">
          {notice}
        </p>
      )}
      {sessions === null && !error && <p className="muted small">Loading…</p>}
      {sessions?.length === 0 && <p className="muted small">Not signed in anywhere.</p>}
      {sessions && sessions.length > 0 && (
        <ul className="user-sessions-list" aria-label={`Sessions of ${name}`}>
          {sessions.map((session) => (
            <li key={session.id}>
              <strong title={session.userAgent ?? undefined}>{describeUserAgent(session.userAgent)}</strong>
              <span className="muted small">
                {' '}
                · signed in {when(session.createdAt)} · last seen{' '}
                {session.lastSeenAt ? when(session.lastSeenAt) : 'never'}
              </span>
            </li>
          ))}
        </ul>
      )}
      {self ? (
        <p className="muted small">To sign yourself out everywhere, use Settings.</p>
      ) : (
        sessions &&
        sessions.length > 0 && (
          <button
            type="button"
            className="btn btn-small btn-danger-outline"
            disabled={busy}
            aria-label={`Sign out everywhere: ${name}`}
            onClick={() => setConfirming(true)}
          >
            Sign out everywhere
          </button>
        )
      )}
      <ConfirmDialog
        open={confirming}
        title={`Sign ${name} out everywhere?`}
        confirmLabel="Sign out everywhere"
        danger
        onConfirm={() => void signOut()}
        onCancel={() => setConfirming(false)}
      >
        Every session of {name} ends and their open pages stop updating; they can sign in again. Their API
        tokens keep working.
      </ConfirmDialog>
    </details>
  );
}
