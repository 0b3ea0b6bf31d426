import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, type Conversation, loadConversation, type Message } from '../api.js';
import { MessageTree } from '../thread.js';
import { peekHandoff, type RunHandoff } from './run-handoff.js';

/** The conversation on screen and its loaded messages: first load, newer and older pages, the branch shown. */

export const PAGE = 50;
export const OLDER_PAGE = 100;
/** How far back opening at a message (a search hit) pages before it gives up: 50 pages of 100. */
export const MAX_SEEK_PAGES = 50;

/** Adds messages by id; a slow answer never rolls a message back to an older state. */
export function mergeMessages(current: Map<string, Message>, items: Message[]): Map<string, Message> {
  if (items.length === 0) return current;
  const next = new Map(current);
  for (const item of items) {
    const known = next.get(item.id);
    if (known && known.updatedAt > item.updatedAt) continue;
    next.set(item.id, item);
  }
  return next;
}

export const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

function handoffMessages(handoff: RunHandoff | undefined): Map<string, Message> {
  const map = new Map<string, Message>();
  if (handoff?.accepted.userMessage) map.set(handoff.accepted.userMessage.id, handoff.accepted.userMessage);
  if (handoff) map.set(handoff.accepted.assistantMessage.id, handoff.accepted.assistantMessage);
  return map;
}

export interface MessagesOptions {
  /** The sidebar's copy, shown until the conversation itself has loaded. */
  summary: Conversation | null;
  /** The loaded conversation has a reply being written: follow it. */
  onActiveRun: (run: { id: string; messageId: string }) => void;
  /** A message to open the conversation at (`?m=`, a search hit); null: at the newest. */
  target?: string | null;
  /** The target was looked for: found (and shown) or not (deleted, too far back, or `error`). */
  onTargetDone?: (found: boolean, error?: unknown) => void;
}

/** The message to scroll to and mark; `seq` tells the same message asked for twice apart. */
export interface MessageFocus {
  id: string;
  seq: number;
}

