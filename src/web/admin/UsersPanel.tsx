import { useState } from 'react';
import type { AdminUser } from '../api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { UserRow } from './UserRow.js';
import { splitPending, useAdminUsers } from './use-admin-users.js';
import { useDebounced } from './use-debounced.js';

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
