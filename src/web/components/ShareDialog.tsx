import { useEffect, useRef, useState } from 'react';
import { type Share, type ShareVisibility, shareApi } from '../api.js';
import { CopyField } from './CopyField.js';
import './ConfirmDialog.css';
import './ShareDialog.css';

/** The full address of a share's page, to copy and send. */
export const shareLink = (share: Pick<Share, 'url'>) => `${window.location.origin}${share.url}`;

const VISIBILITY: { value: ShareVisibility; label: string; hint: string }[] = [
  { value: 'users', label: 'Signed-in users', hint: 'Anyone with the link and an account on this Parley.' },
  { value: 'public', label: 'Anyone with the link', hint: 'No account needed: it can be read signed out.' },
];

interface Props {
  open: boolean;
  conversationId: string;
  onClose: () => void;
}

/**
 * Share a conversation: choose who may read it, make the link (a snapshot of the conversation as it
 * is now), copy it, open it, or revoke it again. A modal <dialog>: focus moves in, Esc closes, focus
 * returns to the Share button.
 */
export function ShareDialog({ open, conversationId, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const firstRef = useRef<HTMLInputElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const [visibility, setVisibility] = useState<ShareVisibility>('users');
  const [share, setShare] = useState<Share | null>(null);
  const [revoked, setRevoked] = useState(false);
  const [copied, setCopied] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      returnTo.current = document.activeElement as HTMLElement | null;
      setShare(null);
      setRevoked(false);
      setCopied(false);
      setError(null);
      dialog.showModal();
      firstRef.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      returnTo.current?.focus();
    }
  }, [open]);

  async function create() {
    setBusy(true);
    setError(null);
    try {
      setShare(await shareApi.create(conversationId, visibility));
      setRevoked(false);
      setCopied(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke() {
    if (!share) return;
    setBusy(true);
    setError(null);
    try {
      await shareApi.revoke(share.id);
      setShare(null);
      setRevoked(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={ref}
      className="dialog share-dialog"
      aria-labelledby="share-dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id="share-dialog-title">Share this conversation</h2>
      <p className="muted">
        The link shows a read-only copy of the conversation as it is now. Messages sent later are not
        included.
      </p>
      {!share && (
        <fieldset className="share-visibility" disabled={busy}>
          <legend>Who can read it</legend>
          {VISIBILITY.map((option, index) => (
            <div key={option.value} className="share-option">
              <input
                ref={index === 0 ? firstRef : undefined}
                id={`share-visibility-${option.value}`}
                type="radio"
                name="share-visibility"
                value={option.value}
                checked={visibility === option.value}
                aria-describedby={`share-visibility-${option.value}-hint`}
                onChange={() => setVisibility(option.value)}
              />
              <span>
                <label htmlFor={`share-visibility-${option.value}`}>{option.label}</label>
                <span id={`share-visibility-${option.value}-hint`} className="muted share-option-hint">
                  {option.hint}
                </span>
              </span>
            </div>
          ))}
        </fieldset>
      )}
      {share && (
        <div className="share-made" role="status">
          <p>Link created ({share.visibility === 'public' ? 'anyone with the link' : 'signed-in users'}).</p>
          <CopyField
            label="Share link"
            value={shareLink(share)}
            copied={copied}
            onCopied={setCopied}
            idle="Copy link"
          />
        </div>
      )}
      {revoked && (
        <p className="muted" role="status">
          Link revoked: it no longer opens.
        </p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        {share ? (
          <>
            <button
              type="button"
              className="btn btn-danger-outline"
              disabled={busy}
              onClick={() => void revoke()}
            >
              Revoke link
            </button>
            <a className="btn" href={share.url} target="_blank" rel="noopener noreferrer">
              Open
            </a>
          </>
        ) : (
          <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void create()}>
            Create link
          </button>
        )}
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}

/** The conversation header's Share button and its dialog. */
export function ShareButton({ conversationId }: { conversationId: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="btn btn-small share-button"
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        Share
      </button>
      <ShareDialog open={open} conversationId={conversationId} onClose={() => setOpen(false)} />
    </>
  );
}
