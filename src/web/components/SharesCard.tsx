import { useCallback, useEffect, useState } from 'react';
import { type Share, shareApi } from '../api.js';
import { copyText } from '../dates.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { shareLink } from './ShareDialog.js';
import './SharesCard.css';

const when = (iso: string) => new Date(iso).toLocaleString();

/** The caller's share links: open, copy or revoke each one (Settings). */
export function SharesCard() {
  const [shares, setShares] = useState<Share[] | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Share | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setShares((await shareApi.list()).items);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  async function revoke(share: Share) {
    setRevoking(null);
    setError(null);
    try {
      await shareApi.revoke(share.id);
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  return (
    <section className="card" aria-labelledby="shares-title">
      <h2 id="shares-title">Shared links</h2>
      <p className="muted">
        Read-only copies of conversations you shared. Revoking a link makes it stop working at once.
      </p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {shares && shares.length === 0 && (
        <p className="muted">No shared links yet. Use Share at the top of a conversation to make one.</p>
      )}
      {shares && shares.length > 0 && (
        <ul className="token-list share-list">
          {shares.map((share) => {
            const name = share.title || 'Untitled conversation';
            return (
              <li key={share.id} className="token-item share-item">
                <div className="share-item-info">
                  <strong>{name}</strong>
                  <div className="muted small">
                    {share.visibility === 'public' ? 'Anyone with the link' : 'Signed-in users'} ·{' '}
                    {share.messageCount} messages · {when(share.createdAt)}
                  </div>
                </div>
                <div className="share-item-actions">
                  <a
                    className="btn btn-small"
                    href={share.url}
                    target="_blank"
                    rel="noopener noreferrer"
                    aria-label={`Open the link to “${name}”`}
                  >
                    Open
                  </a>
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Copy the link to “${name}”`}
                    onClick={() =>
                      void copyText(shareLink(share)).then((ok) => setCopied(ok ? share.id : null))
                    }
                  >
                    {copied === share.id ? 'Copied' : 'Copy'}
                  </button>
                  <button
                    type="button"
                    className="btn btn-small btn-danger-outline"
                    aria-label={`Revoke the link to “${name}”`}
                    onClick={() => setRevoking(share)}
                  >
                    Revoke
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke link?"
        confirmLabel="Revoke"
        danger
        onConfirm={() => revoking && void revoke(revoking)}
        onCancel={() => setRevoking(null)}
      >
        Whoever has the link to “{revoking?.title || 'Untitled conversation'}” can no longer open it.
      </ConfirmDialog>
    </section>
  );
}
