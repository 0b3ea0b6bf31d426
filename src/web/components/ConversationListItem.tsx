import { useRef } from 'react';
import type { Conversation } from '../api.js';
import { conversationPath } from '../router.js';
import { MoreIcon, PinIcon } from './icons.js';
import { go, titleOf } from './links.js';
import { useRowActions } from './organise-context.js';
import { RenameInput } from './RenameInput.js';
import { type MenuItem, RowMenu } from './RowMenu.js';
import './ConversationListItem.css';

/** The row's menu: rename, regenerate the title, pin, archive, move to each folder, select, delete. */
function menuItems(conversation: Conversation, actions: ReturnType<typeof useRowActions>): MenuItem[] {
  const items: MenuItem[] = [
    { label: 'Rename', onSelect: () => actions.startRename(conversation.id) },
    // An untitled conversation has no message to write a title from yet.
    ...(conversation.title !== null
      ? [{ label: 'Regenerate title', onSelect: () => actions.regenerateTitle(conversation) }]
      : []),
    { label: conversation.pinned ? 'Unpin' : 'Pin', onSelect: () => actions.pin(conversation) },
    { label: conversation.archived ? 'Unarchive' : 'Archive', onSelect: () => actions.archive(conversation) },
  ];
  if (!conversation.archived) {
    const targets = actions.folders.filter((folder) => folder.id !== conversation.folderId);
    for (const [i, folder] of targets.entries()) {
      items.push({
        label: `Move to “${folder.name}”`,
        separated: i === 0,
        onSelect: () => actions.move(conversation, folder.id),
      });
    }
    if (conversation.folderId) {
      items.push({
        label: 'Remove from folder',
        separated: targets.length === 0,
        onSelect: () => actions.move(conversation, null),
      });
    }
    items.push({
      label: 'Select…',
      separated: true,
      onSelect: () => actions.startSelecting(conversation.id),
    });
  }
  items.push({ label: 'Delete', danger: true, onSelect: () => actions.askDelete(conversation) });
  return items;
}

/**
 * One conversation in the sidebar: its link (a dot while it replies, a pin when pinned), rename in
 * place, and a menu of the rest. One tab stop per row: → from the link reaches the menu button,
 * as does the context-menu key; in select mode the row is a checkbox.
 */
export function ConversationListItem({ conversation }: { conversation: Conversation }) {
  const actions = useRowActions();
  const menuButton = useRef<HTMLButtonElement | null>(null);
  const title = titleOf(conversation);
  const active = conversation.id === actions.activeId;

  if (actions.selecting) {
    return (
      <li className="conv selecting">
        <label className="conv-check">
          <input
            type="checkbox"
            checked={actions.selected.has(conversation.id)}
            onChange={() => actions.toggle(conversation.id)}
          />
          <span>{title}</span>
        </label>
      </li>
    );
  }
  return (
    <li className={`conv${active ? ' active' : ''}`}>
      {actions.renaming === conversation.id ? (
        <RenameInput
          initial={conversation.title ?? ''}
          onDone={(next) => actions.rename(conversation, next)}
          onCancel={actions.cancelRename}
        />
      ) : (
        <>
          <a
            className="conv-link"
            href={conversationPath(conversation.id)}
            aria-current={active ? 'page' : undefined}
            onClick={(e) => go(e, conversationPath(conversation.id))}
            onDoubleClick={() => actions.startRename(conversation.id)}
            onKeyDown={(e) => {
              if (e.key === 'ArrowRight' || e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) {
                e.preventDefault();
                menuButton.current?.focus();
                if (e.key !== 'ArrowRight') menuButton.current?.click();
              }
            }}
          >
            {conversation.activeRun && <span className="live-dot" title="Replying" />}
            {conversation.pinned && (
              <span className="pin-mark" title="Pinned">
                <PinIcon />
                <span className="sr-only">Pinned: </span>
              </span>
            )}
            {title}
          </a>
          <span className="conv-actions">
            <RowMenu
              label={`Actions for “${title}”`}
              icon={<MoreIcon />}
              items={menuItems(conversation, actions)}
              tabIndex={-1}
              buttonRef={(node) => {
                menuButton.current = node;
              }}
            />
          </span>
        </>
      )}
    </li>
  );
}
