import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Conversation, type Message, type RunAccepted } from '../api.js';
import { conversationPath, navigate } from '../router.js';
import { runError } from './run-errors.js';
import { giveHandoff } from './run-handoff.js';
import { describeError } from './use-conversation-messages.js';
import { prefixKey } from './use-run-follower.js';
import { escapeStopsReply } from './use-shortcuts.js';

/** What the user does to a conversation: send, regenerate, continue, edit, stop, pick a model. */

export interface InlineError {
  message: string;
  /** A short heading before the message, for refusals the user must act on (a used-up quota). */
  title?: string;
  retry?: () => void;
}

export interface RunActionsOptions {
  conversationId: string | null;
  /** The last message of the branch shown: a new message answers it. */
  parentId: string | undefined;
  /** The home page created this conversation (its page opens next). */
  onCreated: (conversation: Conversation) => void;
  /** The conversation's settings were changed here. */
  onUpdated: (conversation: Conversation) => void;
  /** A run was accepted: show its messages and follow it. */
  onAccepted: (accepted: RunAccepted, prefix: string) => void;
}

/** A message body carries `files` only when it has some (a text-only message looks as it always did). */
function withFiles<T extends object>(body: T, files: readonly string[]): T & { files?: string[] } {
  return files.length > 0 ? { ...body, files: [...files] } : body;
}

export function useRunActions(options: RunActionsOptions) {
  const { conversationId, parentId, onCreated, onUpdated, onAccepted } = options;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<InlineError | null>(null);
  /** The model picked on the home page, before the conversation exists. */
  const [draftModel, setDraftModel] = useState<string | null>(null);
  /** The tools picked on the home page, sent when the conversation is created. */
  const [draftTools, setDraftTools] = useState<string[]>([]);
  /** The tools as the user last set them, while the server has not confirmed it yet. */
  const [pendingTools, setPendingTools] = useState<string[] | null>(null);
  const [toolsError, setToolsError] = useState<string | null>(null);
  /** Saves go one after another (the last one wins); `seq` names the newest. */
  const toolSaves = useRef<{ chain: Promise<void>; seq: number }>({ chain: Promise.resolve(), seq: 0 });
  /** A request of ours that starts a run is in flight: its run.started event is not "another tab". */
  const startingRef = useRef(false);

  /** Start a run with `request`; on failure, show the error with `retry`. */
  const startRun = useCallback(
    async (request: () => Promise<RunAccepted>, retry: () => void, prefix = ''): Promise<boolean> => {
      setError(null);
      setBusy(true);
      startingRef.current = true;
      try {
        const accepted = await request();
        if (prefix) localStorage.setItem(prefixKey(accepted.runId), prefix);
        onAccepted(accepted, prefix);
        return true;
      } catch (err) {
        setError(runError(err, retry));
        return false;
      } finally {
        startingRef.current = false;
        setBusy(false);
      }
    },
    [onAccepted],
  );

  const send = useCallback(
    async (content: string, files: readonly string[] = []): Promise<boolean> => {
      const body = withFiles({ content }, files);
      if (!conversationId) {
        // The home page: the conversation and its first message in one request (a refused send
        // creates nothing), then open the conversation's page.
        setError(null);
        setBusy(true);
        try {
          const accepted = await api.startConversation({
            ...body,
            ...(draftModel ? { model: draftModel } : {}),
            ...(draftTools.length > 0 ? { tools: draftTools } : {}),
          });
          const created = await api.conversation(accepted.conversationId);
          onCreated(created);
          giveHandoff({ conversation: created, accepted });
          navigate(conversationPath(created.id));
          return true;
        } catch (err) {
          setError(runError(err, () => void send(content, files)));
          return false;
        } finally {
          setBusy(false);
        }
      }
      return startRun(
        () => api.send(conversationId, parentId ? { ...body, parentId } : body),
        () => void send(content, files),
      );
    },
    [conversationId, draftModel, draftTools, onCreated, parentId, startRun],
  );

  const regenerate = useCallback(
    (message: Message) => {
      void startRun(
        () => api.regenerate(message.id),
        () => regenerate(message),
      );
    },
    [startRun],
  );

  const continueReply = useCallback(
    (message: Message) => {
      void startRun(
        () => api.continueMessage(message.id),
        () => continueReply(message),
        message.content,
      );
    },
    [startRun],
  );

  const editAndResend = useCallback(
    async (message: Message, content: string, files: readonly string[] = []): Promise<boolean> => {
      if (!conversationId) return false;
      return startRun(
        () => api.send(conversationId, withFiles({ content, parentId: message.parentId }, files)),
        () => void editAndResend(message, content, files),
      );
    },
    [conversationId, startRun],
  );

  const stop = useCallback(async () => {
    if (!conversationId) return;
    try {
      await api.stop(conversationId);
    } catch (err) {
      setError({ message: describeError(err), retry: () => void stop() });
    }
  }, [conversationId]);

  const changeModel = useCallback(
    async (model: string) => {
      if (!conversationId) {
        setDraftModel(model);
        return;
      }
      try {
        onUpdated(await api.updateConversation(conversationId, { model }));
      } catch (err) {
        setError({ message: describeError(err) });
      }
    },
    [conversationId, onUpdated],
  );

  /** Sets the tools the conversation's replies may call (kept for the conversation not created yet). */
  const changeTools = useCallback(
    (tools: string[]) => {
      setToolsError(null);
      if (!conversationId) {
        setDraftTools(tools);
        return;
      }
      const saves = toolSaves.current;
      const seq = ++saves.seq;
      setPendingTools(tools);
      saves.chain = saves.chain.then(async () => {
        if (seq !== saves.seq) return; // a newer choice replaces this one before it is sent
        try {
          const updated = await api.updateConversation(conversationId, { tools });
          if (seq !== saves.seq) return;
          onUpdated(updated);
          setPendingTools(null);
        } catch (err) {
          if (seq !== saves.seq) return;
          setPendingTools(null);
          setToolsError(describeError(err));
        }
      });
    },
    [conversationId, onUpdated],
  );

  return {
    busy,
    error,
    setError,
    draftModel,
    draftTools,
    /** The tools shown as chosen while a save is under way; null when none is. */
    pendingTools,
    toolsError,
    changeTools,
    /** True while a request of ours is starting a run. */
    isStarting: () => startingRef.current,
    send,
    regenerate,
    continueReply,
    editAndResend,
    stop,
    changeModel,
  };
}

/** Esc stops the reply being written (unless a dialog, menu, field or the sidebar has focus). */
export function useEscapeToStop(active: boolean, stop: () => Promise<void>) {
  useEffect(() => {
    if (!active) return;
    const onKey = (event: KeyboardEvent) => {
      // Shift+Esc is the focus-the-composer shortcut, not stop.
      if (event.key !== 'Escape' || event.shiftKey || event.defaultPrevented) return;
      if (document.querySelector('dialog[open]')) return;
      // Only from the composer or the conversation, never from search, a menu or a dialog.
      if (!escapeStopsReply(document.activeElement)) return;
      event.preventDefault();
      void stop();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [active, stop]);
}
