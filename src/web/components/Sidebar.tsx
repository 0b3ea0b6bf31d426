import { useCallback, useState } from 'react';
import type { Conversation, Me } from '../api.js';
import { useArchived } from '../hooks/use-archived.js';
import { useConversationEdits } from '../hooks/use-conversation-edits.js';
import { useConversationSearch } from '../hooks/use-conversation-search.js';
import { useFolders } from '../hooks/use-folders.js';
import { useOrganise } from '../hooks/use-organise.js';
import { BulkBar } from './BulkBar.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ChevronDown, CloseIcon, PlusIcon, SearchIcon, SettingsIcon } from './icons.js';
import { go, titleOf } from './links.js';
import { type RowActions, RowActionsContext } from './organise-context.js';
import { RowMenu } from './RowMenu.js';
import { SearchResults } from './SearchResults.js';
import type { ConversationList } from './Shell.js';
import { ArchivedView, MainView } from './SidebarViews.js';
import './Sidebar.css';

interface Props {
  me: Me;
  list: ConversationList;
  activeId: string | null;
  settingsActive: boolean;
  /** The admin console is open (admins see a link to it). */
  adminActive?: boolean;
  onLoadMore: () => Promise<void>;
  /** The next page of one folder's conversations, merged into `list`; resolves with its cursor. */
  onLoadFolder: (folderId: string, cursor: string | null) => Promise<string | null>;
  /** A conversation the server changed here (renamed, pinned, archived, moved). */
  onRenamed: (conversation: Conversation) => void;
  onDeleted: (id: string) => void;
  onClose: () => void;
}

export function Sidebar(props: Props) {
  const { me, list, activeId, settingsActive, adminActive = false, onLoadMore, onClose } = props;
  const search = useConversationSearch();
  const [showArchived, setShowArchived] = useState(false);
  const archived = useArchived(showArchived);
  const [error, setError] = useState<string | null>(null);
  const onError = useCallback((message: string) => setError(message), []);
  const onChanged = (conversation: Conversation) => {
    props.onRenamed(conversation);
    archived.apply(conversation);
  };
  const onDeleted = (id: string) => {
    props.onDeleted(id);
    archived.drop(id);
  };
  const edits = useConversationEdits({ onRenamed: onChanged, onDeleted });
  const folders = useFolders(onError);
  const organise = useOrganise({ onChanged, onDeleted, onError });
  const [creatingFolder, setCreatingFolder] = useState(false);
  const [deletingFolder, setDeletingFolder] = useState<string | null>(null);
  const [bulkDeleting, setBulkDeleting] = useState(false);

  const actions: RowActions = {
    activeId,
    folders: folders.folders,
    renaming: edits.renaming,
    rename: (conversation, title) => void edits.rename(conversation, title),
    startRename: edits.startRename,
    cancelRename: edits.cancelRename,
    askDelete: edits.askDelete,
    regenerateTitle: (conversation) => void organise.regenerateTitle(conversation),
    pin: (conversation) => void organise.pin(conversation),
    archive: (conversation) => void organise.archive(conversation),
    move: (conversation, folderId) => void organise.move(conversation, folderId),
    selecting: organise.selecting,
    selected: organise.selected,
    toggle: organise.toggle,
    startSelecting: organise.startSelecting,
  };

  const name = me.user.displayName || me.user.username;
  const { deleting } = edits;
  const shownError = error ?? edits.error;
  const folderToDelete = folders.folders.find((folder) => folder.id === deletingFolder);

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
      {organise.selecting ? (
        <BulkBar
          count={organise.selected.size}
          folders={folders.folders}
          archivedView={showArchived}
          onArchive={() => void organise.bulk(showArchived ? 'unarchive' : 'archive')}
          onMove={(folderId) => void organise.bulk('move', folderId)}
          onDelete={() => setBulkDeleting(true)}
          onCancel={organise.stopSelecting}
        />
      ) : (
        <div className="sidebar-tools">
          {/* One tab stop for all three (the main area stays a few Tabs away). */}
          <RowMenu
            label="Organise"
            buttonClass="link-btn sidebar-organise"
            icon={
              <>
                Organise <ChevronDown />
              </>
            }
            items={[
              { label: 'Select conversations', onSelect: () => organise.startSelecting() },
              ...(showArchived ? [] : [{ label: 'New folder', onSelect: () => setCreatingFolder(true) }]),
              {
                label: showArchived ? 'Back to chats' : 'Show archived',
                onSelect: () => setShowArchived((was) => !was),
              },
            ]}
          />
          {showArchived && (
            <button type="button" className="link-btn" onClick={() => setShowArchived(false)}>
              Back to chats
            </button>
          )}
        </div>
      )}
      {shownError && (
        <p className="sidebar-error" role="alert">
          {shownError}{' '}
          <button
            type="button"
            className="link-btn"
            onClick={() => {
              setError(null);
              edits.dismissError();
            }}
          >
            Dismiss
          </button>
        </p>
      )}
      <div className="sidebar-list">
        <RowActionsContext.Provider value={actions}>
          {search.searching ? (
            <SearchResults
              results={search.results}
              error={search.error}
              onMore={search.loadMore}
              loadingMore={search.loadingMore}
              onOpen={onClose}
            />
          ) : showArchived ? (
            <ArchivedView {...archived} onLoadMore={archived.loadMore} />
          ) : (
            <MainView
              list={list}
              folders={folders}
              creatingFolder={creatingFolder}
              onFolderCreated={() => setCreatingFolder(false)}
              onAskDeleteFolder={setDeletingFolder}
              onLoadMore={onLoadMore}
              onLoadFolder={props.onLoadFolder}
            />
          )}
        </RowActionsContext.Provider>
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
      <ConfirmDialog
        open={bulkDeleting}
        title={`Delete ${organise.selected.size} conversations?`}
        confirmLabel="Delete"
        danger
        onConfirm={() => {
          setBulkDeleting(false);
          void organise.bulk('delete');
        }}
        onCancel={() => setBulkDeleting(false)}
      >
        They and all their messages will be deleted. This cannot be undone.
      </ConfirmDialog>
      <ConfirmDialog
        open={folderToDelete !== undefined}
        title="Delete folder?"
        confirmLabel="Delete folder"
        danger
        onConfirm={() => {
          setDeletingFolder(null);
          if (folderToDelete) void folders.remove(folderToDelete.id);
        }}
        onCancel={() => setDeletingFolder(null)}
      >
        “{folderToDelete?.name}” will be deleted. Its conversations stay, outside any folder.
      </ConfirmDialog>
    </nav>
  );
}
