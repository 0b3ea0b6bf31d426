import { type FormEvent, useEffect, useId, useState } from 'react';
import type { AdminUser, ResetLink } from '../api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { copyText } from '../dates.js';
import { parseQuota, splitPending, useAdminUsers } from './use-admin-users.js';

const day = (iso: string) => new Date(iso).toLocaleDateString([], { dateStyle: 'medium' });
const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
const count = new Intl.NumberFormat();

/** Search typed into the box, sent after a short pause. */
function useDebounced(value: string, ms = 300): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Admins only: search accounts, approve new ones, roles, token limits, disable or enable, reset links. */
export function UsersPanel({ selfId }: { selfId: string }) {
  const [search, setSearch] = useState('');
  const query = useDebounced(search);
  const admin = useAdminUsers(query);
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
      onRole={(role) => void admin.setRole(user, role)}
      onQuota={(quota) => void admin.setQuota(user, quota)}
    />
  );

  return (
    <section className="card" aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <search className="admin-search">
        <label className="field">
          <span>Search users</span>
          <input
            type="search"
            value={search}
            placeholder="Username or name"
            maxLength={100}
            onChange={(e) => setSearch(e.target.value)}
          />
        </label>
      </search>
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
      {admin.users?.length === 0 && !admin.loading && (
        <p className="muted">{query.trim() ? `Nobody matches “${query.trim()}”.` : 'No accounts yet.'}</p>
      )}
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
  onRole: (role: 'admin' | 'user') => void;
  onQuota: (quota: { tokenQuotaDaily: number | null; tokenQuotaMonthly: number | null }) => void;
}

const limit = (value: number | null) => (value === null ? 'no limit' : `${count.format(value)}`);

function UserRow(props: RowProps) {
  const { user, self, busy, link, onApprove, onDisable, onEnable, onResetLink } = props;
  const [copied, setCopied] = useState(false);
  const name = user.username;
  const roleId = useId();
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
          <div className="muted small">
            Limits: {limit(user.tokenQuotaDaily)} a day, {limit(user.tokenQuotaMonthly)} a month
          </div>
        </div>
        <div className="admin-actions">
          {!self && !user.pending && (
            <span className="admin-role">
              <label htmlFor={roleId} className="sr-only">
                Role of {name}
              </label>
              <select
                id={roleId}
                className="select-small"
                value={user.role}
                disabled={busy}
                onChange={(e) => props.onRole(e.target.value === 'admin' ? 'admin' : 'user')}
              >
                <option value="user">User</option>
                <option value="admin">Admin</option>
              </select>
            </span>
          )}
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
      <QuotaEditor
        key={`${user.tokenQuotaDaily}/${user.tokenQuotaMonthly}`}
        user={user}
        busy={busy}
        onSave={props.onQuota}
      />
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

/** The user's daily and monthly token limits; blank means no limit. */
function QuotaEditor({
  user,
  busy,
  onSave,
}: {
  user: AdminUser;
  busy: boolean;
  onSave: RowProps['onQuota'];
}) {
  const text = (value: number | null) => (value === null ? '' : String(value));
  const [daily, setDaily] = useState(text(user.tokenQuotaDaily));
  const [monthly, setMonthly] = useState(text(user.tokenQuotaMonthly));
  const [invalid, setInvalid] = useState(false);
  const id = useId();
  function submit(event: FormEvent) {
    event.preventDefault();
    const d = parseQuota(daily);
    const m = parseQuota(monthly);
    setInvalid(d === undefined || m === undefined);
    if (d !== undefined && m !== undefined) onSave({ tokenQuotaDaily: d, tokenQuotaMonthly: m });
  }
  return (
    <details className="quota-editor">
      <summary>Token limits</summary>
      <form className="quota-form" onSubmit={submit} aria-describedby={`${id}-hint`}>
        <label className="field">
          <span>Tokens a day</span>
          <input
            inputMode="numeric"
            value={daily}
            placeholder="no limit"
            aria-invalid={invalid && parseQuota(daily) === undefined}
            onChange={(e) => setDaily(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Tokens a month</span>
          <input
            inputMode="numeric"
            value={monthly}
            placeholder="no limit"
            aria-invalid={invalid && parseQuota(monthly) === undefined}
            onChange={(e) => setMonthly(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-small" disabled={busy}>
          Save limits for {user.username}
        </button>
        <p id={`${id}-hint`} className={invalid ? 'form-error small' : 'muted small'}>
          {invalid ? 'Enter a whole number of tokens, or leave it blank.' : 'Blank: no limit.'}
        </p>
      </form>
    </details>
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
