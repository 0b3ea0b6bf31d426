import { type FormEvent, useId, useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { CopyField } from '../components/CopyField.js';
import { inviteLink } from '../invite-link.js';
import { type AdminInvite, adminApi, type CreatedInvite } from './admin-api.js';
import { Badge, Unavailable, when } from './states.js';
import { useResource } from './use-resource.js';
import './InvitesPanel.css';

export function inviteStatus(
  invite: AdminInvite,
  now = Date.now(),
): { text: string; tone?: 'ok' | 'danger' } {
  if (invite.revokedAt) return { text: 'revoked', tone: 'danger' };
  if (invite.usedAt) return { text: 'used' };
  if (Date.parse(invite.expiresAt) <= now) return { text: 'expired' };
  return { text: 'open', tone: 'ok' };
}

/** Invites: create one with a role and an expiry, copy it once, see them all, revoke unused ones. */
export function InvitesPanel({ selfId }: { selfId: string }) {
  const invites = useResource(() => adminApi.invites());
  const [role, setRole] = useState<'user' | 'admin'>('user');
  const [days, setDays] = useState(7);
  const [created, setCreated] = useState<CreatedInvite | null>(null);
  const [copied, setCopied] = useState<'code' | 'link' | null>(null);
  const [revoking, setRevoking] = useState<AdminInvite | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const roleId = useId();
  const daysId = useId();

  async function create(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await adminApi.createInvite({ role, expiresInDays: days }));
      setCopied(null);
      await invites.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(invite: AdminInvite) {
    setRevoking(null);
    setError(null);
    try {
      await adminApi.revokeInvite(invite.id);
      await invites.reload();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  const items = invites.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="invites-title">
      <h2 id="invites-title">Invites</h2>
      <p className="muted">An invite lets one person create an account, with the role you choose.</p>
      <form className="token-form" onSubmit={create}>
        <span className="field">
          <label htmlFor={roleId}>Role</label>
          <select
            id={roleId}
            value={role}
            onChange={(e) => setRole(e.target.value === 'admin' ? 'admin' : 'user')}
          >
            <option value="user">User</option>
            <option value="admin">Admin</option>
          </select>
        </span>
        <span className="field">
          <label htmlFor={daysId}>Expires after</label>
          <select id={daysId} value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[1, 3, 7, 14, 30].map((n) => (
              <option key={n} value={n}>
                {n} day{n === 1 ? '' : 's'}
              </option>
            ))}
          </select>
        </span>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          Create invite
        </button>
      </form>
      {created && (
        <div className="token-created" role="status">
          <p>
            <strong>Copy this invite code now.</strong> It is shown only this once and works once, until{' '}
            {when(created.expiresAt)}.
          </p>
          <CopyField
            label="New invite code"
            value={created.code}
            copied={copied === 'code'}
            onCopied={(ok) => setCopied(ok ? 'code' : null)}
          />
          {/* `/signup?invite=<code>` fills the code in on the sign-up form. */}
          <CopyField
            className="invite-link"
            label="New invite link"
            value={inviteLink(window.location.origin, created.code)}
            copied={copied === 'link'}
            onCopied={(ok) => ok && setCopied('link')}
            idle="Copy link"
            done="Link copied"
          />
          <p className="muted small">
            Send the link (or the code) privately. The link opens the sign-up form with the code filled in;
            with the code alone they create their account at <code>{`${window.location.origin}/signup`}</code>
            , under “I have an invite or setup code”.
          </p>
        </div>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {invites.unavailable && <Unavailable what="The invite list" />}
      {invites.error && (
        <p className="form-error" role="alert">
          {invites.error}
        </p>
      )}
      {invites.data && items.length === 0 && <p className="muted">No invites yet.</p>}
      {items.length > 0 && (
        <ul className="token-list">
          {items.map((invite) => {
            const status = inviteStatus(invite);
            return (
              <li key={invite.id} className="token-item">
                <div>
                  <strong>{invite.role === 'admin' ? 'Admin' : 'User'} invite</strong>{' '}
                  <Badge tone={status.tone}>{status.text}</Badge>
                  <div className="muted small">
                    Created {when(invite.createdAt)} by{' '}
                    {invite.createdBy === selfId ? 'you' : 'another admin'} · expires {when(invite.expiresAt)}
                  </div>
                </div>
                {status.text === 'open' && (
                  <button
                    type="button"
                    className="btn btn-small btn-danger-outline"
                    aria-label={`Revoke the ${invite.role} invite created ${when(invite.createdAt)}`}
                    onClick={() => setRevoking(invite)}
                  >
                    Revoke
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this invite?"
        confirmLabel="Revoke"
        danger
        onConfirm={() => revoking && void revoke(revoking)}
        onCancel={() => setRevoking(null)}
      >
        Nobody can create an account with it any more.
      </ConfirmDialog>
    </section>
  );
}
