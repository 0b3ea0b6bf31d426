import type { Conversation } from '../api.js';
import type { useFolders } from '../hooks/use-folders.js';
import { useLoadOnView } from '../hooks/use-load-on-view.js';
import { byDate, sidebarLayout } from '../sidebar-groups.js';
import { DateGroups } from './DateGroups.js';
import { FolderSection } from './FolderSection.js';
import { RenameInput } from './RenameInput.js';
import type { ConversationList } from './Shell.js';

interface MainProps {
  list: ConversationList;
  folders: ReturnType<typeof useFolders>;
  creatingFolder: boolean;
  onFolderCreated: () => void;
  onAskDeleteFolder: (id: string) => void;
  onLoadMore: () => Promise<void>;
  onLoadFolder: (folderId: string, cursor: string | null) => Promise<string | null>;
}

/** The main list: pinned, the folders (collapsible, by date inside), then the rest by date. */
export function MainView({
  list,
  folders,
  creatingFolder,
  onFolderCreated,
  onAskDeleteFolder,
  onLoadMore,
  onLoadFolder,
}: MainProps) {
  const moreRef = useLoadOnView(list.nextCursor, onLoadMore);
  const layout = sidebarLayout(list.items, folders.folders);
  return (
    <>
      {creatingFolder && (
        <div className="new-folder">
          <RenameInput
            initial=""
            label="New folder name"
            maxLength={100}
            onDone={(name) => {
              onFolderCreated();
              if (name.trim()) void folders.create(name);
            }}
            onCancel={onFolderCreated}
          />
        </div>
      )}
      {list.loaded && list.items.length === 0 && folders.folders.length === 0 && (
        <p className="sidebar-note">No conversations yet.</p>
      )}
      {layout.pinned.length > 0 && <DateGroups pinned={layout.pinned} groups={[]} />}
      {layout.folders.length > 0 && (
        <section aria-label="Folders">
          <h2 className="group-title">Folders</h2>
          {layout.folders.map((group) => (
            <FolderSection
              key={group.folder.id}
              group={group}
              onRename={(name) => void folders.rename(group.folder.id, name)}
              onDelete={() => onAskDeleteFolder(group.folder.id)}
              // Every conversation is loaded already once the main list has reached its end.
              loadPage={list.nextCursor === null ? null : (cursor) => onLoadFolder(group.folder.id, cursor)}
            />
          ))}
        </section>
      )}
      <DateGroups pinned={[]} groups={layout.groups} />
      {list.nextCursor && (
        <div ref={moreRef} className="sidebar-note">
          Loading…
        </div>
      )}
    </>
  );
}

interface ArchivedProps {
  items: Conversation[];
  loaded: boolean;
  nextCursor: string | null;
  onLoadMore: () => Promise<unknown>;
}

/** The Archived view: archived conversations by date, each with Unarchive in its menu. */
export function ArchivedView({ items, loaded, nextCursor, onLoadMore }: ArchivedProps) {
  const moreRef = useLoadOnView(nextCursor, onLoadMore);
  return (
    <section aria-label="Archived conversations">
      {loaded && items.length === 0 && <p className="sidebar-note">Nothing archived.</p>}
      <DateGroups pinned={[]} groups={byDate(items)} />
      {nextCursor && (
        <div ref={moreRef} className="sidebar-note">
          Loading…
        </div>
      )}
    </section>
  );
}
