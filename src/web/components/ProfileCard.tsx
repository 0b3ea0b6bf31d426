import { type FormEvent, useState } from 'react';
import { api, type User } from '../api.js';

/** The display name others and the app show; the username (how one signs in) stays. */
export function ProfileCard({ user, onChanged }: { user: User; onChanged: (user: User) => void }) {
  const [name, setName] = useState(user.displayName);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const trimmed = name.trim();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const { user: saved } = await api.updateProfile(trimmed);
      setName(saved.displayName);
      setStatus('Display name saved.');
      onChanged(saved);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <form className="settings-form" onSubmit={submit}>
        <label className="field">
          <span>Display name</span>
          <input
            value={name}
            required
            maxLength={100}
            autoComplete="name"
            onChange={(e) => {
              setName(e.target.value);
              setStatus(null);
            }}
          />
        </label>
        <p className="muted small">
          You sign in as <strong>@{user.username}</strong>; the username does not change.
        </p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {status && <p role="status">{status}</p>}
        <button
          type="submit"
          className="btn btn-primary"
          disabled={busy || trimmed === '' || trimmed === user.displayName}
        >
          {busy ? 'Saving…' : 'Save'}
        </button>
      </form>
    </section>
  );
}
