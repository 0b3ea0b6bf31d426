import { useEffect, useMemo, useRef } from 'react';
import type { Conversation, Me } from '../api.js';
import { dateGroup, GROUP_ORDER } from '../dates.js';
import { useConversationEdits } from '../hooks/use-conversation-edits.js';
import { useConversationSearch } from '../hooks/use-conversation-search.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ConversationListItem } from './ConversationListItem.js';
import { CloseIcon, PlusIcon, SearchIcon, SettingsIcon } from './icons.js';
import { go, titleOf } from './links.js';
import { SearchResults } from './SearchResults.js';
import type { ConversationList } from './Shell.js';
import './Sidebar.css';

interface Props {
  me: Me;
  list: ConversationList;
  activeId: string | null;
  settingsActive: boolean;
  /** The admin console is open (admins see a link to it). */
  adminActive?: boolean;
  onLoadMore: () => Promise<void>;
  onRenamed: (conversation: Conversation) => void;
  onDeleted: (id: string) => void;
  onClose: () => void;
}

export function Sidebar({
  me,
  list,
  activeId,
  settingsActive,
  adminActive = false,
  onLoadMore,
  onRenamed,
  onDeleted,
  onClose,
}: Props) {
  const search = useConversationSearch();
  const edits = useConversationEdits({ onRenamed, onDeleted });
  const moreRef = useRef<HTMLDivElement>(null);

  // Load the next page of conversations when the end of the list scrolls into view.
  useEffect(() => {
    const target = moreRef.current;
    if (!target || !list.nextCursor) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void onLoadMore();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [list.nextCursor, onLoadMore]);

  const groups = useMemo(() => {
    const now = new Date();
    const map = new Map<string, Conversation[]>();
    for (const item of list.items) {
      const group = dateGroup(item.updatedAt, now);
      const bucket = map.get(group);
      if (bucket) bucket.push(item);
      else map.set(group, [item]);
    }
    return GROUP_ORDER.filter((group) => map.has(group)).map((group) => ({
      group,
      items: map.get(group) as Conversation[],
    }));
  }, [list.items]);

  const name = me.user.displayName || me.user.username;
  const { deleting } = edits;

  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="sidebar-top">
        <a className="brand" href="/" onClick={(e) => go(e, '/')}>
          <span className="brand-mark" aria-hidden="true" />
          Parley
        </a>
        <button
          type="button"
          className="icon-btn sidebar-close"
          aria-label="Close the conversation list"
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </div>
      <a className="btn btn-new" href="/" onClick={(e) => go(e, '/')}>
        <PlusIcon /> New chat
      </a>
      <div className="search">
        <SearchIcon />
        <input
          type="search"
          aria-label="Search conversations"
          placeholder="Search"
          value={search.query}
          maxLength={200}
          onChange={(e) => search.setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') search.setQuery('');
          }}
        />
      </div>
      {edits.error && (
        <p className="sidebar-error" role="alert">
          {edits.error}{' '}
          <button type="button" className="link-btn" onClick={edits.dismissError}>
            Dismiss
          </button>
        </p>
      )}
      <div className="sidebar-list">
        {search.searching ? (
          <SearchResults results={search.results} error={search.error} />
        ) : (
          <>
            {list.loaded && list.items.length === 0 && <p className="sidebar-note">No conversations yet.</p>}
            {groups.map(({ group, items }) => (
              <section key={group} aria-label={group}>
                <h2 className="group-title">{group}</h2>
                <ul>
                  {items.map((conversation) => (
                    <ConversationListItem
                      key={conversation.id}
                      conversation={conversation}
                      active={conversation.id === activeId}
                      renaming={edits.renaming === conversation.id}
                      onRename={(title) => void edits.rename(conversation, title)}
                      onStartRename={() => edits.startRename(conversation.id)}
                      onCancelRename={edits.cancelRename}
                      onDelete={() => edits.askDelete(conversation)}
                    />
                  ))}
                </ul>
              </section>
            ))}
            {list.nextCursor && (
              <div ref={moreRef} className="sidebar-note">
                Loading…
              </div>
            )}
          </>
        )}
      </div>
      <div className="sidebar-bottom">
        {me.user.role === 'admin' && (
          <a
            className={`sidebar-admin${adminActive ? ' active' : ''}`}
            href="/admin"
            aria-current={adminActive ? 'page' : undefined}
            onClick={(e) => go(e, '/admin')}
          >
            Admin console
          </a>
        )}
        <a
          className={`sidebar-user${settingsActive ? ' active' : ''}`}
          href="/settings"
          aria-current={settingsActive ? 'page' : undefined}
          onClick={(e) => go(e, '/settings')}
        >
          <span className="avatar" aria-hidden="true">
            {name.slice(0, 1).toUpperCase()}
          </span>
          <span className="sidebar-user-name">{me.authMode === 'none' ? 'Local user' : name}</span>
          <SettingsIcon />
          <span className="sr-only">Settings</span>
        </a>
      </div>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete conversation?"
        confirmLabel="Delete"
        danger
        onConfirm={() => deleting && void edits.confirmDelete(deleting)}
        onCancel={edits.cancelDelete}
      >
        “{deleting ? titleOf(deleting) : ''}” and all its messages will be deleted. This cannot be undone.
      </ConfirmDialog>
    </nav>
  );
}
