import { useEffect } from 'react';
import type { Me } from '../api.js';
import { go } from '../components/links.js';
import { AuditPanel } from './AuditPanel.js';
import { GroupsPanel } from './GroupsPanel.js';
import { InvitesPanel } from './InvitesPanel.js';
import { ModelsPanel } from './ModelsPanel.js';
import { ToolsPanel } from './ToolsPanel.js';
import { UsagePanel } from './UsagePanel.js';
import { UsersPanel } from './UsersPanel.js';
import './admin.css';

export const TABS = [
  { id: 'users', label: 'Users' },
  { id: 'groups', label: 'Groups' },
  { id: 'invites', label: 'Invites' },
  { id: 'models', label: 'Models' },
  { id: 'tools', label: 'Tools' },
  { id: 'usage', label: 'Usage' },
  { id: 'audit', label: 'Audit' },
] as const;

export type TabId = (typeof TABS)[number]['id'];

/** `/admin` opens Users; an unknown tab also falls back to Users. */
export function tabOf(tab: string | null): TabId {
  return TABS.find((t) => t.id === tab)?.id ?? 'users';
}

/**
 * The admin console (`/admin/<tab>`): a separate chunk, loaded only when opened. The server checks
 * the role on every admin route; this page only spares a non-admin a screen of errors.
 */
export default function AdminConsole({ me, tab }: { me: Me; tab: string | null }) {
  const current = tabOf(tab);
  const label = TABS.find((t) => t.id === current)?.label ?? 'Users';
  const isAdmin = me.user.role === 'admin';

  useEffect(() => {
    document.title = isAdmin ? `${label} · Admin · Parley` : 'Admins only · Parley';
  }, [isAdmin, label]);

  if (!isAdmin) return <AdminsOnly />;

  return (
    <main className="admin" aria-labelledby="admin-title">
      <header className="conv-header admin-header">
        <h1 id="admin-title" className="conv-title">
          Admin console
        </h1>
      </header>
      <nav className="admin-tabs" aria-label="Admin sections">
        {TABS.map((t) => (
          <a
            key={t.id}
            href={`/admin/${t.id}`}
            aria-current={t.id === current ? 'page' : undefined}
            onClick={(e) => go(e, `/admin/${t.id}`)}
          >
            {t.label}
          </a>
        ))}
      </nav>
      <div className="admin-body">
        {current === 'users' && <UsersPanel selfId={me.user.id} />}
        {current === 'groups' && <GroupsPanel />}
        {current === 'invites' && <InvitesPanel selfId={me.user.id} />}
        {current === 'models' && <ModelsPanel />}
        {current === 'tools' && <ToolsPanel />}
        {current === 'usage' && <UsagePanel />}
        {current === 'audit' && <AuditPanel />}
      </div>
    </main>
  );
}

export function AdminsOnly() {
  return (
    <main className="admin" aria-labelledby="admin-title">
      <header className="conv-header admin-header">
        <h1 id="admin-title" className="conv-title">
          Admins only
        </h1>
      </header>
      <div className="admin-body">
        <section className="card">
          <p>
            The admin console is for this server’s admins. Your account is not an admin, so there is nothing
            to manage here.
          </p>
          <p>
            <a href="/" onClick={(e) => go(e, '/')}>
              Back to your conversations
            </a>{' '}
            ·{' '}
            <a href="/settings" onClick={(e) => go(e, '/settings')}>
              Your settings and usage
            </a>
          </p>
        </section>
      </div>
    </main>
  );
}
