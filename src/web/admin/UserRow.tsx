import { type FormEvent, useId, useState } from 'react';
import type { AdminUser, ResetLink } from '../api.js';
import { CopyField } from '../components/CopyField.js';
import { groupsOf } from './admin-api.js';
import { UserSessions } from './UserSessions.js';
import { parseQuota } from './use-admin-users.js';

/** One account in the console's user list: who, usage, limits, groups, and the admin's actions on it. */

const day = (iso: string) => new Date(iso).toLocaleDateString([], { dateStyle: 'medium' });
const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
const count = new Intl.NumberFormat();

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

export function UserRow(props: RowProps) {
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
          <UserGroups groups={groupsOf(user)} />
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
            <Action tone="primary" busy={busy} label={`Approve ${name}`} onClick={onApprove}>
              Approve
            </Action>
          )}
          {!self &&
            (user.disabled ? (
              <Action busy={busy} label={`Enable ${name}`} onClick={onEnable}>
                Enable
              </Action>
            ) : (
              <Action tone="danger-outline" busy={busy} label={`Disable ${name}`} onClick={onDisable}>
                Disable
              </Action>
            ))}
          <Action
            busy={busy}
            label={`Reset link for ${name}`}
            onClick={() => {
              setCopied(false);
              onResetLink();
            }}
          >
            Reset link
          </Action>
        </div>
      </div>
      <QuotaEditor
        key={`${user.tokenQuotaDaily}/${user.tokenQuotaMonthly}`}
        user={user}
        busy={busy}
        onSave={props.onQuota}
      />
      <UserSessions user={user} self={self} />
      {link && (
        <div className="token-created">
          <p className="small">
            Send this link to {name} privately. It works once, until {when(link.expiresAt)}; a new link
            replaces it.
          </p>
          <CopyField
            label={`Reset link address for ${name}`}
            buttonLabel={`Copy the reset link for ${name}`}
            value={link.url}
            copied={copied}
            onCopied={setCopied}
          />
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
        <QuotaField label="Tokens a day" value={daily} checked={invalid} onChange={setDaily} />
        <QuotaField label="Tokens a month" value={monthly} checked={invalid} onChange={setMonthly} />
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

/** One limit's field; once a save was refused (`checked`), marked invalid while it is not a whole number. */
function QuotaField({
  label,
  value,
  checked,
  onChange,
}: {
  label: string;
  value: string;
  checked: boolean;
  onChange: (value: string) => void;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        inputMode="numeric"
        value={value}
        placeholder="no limit"
        aria-invalid={checked && parseQuota(value) === undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}

/** One of the row's action buttons, named with the account it acts on; off while a change is saving. */
function Action({
  tone,
  busy,
  label,
  onClick,
  children,
}: {
  tone?: 'primary' | 'danger-outline';
  busy: boolean;
  label: string;
  onClick: () => void;
  children: string;
}) {
  return (
    <button
      type="button"
      className={tone ? `btn btn-small btn-${tone}` : 'btn btn-small'}
      disabled={busy}
      aria-label={label}
      onClick={onClick}
    >
      {children}
    </button>
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

/** The groups an account is in, linked to the Groups tab (nothing when in none). */
function UserGroups({ groups }: { groups: { id: string; name: string }[] }) {
  if (groups.length === 0) return null;
  return (
    <div className="muted small">
      {groups.length === 1 ? 'Group' : 'Groups'}: {groups.map((g) => g.name).join(', ')}
    </div>
  );
}