export function useConversationMessages(conversationId: string | null, options: MessagesOptions) {
  const handoff = peekHandoff(conversationId);
  const [conversation, setConversation] = useState<Conversation | null>(
    handoff?.conversation ?? options.summary,
  );
  const [messages, setMessages] = useState(() => handoffMessages(handoff));
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(conversationId !== null && !handoff);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  /** The leaf of the branch shown; null: the newest message's branch. */
  const [leafId, setLeafId] = useState<string | null>(null);

  const idRef = useRef(conversationId);
  idRef.current = conversationId;
  // The newest callback, without making the load effect run again when it changes.
  const onActiveRun = useRef(options.onActiveRun);
  onActiveRun.current = options.onActiveRun;
  const onTargetDone = useRef(options.onTargetDone);
  onTargetDone.current = options.onTargetDone;
  const target = options.target ?? null;
  /** The message to bring into view once it is on the branch shown. */
  const [pendingFocus, setPendingFocus] = useState<string | null>(null);
  const [focus, setFocus] = useState<MessageFocus | null>(null);
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  const cursorRef = useRef(olderCursor);
  cursorRef.current = olderCursor;
  /** Bumped by every search for a target: only the newest one's end clears `loadingOlder`. */
  const seekSeq = useRef(0);

  const tree = useMemo(() => new MessageTree(messages.values()), [messages]);
  const effectiveLeaf = leafId && tree.byId.has(leafId) ? leafId : (tree.newest()?.id ?? null);
  const branch = useMemo(() => tree.branch(effectiveLeaf), [tree, effectiveLeaf]);

  const merge = useCallback((items: Message[]) => {
    if (items.length > 0) setMessages((current) => mergeMessages(current, items));
  }, []);

  /** Changes a loaded message in place (the end of a reply we watched). */
  const patchMessage = useCallback((id: string, patch: Partial<Message>) => {
    setMessages((current) => {
      const message = current.get(id);
      if (!message) return current;
      return new Map(current).set(id, { ...message, ...patch });
    });
  }, []);

  /** Changes a loaded message from its current value (a tool call answered here). */
  const reviseMessage = useCallback((id: string, change: (message: Message) => Partial<Message>) => {
    setMessages((current) => {
      const message = current.get(id);
      if (!message) return current;
      return new Map(current).set(id, { ...message, ...change(message) });
    });
  }, []);

  /** The newest page again: after a run we did not watch to the end, or another tab's changes. */
  const reloadNewest = useCallback(async () => {
    const id = idRef.current;
    if (!id) return;
    const page = await api.messages(id, undefined, PAGE);
    merge(page.items);
    setOlderCursor((current) => current ?? page.nextCursor);
  }, [merge]);

  // Load the conversation and its newest messages.
  useEffect(() => {
    if (!conversationId) return;
    let cancelled = false;
    (async () => {
      try {
        const [loaded, page] = await loadConversation(conversationId);
        if (cancelled) return;
        setConversation(loaded);
        merge(page.items);
        setOlderCursor(page.nextCursor);
        setLoading(false);
        if (loaded.activeRun) onActiveRun.current(loaded.activeRun);
      } catch (err) {
        if (cancelled) return;
        setLoading(false);
        setLoadError(
          err instanceof ApiError && err.status === 404
            ? 'This conversation does not exist, or it was deleted.'
            : describeError(err),
        );
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [conversationId, merge]);

  // Opening at a message: page back (bounded) until it is loaded, then show its branch (below).
  useEffect(() => {
    // A conversation that failed to load says so itself: no second note about the message.
    if (!conversationId || !target || loading || loadError) return;
    const seq = ++seekSeq.current;
    let cancelled = false;
    (async () => {
      let found = messagesRef.current.has(target);
      let cursor = cursorRef.current;
      let failure: unknown;
      if (!found && cursor) setLoadingOlder(true);
      try {
        for (let pages = 0; !found && cursor && pages < MAX_SEEK_PAGES; pages++) {
          const page = await api.messages(conversationId, cursor, OLDER_PAGE);
          if (cancelled) return;
          merge(page.items);
          cursor = page.nextCursor;
          setOlderCursor(cursor);
          found = page.items.some((message) => message.id === target);
        }
      } catch (err) {
        found = false;
        failure = err;
      } finally {
        if (seekSeq.current === seq) setLoadingOlder(false);
      }
      if (cancelled) return;
      if (found) setPendingFocus(target);
      onTargetDone.current?.(found, failure);
    })();
    return () => {
      cancelled = true;
    };
  }, [conversationId, target, loading, loadError, merge]);

  // The target is loaded: show a branch through it (the one shown if it has it), then focus it.
  useEffect(() => {
    if (!pendingFocus || !tree.byId.has(pendingFocus)) return;
    if (!branch.messages.some((message) => message.id === pendingFocus)) {
      setLeafId(tree.newestLeafUnder(pendingFocus));
      return;
    }
    setPendingFocus(null);
    setFocus((current) => ({ id: pendingFocus, seq: (current?.seq ?? 0) + 1 }));
  }, [pendingFocus, tree, branch]);

  /** The page before the oldest loaded message; rejects with the API's error. */
  const loadOlder = useCallback(async () => {
    if (!conversationId || !olderCursor || loadingOlder) return;
    setLoadingOlder(true);
    try {
      const page = await api.messages(conversationId, olderCursor, OLDER_PAGE);
      merge(page.items);
      setOlderCursor(page.nextCursor);
    } finally {
      setLoadingOlder(false);
    }
  }, [conversationId, olderCursor, loadingOlder, merge]);

  /** Shows the branch through the sibling `step` away from `message` (regenerations, edits). */
  const showSibling = useCallback(
    (message: Message, step: -1 | 1) => {
      const siblings = tree.siblings(message);
      const index = siblings.findIndex((sibling) => sibling.id === message.id);
      const target = siblings[index + step];
      if (target) setLeafId(tree.newestLeafUnder(target.id));
    },
    [tree],
  );

  return {
    conversation,
    setConversation,
    tree,
    branch,
    loading,
    loadError,
    hasOlder: !branch.complete && olderCursor !== null,
    loadingOlder,
    loadOlder,
    merge,
    patchMessage,
    reviseMessage,
    reloadNewest,
    /** Shows the branch ending at this message; null: the newest. */
    showLeaf: setLeafId,
    showSibling,
    /** The message opened at (a search hit): scroll to it and mark it. */
    focus,
  };
}
