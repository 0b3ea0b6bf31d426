import { useCallback, useEffect, useRef, useState } from 'react';
import { type IndexLocationWithAlign, Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import type { Message } from '../api.js';
import type { MessageFocus } from '../hooks/use-conversation-messages.js';
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
  /** A message to bring into view, mark and focus (opened from a search hit). */
  focus?: MessageFocus | null;
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

/** How the list opened: at the newest message, or (`id`, the `seq`th search hit) at that message. */
interface Opening {
  seq: number;
  id: string | null;
  initial: IndexLocationWithAlign;
}

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

  // A search hit: the list (re)opens at that message, centred, marks it briefly and moves the focus
  // there so a screen reader reads it. Opening anew is what lands reliably: scrolling a list that
  // is still taking in the older pages it was paged back through could be undone by their arrival.
  const { focus } = props;
  const focusIndex = focus ? items.findIndex((message) => message.id === focus.id) : -1;
  const [opening, setOpening] = useState<Opening>(() =>
    focus && focusIndex >= 0
      ? { seq: focus.seq, id: focus.id, initial: { index: focusIndex, align: 'center' } }
      : { seq: 0, id: null, initial: { index: 'LAST', align: 'end' } },
  );
  if (focus && focusIndex >= 0 && focus.seq !== opening.seq) {
    setOpening({ seq: focus.seq, id: focus.id, initial: { index: focusIndex, align: 'center' } });
  }
  const marked = opening.id;
  useEffect(() => {
    const { id } = opening;
    if (!id) return;
    // The item is there (and can take the focus: the list stays hidden until it has scrolled to
    // it) a few frames after the list opens: try each frame, for up to about two seconds.
    let frames = 0;
    let handle = 0;
    const tryFocus = () => {
      const element = document.querySelector<HTMLElement>(`[data-search-target="${CSS.escape(id)}"]`);
      element?.focus({ preventScroll: true });
      if ((!element || document.activeElement !== element) && ++frames < 120)
        handle = requestAnimationFrame(tryFocus);
    };
    handle = requestAnimationFrame(tryFocus);
    return () => cancelAnimationFrame(handle);
  }, [opening]);

  return (
    <div className="message-list">
      <Virtuoso<Message, ListContext>
        ref={virtuoso}
        className="scroller"
        data={items}
        firstItemIndex={firstItemIndex}
        key={opening.seq}
        initialTopMostItemIndex={opening.initial}
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
          const item = (
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
          return message.id === marked ? (
            <div className="search-target" tabIndex={-1} data-search-target={message.id}>
              {item}
            </div>
          ) : (
            item
          );
        }}
      />
      <p className="sr-only" role="status" aria-live="polite">
        {marked ? 'Showing the message found by search.' : ''}
      </p>
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
