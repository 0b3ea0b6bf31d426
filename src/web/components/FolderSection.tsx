import { useCallback, useRef, useState } from 'react';
import { useLoadOnView } from '../hooks/use-load-on-view.js';
import type { FolderGroup } from '../sidebar-groups.js';
import { DateGroups } from './DateGroups.js';
import { ChevronRight, MoreIcon } from './icons.js';
import { RenameInput } from './RenameInput.js';
import { RowMenu } from './RowMenu.js';
import './FolderSection.css';

interface Props {
  group: FolderGroup;
  onRename: (name: string) => void;
  onDelete: () => void;
  /**
   * Reads the folder's next page into the list (null once the main list has every conversation):
   * a folder then shows all of its conversations, not only those the main list loaded so far.
   */
  loadPage: ((cursor: string | null) => Promise<string | null>) | null;
}

/** A folder: a collapsible section of its conversations (pinned, then by date) with a rename/delete menu. */
export function FolderSection({ group, onRename, onDelete, loadPage }: Props) {
  const { folder } = group;
  const storageKey = `parley.folder.${folder.id}.collapsed`;
  const [open, setOpen] = useState(() => localStorage.getItem(storageKey) !== '1');
  const [renaming, setRenaming] = useState(false);
  const bodyId = `folder-${folder.id}`;
  // undefined: not read yet; a cursor: more to read; null: read to its end.
  const [next, setNext] = useState<string | null | undefined>(undefined);
  const reading = useRef(false);
  const readPage = useCallback(async () => {
    if (!loadPage || reading.current) return;
    reading.current = true;
    try {
      setNext(await loadPage(next ?? null));
    } catch {
      setNext(null); // The main list still brings them as it scrolls.
    } finally {
      reading.current = false;
    }
  }, [loadPage, next]);
  // Armed when the folder comes into view (open or not, so its count is right too).
  const moreRef = useLoadOnView(loadPage && next !== null ? (next ?? 'first') : null, readPage);

  function toggle() {
    setOpen((was) => {
      localStorage.setItem(storageKey, was ? '1' : '0');
      return !was;
    });
  }

  return (
    <section className="folder" aria-label={`Folder ${folder.name}`}>
      <div className="folder-head">
        {renaming ? (
          <RenameInput
            initial={folder.name}
            label="Folder name"
            maxLength={100}
            onDone={(name) => {
              setRenaming(false);
              if (name.trim() && name.trim() !== folder.name) onRename(name);
            }}
            onCancel={() => setRenaming(false)}
          />
        ) : (
          <>
            <button
              type="button"
              className="folder-toggle"
              aria-expanded={open}
              aria-controls={bodyId}
              onClick={toggle}
            >
              <span className={`folder-chevron${open ? ' open' : ''}`}>
                <ChevronRight />
              </span>
              <span className="folder-name">{folder.name}</span>
              <span className="folder-count">
                {group.count}
                <span className="sr-only"> conversations</span>
              </span>
            </button>
            <RowMenu
              label={`Actions for folder “${folder.name}”`}
              icon={<MoreIcon />}
              items={[
                { label: 'Rename folder', onSelect: () => setRenaming(true) },
                { label: 'Delete folder', danger: true, onSelect: onDelete },
              ]}
            />
          </>
        )}
      </div>
      <div id={bodyId} hidden={!open} className="folder-body">
        {group.count === 0 && loadPage && next !== null ? (
          <p className="sidebar-note">Loading…</p>
        ) : group.count === 0 ? (
          <p className="sidebar-note">Empty: move conversations here from their menu.</p>
        ) : (
          <DateGroups pinned={group.pinned} groups={group.groups} level={3} />
        )}
      </div>
      <div ref={moreRef} className="folder-more" aria-hidden="true" />
    </section>
  );
}
