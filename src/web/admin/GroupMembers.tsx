import { useId } from 'react';
import type { AdminGroup } from './admin-api.js';
import { when } from './states.js';
import { useGroupMembers } from './use-group-members.js';

/** A group's members: remove one, or search accounts and add them. */
export function GroupMembers({ group, onChanged }: { group: AdminGroup; onChanged: () => void }) {
  const m = useGroupMembers(group.id, onChanged);
  const searchId = useId();
  const resultsId = useId();
  return (
    <section className="group-members" aria-label={`Members of ${group.name}`}>
      <h3 className="group-members-title">Members</h3>
      {m.loadError && (
        <p className="form-error small" role="alert">
          {m.loadError}
        </p>
      )}
      {m.members === null && m.loading && <p className="muted small">Loading members…</p>}
      {m.members?.length === 0 && <p className="muted small">No members yet.</p>}
      {m.members && m.members.length > 0 && (
        <ul className="group-member-list">
          {m.members.map((member) => (
            <li key={member.userId}>
              <span className="group-member-name">
                <strong>{member.displayName || member.username}</strong>
                {member.displayName && member.displayName !== member.username && (
                  <span className="muted"> @{member.username}</span>
                )}
                <span className="muted small">
                  {' '}
                  · {member.source === 'oidc' ? 'from single sign-on' : 'added'} {when(member.addedAt)}
                </span>
              </span>
              <button
                type="button"
                className="btn btn-small btn-danger-outline"
                disabled={m.busyId === member.userId}
                aria-label={`Remove ${member.username} from ${group.name}`}
                onClick={() => void m.remove(member)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <search className="group-add">
        <label htmlFor={searchId} className="small">
          Add a member to {group.name}
        </label>
        <input
          id={searchId}
          type="search"
          value={m.search}
          placeholder="Username or name"
          maxLength={100}
          autoComplete="off"
          aria-controls={resultsId}
          onChange={(e) => m.setSearch(e.target.value)}
        />
      </search>
      <div id={resultsId} aria-live="polite">
        {m.query && m.searching && <p className="muted small">Searching…</p>}
        {m.query && !m.searching && m.candidates.length === 0 && (
          <p className="muted small">Nobody else matches “{m.query}”.</p>
        )}
        {m.candidates.length > 0 && (
          <ul className="group-member-list">
            {m.candidates.map((user) => (
              <li key={user.id}>
                <span className="group-member-name">
                  <strong>{user.displayName || user.username}</strong>
                  {user.displayName && user.displayName !== user.username && (
                    <span className="muted"> @{user.username}</span>
                  )}
                </span>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={m.busyId === user.id}
                  aria-label={`Add ${user.username} to ${group.name}`}
                  onClick={() => void m.add(user)}
                >
                  Add
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {m.error && (
        <p className="form-error small" role="alert">
          {m.error}
        </p>
      )}
      {m.notice && (
        <p className="muted small" role="status">
          {m.notice}
        </p>
      )}
    </section>
  );
}
