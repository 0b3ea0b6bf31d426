import { lazy, Suspense, useCallback, useEffect, useRef, useState } from 'react';
import { api, type Conversation, type Me, type ModelList } from '../api.js';
import { onLiveEvent, startLiveEvents } from '../events.js';
import { navigate, type Route } from '../router.js';
import { ConversationView } from './ConversationView.js';
import { MenuIcon } from './icons.js';
import { Settings } from './Settings.js';
import { KeyboardShortcuts } from './ShortcutsDialog.js';
import { Sidebar } from './Sidebar.js';
import { SkipLink } from './SkipLink.js';
import './Shell.css';

/** The admin console is its own chunk: the chat never downloads it. */
const AdminConsole = lazy(() => import('../admin/AdminConsole.js'));
/** Under the composer when a token limit is nearly used up (its own small chunk). */
const QuotaMeter = lazy(() => import('../admin/QuotaMeter.js'));

interface Props {
  me: Me;
  route: Route;
  onSignedOut: () => void;
  /** The signed-in user's profile changed (Settings): shown at once everywhere. */
  onUserChanged?: (user: Me['user']) => void;
}

/** The server's list order: pinned first, then most recently active. */
const byActivity = (a: Conversation, b: Conversation) => {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? 1 : -1;
  return a.id < b.id ? 1 : -1;
};

type Change =
  | { upsert: Conversation }
  | { remove: string }
  | { touch: string; activeRun: Conversation['activeRun']; at: string };

function applyChange(items: Conversation[], change: Change): Conversation[] {
  if ('upsert' in change) {
    const rest = items.filter((item) => item.id !== change.upsert.id);
    // Archived conversations live in the sidebar's Archived view, not in this list.
    return change.upsert.archived ? rest : [...rest, change.upsert].sort(byActivity);
  }
  if ('remove' in change) return items.filter((item) => item.id !== change.remove);
  const found = items.find((item) => item.id === change.touch);
  if (!found) return items;
  const touched = { ...found, updatedAt: change.at, activeRun: change.activeRun };
  return [touched, ...items.filter((item) => item.id !== found.id)].sort(byActivity);
}

export interface ConversationList {
  items: Conversation[];
  nextCursor: string | null;
  loaded: boolean;
}

