import { type KeyboardEvent, type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { api, type Conversation, type Me, type SearchPage } from '../api.js';
import { dateGroup, GROUP_ORDER } from '../dates.js';
import { conversationPath, navigate } from '../router.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { CloseIcon, PencilIcon, PlusIcon, SearchIcon, SettingsIcon, TrashIcon } from './icons.js';
import type { ConversationList } from './Shell.js';

interface Props {
  me: Me;
  list: ConversationList;
  activeId: string | null;
  settingsActive: boolean;
  onLoadMore: () => Promise<void>;
  onRenamed: (conversation: Conversation) => void;
  onDeleted: (id: string) => void;
  onClose: () => void;
}

export const titleOf = (conversation: Pick<Conversation, 'title'>) =>
  conversation.title ?? 'New conversation';

/** A search snippet with its matches marked; text only, never HTML. */
function Snippet({ text, highlights }: { text: string; highlights: { start: number; end: number }[] }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [index, range] of highlights.entries()) {
    if (range.start < at || range.end > text.length) continue;
    parts.push(text.slice(at, range.start));
    parts.push(<mark key={index}>{text.slice(range.start, range.end)}</mark>);
    at = range.end;
  }
  parts.push(text.slice(at));
  return <span className="snippet">{parts}</span>;
}

function go(event: React.MouseEvent, path: string) {
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(path);
}

export function Sidebar({
  me,
  list,
  activeId,
  settingsActive,
  onLoadMore,
  onRenamed,
  onDeleted,
  onClose,
}: Props) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<SearchPage | null>(null);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Conversation | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const moreRef = useRef<HTMLDivElement>(null);

  // Server search, debounced; the newest query wins.
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults(null);
      setSearchError(null);
      return;
    }
    let cancelled = false;
    const timer = setTimeout(async () => {
      try {
        const page = await api.search(q.slice(0, 200));
        if (!cancelled) {
          setResults(page);
          setSearchError(null);
        }
      } catch (error) {
        if (!cancelled) setSearchError(error instanceof Error ? error.message : String(error));
      }
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [query]);

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

  async function rename(conversation: Conversation, title: string) {
    setRenaming(null);
    const clean = title.trim().slice(0, 200);
    if (!clean || clean === conversation.title) return;
    try {
      onRenamed(await api.updateConversation(conversation.id, { title: clean }));
    } catch (error) {
      setActionError(error instanceof Error ? error.message : String(error));
    }
  }

  async function confirmDelete(conversation: Conversation) {
    setDeleting(null);
    try {
      await api.deleteConversation(conversation.id);
      onDeleted(conversation.id);
    } catch (error) {
      setActionError(error instanceof Error ? error.message : String(error));
    }
  }

  const name = me.user.displayName || me.user.username;

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
          value={query}
          maxLength={200}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setQuery('');
          }}
        />
      </div>
      {actionError && (
        <p className="sidebar-error" role="alert">
          {actionError}{' '}
          <button type="button" className="link-btn" onClick={() => setActionError(null)}>
            Dismiss
          </button>
        </p>
      )}
      <div className="sidebar-list">
        {query.trim() ? (
          <section aria-label="Search results" className="search-results">
            {searchError && <p className="sidebar-note">{searchError}</p>}
            {results && results.items.length === 0 && <p className="sidebar-note">No matches.</p>}
            <ul>
              {results?.items.map((hit) => (
                <li key={`${hit.conversationId}:${hit.messageId ?? 'title'}`}>
                  <a
                    className="hit"
                    href={conversationPath(hit.conversationId)}
                    onClick={(e) => go(e, conversationPath(hit.conversationId))}
                  >
                    <span className="hit-title">{hit.conversationTitle ?? 'New conversation'}</span>
                    <Snippet text={hit.snippet} highlights={hit.highlights} />
                  </a>
                </li>
              ))}
            </ul>
          </section>
        ) : (
          <>
            {list.loaded && list.items.length === 0 && <p className="sidebar-note">No conversations yet.</p>}
            {groups.map(({ group, items }) => (
              <section key={group} aria-label={group}>
                <h2 className="group-title">{group}</h2>
                <ul>
                  {items.map((conversation) => (
                    <li
                      key={conversation.id}
                      className={`conv${conversation.id === activeId ? ' active' : ''}`}
                    >
                      {renaming === conversation.id ? (
                        <RenameInput
                          initial={conversation.title ?? ''}
                          onDone={(title) => void rename(conversation, title)}
                          onCancel={() => setRenaming(null)}
                        />
                      ) : (
                        <>
                          <a
                            className="conv-link"
                            href={conversationPath(conversation.id)}
                            aria-current={conversation.id === activeId ? 'page' : undefined}
                            onClick={(e) => go(e, conversationPath(conversation.id))}
                            onDoubleClick={() => setRenaming(conversation.id)}
                          >
                            {conversation.activeRun && <span className="live-dot" title="Replying" />}
                            {titleOf(conversation)}
                          </a>
                          <span className="conv-actions">
                            <button
                              type="button"
                              className="icon-btn"
                              aria-label={`Rename “${titleOf(conversation)}”`}
                              title="Rename"
                              onClick={() => setRenaming(conversation.id)}
                            >
                              <PencilIcon />
                            </button>
                            <button
                              type="button"
                              className="icon-btn"
                              aria-label={`Delete “${titleOf(conversation)}”`}
                              title="Delete"
                              onClick={() => setDeleting(conversation)}
                            >
                              <TrashIcon />
                            </button>
                          </span>
                        </>
                      )}
                    </li>
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
        onConfirm={() => deleting && void confirmDelete(deleting)}
        onCancel={() => setDeleting(null)}
      >
        “{deleting ? titleOf(deleting) : ''}” and all its messages will be deleted. This cannot be undone.
      </ConfirmDialog>
    </nav>
  );
}

function RenameInput({
  initial,
  onDone,
  onCancel,
}: {
  initial: string;
  onDone: (title: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(initial);
  const ref = useRef<HTMLInputElement>(null);
  const finished = useRef(false);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  const finish = (save: boolean) => {
    if (finished.current) return;
    finished.current = true;
    if (save) onDone(value);
    else onCancel();
  };
  return (
    <input
      ref={ref}
      className="rename-input"
      aria-label="Conversation title"
      value={value}
      maxLength={200}
      onChange={(e) => setValue(e.target.value)}
      onKeyDown={(e: KeyboardEvent) => {
        if (e.key === 'Enter') finish(true);
        if (e.key === 'Escape') finish(false);
      }}
      onBlur={() => finish(true)}
    />
  );
}
