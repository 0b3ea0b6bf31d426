import { useCallback, useRef, useState } from 'react';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import type { Message } from '../api.js';
import type { LiveRun } from '../hooks/use-run-follower.js';
import type { MessageTree } from '../thread.js';
import { MessageItem } from './MessageItem.js';
import './MessageList.css';

interface Props {
  items: Message[];
  tree: MessageTree<Message>;
  loading: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => Promise<void>;
  live: LiveRun | null;
  disabled: boolean;
  onRegenerate: (message: Message) => void;
  onContinue: (message: Message) => void;
  onEdit: (message: Message, content: string, files: string[]) => Promise<boolean>;
  onSibling: (message: Message, step: -1 | 1) => void;
  onAnswer: (message: Message, toolCallId: string, approved: boolean, reason?: string) => Promise<boolean>;
}

interface ListContext {
  hasOlder: boolean;
  loadingOlder: boolean;
}

function ListHeader({ context }: { context?: ListContext }) {
  return context?.hasOlder ? (
    <div className="list-note" aria-live="polite">
      {context.loadingOlder ? 'Loading older messages…' : ''}
    </div>
  ) : (
    <div className="list-top" />
  );
}

const ListFooter = () => <div className="list-bottom" />;
const COMPONENTS = { Header: ListHeader, Footer: ListFooter };

/** Virtuoso counts item indexes from here, so older pages can be put in front without a jump. */
const START_INDEX = 10_000_000;

/**
 * The branch on screen, virtualized (react-virtuoso): only the messages in view (and a margin) are
 * in the DOM, whatever the length of the conversation. Opens at the newest message, follows a
 * streaming reply while the reader is at the bottom, and loads older pages when scrolled to the top.
 */
export function MessageList(props: Props) {
  const { items, tree, hasOlder, loadingOlder, onLoadOlder, live, disabled } = props;
  const virtuoso = useRef<VirtuosoHandle>(null);
  const [atBottom, setAtBottom] = useState(true);

  // Keep the index of the first message we showed stable while older ones are put before it.
  const anchor = useRef<string | null>(null);
  let anchorIndex = anchor.current ? items.findIndex((message) => message.id === anchor.current) : -1;
  if (anchorIndex < 0) {
    anchor.current = items[0]?.id ?? null;
    anchorIndex = 0;
  }
  const firstItemIndex = START_INDEX - anchorIndex;

  const startReached = useCallback(() => {
    if (hasOlder && !loadingOlder) void onLoadOlder();
  }, [hasOlder, loadingOlder, onLoadOlder]);

  return (
    <div className="message-list">
      <Virtuoso<Message, ListContext>
        ref={virtuoso}
        className="scroller"
        data={items}
        firstItemIndex={firstItemIndex}
        initialTopMostItemIndex={{ index: 'LAST', align: 'end' }}
        computeItemKey={(_index, message) => message.id}
        followOutput={(bottom) => (bottom ? 'auto' : false)}
        atBottomStateChange={setAtBottom}
        atBottomThreshold={80}
        startReached={startReached}
        increaseViewportBy={{ top: 600, bottom: 400 }}
        components={COMPONENTS}
        context={{ hasOlder, loadingOlder }}
        role="log"
        aria-label="Messages"
        itemContent={(_index, message) => {
          const siblings = tree.siblings(message);
          return (
            <MessageItem
              message={message}
              siblingIndex={siblings.findIndex((sibling) => sibling.id === message.id)}
              siblingCount={siblings.length}
              streaming={live?.messageId === message.id}
              waiting={live?.messageId === message.id ? live.waiting : undefined}
              disabled={disabled}
              onRegenerate={props.onRegenerate}
              onContinue={props.onContinue}
              onEdit={props.onEdit}
              onSibling={props.onSibling}
              onAnswer={props.onAnswer}
            />
          );
        }}
      />
      {!atBottom && (
        <button
          type="button"
          className="to-bottom"
          aria-label="Scroll to the newest message"
          onClick={() => virtuoso.current?.scrollToIndex({ index: 'LAST', align: 'end', behavior: 'auto' })}
        >
          ↓
        </button>
      )}
    </div>
  );
}
