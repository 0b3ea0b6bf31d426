import type { Conversation } from '../api.js';
import { conversationPath } from '../router.js';
import { PencilIcon, TrashIcon } from './icons.js';
import { go, titleOf } from './links.js';
import { RenameInput } from './RenameInput.js';
import './ConversationListItem.css';

interface Props {
  conversation: Conversation;
  active: boolean;
  renaming: boolean;
  onRename: (title: string) => void;
  onStartRename: () => void;
  onCancelRename: () => void;
  onDelete: () => void;
}

/** One conversation in the sidebar: its link (a dot while it replies), rename in place, delete. */
export function ConversationListItem({
  conversation,
  active,
  renaming,
  onRename,
  onStartRename,
  onCancelRename,
  onDelete,
}: Props) {
  const title = titleOf(conversation);
  return (
    <li className={`conv${active ? ' active' : ''}`}>
      {renaming ? (
        <RenameInput initial={conversation.title ?? ''} onDone={onRename} onCancel={onCancelRename} />
      ) : (
        <>
          <a
            className="conv-link"
            href={conversationPath(conversation.id)}
            aria-current={active ? 'page' : undefined}
            onClick={(e) => go(e, conversationPath(conversation.id))}
            onDoubleClick={onStartRename}
          >
            {conversation.activeRun && <span className="live-dot" title="Replying" />}
            {title}
          </a>
          <span className="conv-actions">
            <button
              type="button"
              className="icon-btn"
              aria-label={`Rename “${title}”`}
              title="Rename"
              onClick={onStartRename}
            >
              <PencilIcon />
            </button>
            <button
              type="button"
              className="icon-btn"
              aria-label={`Delete “${title}”`}
              title="Delete"
              onClick={onDelete}
            >
              <TrashIcon />
            </button>
          </span>
        </>
      )}
    </li>
  );
}
