import { useState } from 'react';
import type { AdminUser, ResetLink } from '../api.js';
import { copyText } from '../dates.js';
import { splitPending, useAdminUsers } from '../hooks/use-admin-users.js';
import { ConfirmDialog } from './ConfirmDialog.js';

const day = (iso: string) => new Date(iso).toLocaleDateString([], { dateStyle: 'medium' });
const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
const count = new Intl.NumberFormat();

/** Admins only: approve new accounts, disable or enable accounts, make password reset links. */
export function AdminUsers({ selfId }: { selfId: string }) {
  const admin = useAdminUsers();
  const [disabling, setDisabling] = useState<AdminUser | null>(null);
  const { pending, others } = splitPending(admin.users ?? []);

  const row = (user: AdminUser) => (
    <UserRow
      key={user.id}
      user={user}
      self={user.id === selfId}
      busy={admin.busyId === user.id}
      link={admin.links[user.id]}
      onApprove={() => void admin.approve(user)}
      onDisable={() => setDisabling(user)}
      onEnable={() => void admin.setDisabled(user, false)}
      onResetLink={() => void admin.resetLink(user)}
    />
  );

  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      {admin.error && (
        <p className="form-error" role="alert">
          {admin.error}
        </p>
      )}
      {admin.notice && (
        <p role="status" className="muted">
          {admin.notice}
        </p>
      )}
      {pending.length > 0 && (
        <>
          <h3 className="admin-group">Waiting for approval ({pending.length})</h3>
          <p className="muted small">
            They cannot sign in until you approve them.
            {admin.nextCursor && ' “Load more”, below, may find others waiting.'}
          </p>
          <ul className="token-list">{pending.map(row)}</ul>
        </>
      )}
      {others.length > 0 && (
        <>
          {pending.length > 0 && <h3 className="admin-group">Accounts</h3>}
          <ul className="token-list">{others.map(row)}</ul>
        </>
      )}
      {admin.users === null && admin.loading && <p className="muted">Loading…</p>}
      {admin.nextCursor && (
        <button
          type="button"
          className="btn btn-small"
          disabled={admin.loading}
          onClick={() => void admin.loadMore()}
        >
          {admin.loading ? 'Loading…' : 'Load more'}
        </button>
      )}
      <ConfirmDialog
        open={disabling !== null}
        title="Disable this account?"
        confirmLabel="Disable"
        danger
        onConfirm={() => {
          if (disabling) void admin.setDisabled(disabling, true);
          setDisabling(null);
        }}
        onCancel={() => setDisabling(null)}
      >
        {disabling?.username} is signed out everywhere and cannot sign in or use API tokens until you enable
        the account again.
      </ConfirmDialog>
    </section>
  );
}

interface RowProps {
  user: AdminUser;
  self: boolean;
  busy: boolean;
  link: ResetLink | undefined;
  onApprove: () => void;
  onDisable: () => void;
  onEnable: () => void;
  onResetLink: () => void;
}

function UserRow({ user, self, busy, link, onApprove, onDisable, onEnable, onResetLink }: RowProps) {
  const [copied, setCopied] = useState(false);
  const name = user.username;
  return (
    <li className="admin-user">
      <div className="admin-user-main">
        <div className="admin-user-info">
          <strong>{user.displayName || name}</strong>
          {user.displayName && user.displayName !== name && <span className="muted"> @{name}</span>}
          {user.role === 'admin' && <Tag>admin</Tag>}
          {user.disabled && <Tag tone="danger">disabled</Tag>}
          {self && <span className="muted small"> (you)</span>}
          <div className="muted small">
            Joined {day(user.createdAt)} · {count.format(user.usage.day)} tokens today,{' '}
            {count.format(user.usage.month)} this month
          </div>
        </div>
        <div className="admin-actions">
          {user.pending && (
            <button
              type="button"
              className="btn btn-small btn-primary"
              disabled={busy}
              aria-label={`Approve ${name}`}
              onClick={onApprove}
            >
              Approve
            </button>
          )}
          {!self &&
            (user.disabled ? (
              <button
                type="button"
                className="btn btn-small"
                disabled={busy}
                aria-label={`Enable ${name}`}
                onClick={onEnable}
              >
                Enable
              </button>
            ) : (
              <button
                type="button"
                className="btn btn-small btn-danger-outline"
                disabled={busy}
                aria-label={`Disable ${name}`}
                onClick={onDisable}
              >
                Disable
              </button>
            ))}
          <button
            type="button"
            className="btn btn-small"
            disabled={busy}
            aria-label={`Reset link for ${name}`}
            onClick={() => {
              setCopied(false);
              onResetLink();
            }}
          >
            Reset link
          </button>
        </div>
      </div>
      {link && (
        <div className="token-created">
          <p className="small">
            Send this link to {name} privately. It works once, until {when(link.expiresAt)}; a new link
            replaces it.
          </p>
          <div className="token-value">
            <input
              className="token-input"
              readOnly
              aria-label={`Reset link address for ${name}`}
              value={link.url}
              onFocus={(e) => e.target.select()}
            />
            <button
              type="button"
              className="btn btn-small"
              aria-label={`Copy the reset link for ${name}`}
              onClick={() => void copyText(link.url).then(setCopied)}
            >
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
        </div>
      )}
    </li>
  );
}

/** A space, not a margin, before each tag: a tag that wraps to a new line starts flush left. */
function Tag({ tone, children }: { tone?: 'danger'; children: string }) {
  return (
    <>
      {' '}
      <span className={tone ? `tag tag-${tone}` : 'tag'}>{children}</span>
    </>
  );
}
