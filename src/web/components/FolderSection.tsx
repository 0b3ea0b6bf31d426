import { useState } from 'react';
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
}

/** A folder: a collapsible section of its conversations (pinned, then by date) with a rename/delete menu. */
export function FolderSection({ group, onRename, onDelete }: Props) {
  const { folder } = group;
  const storageKey = `parley.folder.${folder.id}.collapsed`;
  const [open, setOpen] = useState(() => localStorage.getItem(storageKey) !== '1');
  const [renaming, setRenaming] = useState(false);
  const bodyId = `folder-${folder.id}`;

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
        {group.count === 0 ? (
          <p className="sidebar-note">Empty: move conversations here from their menu.</p>
        ) : (
          <DateGroups pinned={group.pinned} groups={group.groups} level={3} />
        )}
      </div>
    </section>
  );
}
