import { useState } from 'react';
import { api, type Me } from '../api.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import './DeleteAccountCard.css';

/**
 * "Delete my account": a confirmation that says what goes and asks for the password, or for a
 * single sign-on account (no password) the username typed out. After it, the app is signed out.
 */
export function DeleteAccountCard({ me, onDeleted }: { me: Me; onDeleted: () => void }) {
  const [open, setOpen] = useState(false);
  const [proof, setProof] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Signed in with a password unless the server says otherwise (single sign-on accounts).
  const withPassword = me.hasPassword !== false;

  function close() {
    setOpen(false);
    setProof('');
    setError(null);
  }

  async function confirm() {
    if (busy) return;
    if (proof.trim() === '') {
      setError(withPassword ? 'Enter your password.' : `Type ${me.user.username} to confirm.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.deleteAccount(withPassword ? { password: proof } : { confirm: proof });
      setOpen(false);
      onDeleted();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card card-danger" aria-labelledby="delete-account-title">
      <h2 id="delete-account-title">Delete account</h2>
      <p className="muted">
        Deletes your account and everything in it, for good: conversations, files, API tokens and usage.
      </p>
      <button type="button" className="btn btn-danger-outline" onClick={() => setOpen(true)}>
        Delete my account
      </button>
      <ConfirmDialog
        open={open}
        title="Delete your account?"
        confirmLabel={busy ? 'Deleting…' : 'Delete my account'}
        danger
        onConfirm={() => void confirm()}
        onCancel={close}
      >
        <span className="delete-account-what">
          Your conversations, uploaded files, API tokens, sessions and usage history are deleted at once and
          cannot be recovered. Every browser and script using @{me.user.username} loses access.
        </span>
        <label className="field delete-account-proof">
          <span>
            {withPassword ? 'Your password' : `Type your username (${me.user.username}) to confirm`}
          </span>
          <input
            type={withPassword ? 'password' : 'text'}
            autoComplete={withPassword ? 'current-password' : 'off'}
            maxLength={200}
            value={proof}
            onChange={(e) => setProof(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void confirm();
              }
            }}
          />
        </label>
        {error && (
          <span className="form-error delete-account-error" role="alert">
            {error}
          </span>
        )}
      </ConfirmDialog>
    </section>
  );
}
