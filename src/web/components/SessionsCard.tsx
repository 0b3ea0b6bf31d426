import { useEffect, useState } from 'react';
import { api, type SessionInfo } from '../api.js';
import { describeUserAgent } from '../user-agent.js';
import { ConfirmDialog } from './ConfirmDialog.js';

const when = (iso: string | null) =>
  iso ? new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : 'never';

/** Where this account is signed in, and "sign out everywhere" (this browser too). */
export function SessionsCard({ onSignOutEverywhere }: { onSignOutEverywhere: () => void }) {
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
                <strong title={session.userAgent ?? undefined}>{describeUserAgent(session.userAgent)}</strong>
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
