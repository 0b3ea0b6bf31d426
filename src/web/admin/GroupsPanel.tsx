import { useMemo, useState } from 'react';
import { api } from '../api.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { type AdminGroup, adminApi } from './admin-api.js';
import { GroupEditor, type Option } from './GroupEditor.js';
import { GroupMembers } from './GroupMembers.js';
import { allowedText } from './group-form.js';
import { quotaStanding } from './group-quota.js';
import { Unavailable } from './states.js';
import { formatCount } from './usage-data.js';
import { useGroups } from './use-groups.js';
import { useResource } from './use-resource.js';
import './GroupsPanel.css';

/** The models and tools a group may list, from the server's own lists (null while loading). */
function useOptions(): { models: Option[] | null; tools: Option[] | null } {
  const models = useResource(() => adminApi.models());
  const tools = useResource(() => api.tools());
  return useMemo(
    () => ({
      models:
        models.data?.models.map((m) => ({
          id: m.id,
          label: m.name && m.name !== m.id ? `${m.name} (${m.id})` : m.id,
        })) ?? (models.error || models.unavailable ? [] : null),
      tools:
        tools.data?.servers.flatMap((s) =>
          s.tools.map((t) => ({ id: t.id, label: `${s.name} / ${t.name}` })),
        ) ?? (tools.error || tools.unavailable ? [] : null),
    }),
    [models.data, models.error, models.unavailable, tools.data, tools.error, tools.unavailable],
  );
}

/** Groups: shared token quotas and the models and tools their members may use; members added here or by SSO. */
export function GroupsPanel() {
  const g = useGroups();
  const options = useOptions();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<AdminGroup | null>(null);
  return (
    <section className="card" aria-labelledby="groups-title">
      <div className="card-head">
        <h2 id="groups-title">Groups</h2>
        {!creating && !g.unavailable && (
          <button type="button" className="btn btn-small btn-primary" onClick={() => setCreating(true)}>
            New group
          </button>
        )}
      </div>
      <p className="muted">
        Members of a group share its token quota and may use only the models and tools it allows (a member of
        several groups gets the most generous).
      </p>
      {creating && (
        <GroupEditor
          models={options.models}
          tools={options.tools}
          busy={g.busyId === 'new'}
          onSave={g.create}
          onCancel={() => setCreating(false)}
        />
      )}
      {g.error && (
        <p className="form-error" role="alert">
          {g.error}
        </p>
      )}
      {g.notice && (
        <p className="muted" role="status">
          {g.notice}
        </p>
      )}
      {g.unavailable && <Unavailable what="Groups" />}
      {g.loadError && (
        <p className="form-error" role="alert">
          {g.loadError}
        </p>
      )}
      {g.groups === null && g.loading && <p className="muted">Loading…</p>}
      {g.groups?.length === 0 && <p className="muted">No groups yet.</p>}
      {g.groups && g.groups.length > 0 && (
        <ul className="token-list">
          {g.groups.map((group) => (
            <GroupItem
              key={group.id}
              group={group}
              options={options}
              busy={g.busyId === group.id}
              onSave={(input) => g.update(group, input)}
              onDelete={() => setDeleting(group)}
              onMembersChanged={() => void g.reload()}
            />
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete the group ${deleting?.name ?? ''}?`}
        confirmLabel="Delete group"
        danger
        onConfirm={() => {
          if (deleting) void g.remove(deleting);
          setDeleting(null);
        }}
        onCancel={() => setDeleting(null)}
      >
        Its {deleting?.memberCount ?? 0} member{deleting?.memberCount === 1 ? '' : 's'} leave the group and
        lose its quota and its models and tools; their accounts and conversations stay.
      </ConfirmDialog>
    </section>
  );
}

interface ItemProps {
  group: AdminGroup;
  options: { models: Option[] | null; tools: Option[] | null };
  busy: boolean;
  onSave: Parameters<typeof GroupEditor>[0]['onSave'];
  onDelete: () => void;
  onMembersChanged: () => void;
}

function GroupItem({ group, options, busy, onSave, onDelete, onMembersChanged }: ItemProps) {
  // Both may be open: members are often changed while the limits are being looked at.
  const [editing, setEditing] = useState(false);
  const [showMembers, setShowMembers] = useState(false);
  const members = `${group.memberCount} member${group.memberCount === 1 ? '' : 's'}`;
  return (
    <li className="admin-user group-item">
      <div className="admin-user-main">
        <div className="admin-user-info">
          <strong>{group.name}</strong> <span className="muted small">· {members}</span>
          <QuotaLine label="Today" used={group.usage.day} quota={group.tokenQuotaDaily} />
          <QuotaLine label="This month" used={group.usage.month} quota={group.tokenQuotaMonthly} />
          <div className="muted small">
            Models: {allowedText(group.models, 'model')} · Tools: {allowedText(group.tools, 'tool')}
          </div>
        </div>
        <div className="admin-actions">
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={showMembers}
            aria-label={`Members of ${group.name} (${group.memberCount})`}
            onClick={() => setShowMembers((v) => !v)}
          >
            Members ({group.memberCount})
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-expanded={editing}
            aria-label={`Edit ${group.name}`}
            disabled={busy}
            onClick={() => setEditing((v) => !v)}
          >
            Edit
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger-outline"
            aria-label={`Delete ${group.name}`}
            disabled={busy}
            onClick={onDelete}
          >
            Delete
          </button>
        </div>
      </div>
      {editing && (
        <GroupEditor
          group={group}
          models={options.models}
          tools={options.tools}
          busy={busy}
          onSave={onSave}
          onCancel={() => setEditing(false)}
        />
      )}
      {showMembers && <GroupMembers group={group} onChanged={onMembersChanged} />}
    </li>
  );
}

/** "Today: 1,200 of 5,000 tokens (24%)" with a small bar, or the tokens used when there is no group quota. */
function QuotaLine({ label, used, quota }: { label: string; used: number; quota: number | null }) {
  const standing = quotaStanding(used, quota);
  if (!standing || quota === null)
    return (
      <div className="muted small">
        {label}: {formatCount(used)} tokens · {quota === 0 ? 'no limit' : 'no group quota'}
      </div>
    );
  // The bar stops at full; the figure says how far past the quota a run went.
  const percent = Math.round((used / quota) * 100);
  return (
    <div className="group-quota small">
      <span className="group-quota-track" aria-hidden="true">
        <span
          className={`group-quota-fill tone-${standing.tone}`}
          style={{ inlineSize: `${standing.share * 100}%` }}
        />
      </span>
      <span className={standing.tone === 'danger' ? 'group-quota-text used-up' : 'group-quota-text'}>
        {label}: {formatCount(used)} of {formatCount(quota)} tokens ({percent}%)
        {standing.tone === 'danger' && ' · used up'}
      </span>
    </div>
  );
}