/** The signed-in app: the sidebar, and the conversation or settings beside it. */
export function Shell({ me, route, onSignedOut, onUserChanged }: Props) {
  const [list, setList] = useState<ConversationList>({ items: [], nextCursor: null, loaded: false });
  const [models, setModels] = useState<ModelList | null>(null);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  /** Bumped after each reply: the quota meter reads the usage again. */
  const [usageVersion, setUsageVersion] = useState(0);
  const activeId = route.name === 'conversation' ? route.id : null;
  const activeRef = useRef(activeId);
  activeRef.current = activeId;

  /**
   * Changes from live events while a refresh is in flight: replayed over its (older) answer, so a
   * conversation created or deleted meanwhile is not lost or brought back.
   */
  const refreshing = useRef<{ seq: number; log: Change[] } | null>(null);
  const refreshSeq = useRef(0);

  const change = useCallback((next: Change) => {
    refreshing.current?.log.push(next);
    setList((current) => ({ ...current, items: applyChange(current.items, next) }));
  }, []);

  const upsert = useCallback((conversation: Conversation) => change({ upsert: conversation }), [change]);

  const remove = useCallback(
    (id: string) => {
      change({ remove: id });
      if (activeRef.current === id) navigate('/', { replace: true });
    },
    [change],
  );

  const refresh = useCallback(async () => {
    const seq = ++refreshSeq.current;
    const tracker = { seq, log: [] as Change[] };
    refreshing.current = tracker;
    try {
      const page = await api.conversations();
      // A newer refresh has started since: its answer wins.
      if (seq !== refreshSeq.current) return;
      refreshing.current = null;
      setList((current) => {
        // Keep older pages already loaded; the first page replaces what it covers.
        const fresh = new Set(page.items.map((item) => item.id));
        const oldest = page.items[page.items.length - 1];
        const rest = current.items.filter(
          (item) => !fresh.has(item.id) && page.nextCursor !== null && oldest && byActivity(item, oldest) > 0,
        );
        let items = [...page.items, ...rest].sort(byActivity);
        for (const logged of tracker.log) items = applyChange(items, logged);
        return {
          items,
          nextCursor: current.loaded && rest.length > 0 ? current.nextCursor : page.nextCursor,
          loaded: true,
        };
      });
    } catch {
      if (seq === refreshSeq.current) refreshing.current = null;
      setList((current) => ({ ...current, loaded: true }));
    }
  }, []);

  const loadMore = useCallback(async () => {
    const cursor = list.nextCursor;
    if (!cursor) return;
    const page = await api.conversations(cursor);
    setList((current) => {
      const seen = new Set(current.items.map((item) => item.id));
      return {
        items: [...current.items, ...page.items.filter((item) => !seen.has(item.id))].sort(byActivity),
        nextCursor: page.nextCursor,
        loaded: true,
      };
    });
  }, [list.nextCursor]);

  /**
   * A folder's own pages (its section reads them while the main list has not reached its older
   * conversations): merged in, so the folder shows all of its conversations, not only loaded ones.
   */
  const loadFolder = useCallback(async (folderId: string, cursor: string | null) => {
    const page = await api.conversations(cursor ?? undefined, { folderId });
    setList((current) => {
      const seen = new Set(current.items.map((item) => item.id));
      const added = page.items.filter((item) => !seen.has(item.id));
      return added.length === 0
        ? current
        : { ...current, items: [...current.items, ...added].sort(byActivity) };
    });
    return page.nextCursor;
  }, []);

  const loadModels = useCallback(async () => {
    try {
      setModels(await api.models());
    } catch {
      // The picker shows the conversation's model alone; the next event or reload tries again.
    }
  }, []);

  useEffect(() => {
    void refresh();
    void loadModels();
    startLiveEvents();
    const stop = onLiveEvent((event) => {
      switch (event.type) {
        case 'ready':
        case 'folders.changed':
          // (Re)connected, or a folder went (its conversations unfiled): catch up.
          void refresh();
          break;
        case 'conversation.created':
        case 'conversation.updated':
          upsert(event.conversation);
          break;
        case 'conversation.deleted':
          remove(event.conversationId);
          break;
        case 'run.started':
        case 'run.finished':
          change({
            touch: event.conversationId,
            activeRun: event.type === 'run.started' ? { id: event.runId, messageId: event.messageId } : null,
            at: new Date().toISOString(),
          });
          if (event.type === 'run.finished') {
            void loadModels();
            setUsageVersion((v) => v + 1);
          }
          break;
      }
    });
    return stop;
  }, [refresh, loadModels, upsert, remove, change]);

  // Close the drawer (phones) whenever the page changes.
  const page = route.name === 'conversation' ? `c:${route.id}` : route.name;
  const [shownPage, setShownPage] = useState(page);
  if (shownPage !== page) {
    setShownPage(page);
    setSidebarOpen(false);
  }

  const conversation = activeId ? (list.items.find((item) => item.id === activeId) ?? null) : null;

  return (
    <div className={`shell${sidebarOpen ? ' sidebar-open' : ''}`}>
      <SkipLink />
      <KeyboardShortcuts />
      <Sidebar
        me={me}
        list={list}
        activeId={activeId}
        onLoadMore={loadMore}
        onLoadFolder={loadFolder}
        onRenamed={upsert}
        onDeleted={remove}
        onClose={() => setSidebarOpen(false)}
        settingsActive={route.name === 'settings'}
        adminActive={route.name === 'admin'}
      />
      <button
        type="button"
        className="scrim"
        aria-label="Close the conversation list"
        tabIndex={-1}
        onClick={() => setSidebarOpen(false)}
      />
      <div className="main-column" id="main-content" tabIndex={-1}>
        <button
          type="button"
          className="icon-btn menu-btn"
          aria-label="Open the conversation list"
          aria-expanded={sidebarOpen}
          onClick={() => setSidebarOpen(true)}
        >
          <MenuIcon />
        </button>
        {route.name === 'admin' ? (
          <Suspense
            fallback={
              <div className="splash" aria-busy="true">
                Loading the admin console…
              </div>
            }
          >
            <AdminConsole me={me} tab={route.tab} />
          </Suspense>
        ) : route.name === 'settings' ? (
          <Settings me={me} onSignedOut={onSignedOut} onUserChanged={onUserChanged} />
        ) : (
          <ConversationView
            key={activeId ?? 'new'}
            conversationId={activeId}
            summary={conversation}
            models={models}
            onConversation={upsert}
          />
        )}
        {route.name !== 'admin' && route.name !== 'settings' && (
          <Suspense fallback={null}>
            <QuotaMeter version={usageVersion} />
          </Suspense>
        )}
      </div>
    </div>
  );
}
