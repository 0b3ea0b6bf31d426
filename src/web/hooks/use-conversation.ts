import { useCallback, useEffect, useMemo } from 'react';
import { ApiError, api, type Conversation, type Message, type ModelList, type RunAccepted } from '../api.js';
import { conversationPath, navigate, useSearchParam } from '../router.js';
import { answerTool } from '../stream-parts.js';
import { takeHandoff } from './run-handoff.js';
import { describeError, useConversationMessages } from './use-conversation-messages.js';
import { useLiveSync } from './use-live-sync.js';
import { useEscapeToStop, useRunActions } from './use-run-actions.js';
import { useRunFollower, withLiveReply } from './use-run-follower.js';

/** Everything the conversation page shows and does, from the four hooks that own it. */

export interface ConversationOptions {
  conversationId: string | null;
  /** The sidebar's copy, shown until the conversation itself has loaded. */
  summary: Conversation | null;
  models: ModelList | null;
  onConversation: (conversation: Conversation) => void;
}

export function useConversation({ conversationId, summary, models, onConversation }: ConversationOptions) {
  const follower = useRunFollower(conversationId, {
    onFinal: (messageId, patch) => view.patchMessage(messageId, patch),
    onStale: () => view.reloadNewest(),
  });
  const { attach } = follower;
  // `?m=<messageId>` (a search hit) opens at that message; the address drops it once it was looked for.
  const target = useSearchParam('m');
  const view = useConversationMessages(conversationId, {
    summary,
    onActiveRun: (run) => attach(run.id, run.messageId),
    target,
    onTargetDone: (found, error) => {
      if (conversationId) navigate(conversationPath(conversationId), { replace: true });
      if (error) actions.setError({ title: 'Could not open at the message', message: describeError(error) });
      else if (!found)
        actions.setError({
          title: 'Message not found',
          message: 'It was deleted or is too far back; showing the newest messages.',
        });
    },
  });
  const { merge, showLeaf, setConversation } = view;

  // The home page's first run: follow it at once, on its branch.
  useEffect(() => {
    const handoff = conversationId ? takeHandoff(conversationId) : undefined;
    if (!handoff) return;
    showLeaf(handoff.accepted.assistantMessage.id);
    attach(handoff.accepted.runId, handoff.accepted.assistantMessage.id, '');
  }, [conversationId, attach, showLeaf]);

  const onAccepted = useCallback(
    (accepted: RunAccepted, prefix: string) => {
      merge([...(accepted.userMessage ? [accepted.userMessage] : []), accepted.assistantMessage]);
      showLeaf(accepted.assistantMessage.id);
      attach(accepted.runId, accepted.assistantMessage.id, prefix);
    },
    [merge, showLeaf, attach],
  );
  const onUpdated = useCallback(
    (updated: Conversation) => {
      setConversation(updated);
      onConversation(updated);
    },
    [setConversation, onConversation],
  );
  const actions = useRunActions({
    conversationId,
    parentId: view.branch.messages[view.branch.messages.length - 1]?.id,
    onCreated: onConversation,
    onUpdated,
    onAccepted,
  });
  const { setError } = actions;
  const { reviseMessage, reloadNewest } = view;

  /**
   * A person's answer to a tool call the reply waits on. When it was the last open one the reply
   * resumes in a new run on the same message: follow it there.
   */
  const answerApproval = useCallback(
    async (message: Message, toolCallId: string, approved: boolean, reason?: string): Promise<boolean> => {
      if (!conversationId) return false;
      setError(null);
      try {
        const result = await api.answerApproval(conversationId, {
          toolCallId,
          approved,
          ...(reason ? { reason } : {}),
        });
        reviseMessage(message.id, (current) => ({
          parts: answerTool(current.parts, toolCallId, approved, reason),
        }));
        if (result.runId) attach(result.runId, result.messageId);
        return true;
      } catch (err) {
        // Answered elsewhere (another tab), expired or gone: the stored reply has the truth.
        if (err instanceof ApiError && (err.code === 'already_decided' || err.status === 404))
          void reloadNewest().catch(() => {});
        setError({ message: describeError(err) });
        return false;
      }
    },
    [conversationId, setError, reviseMessage, reloadNewest, attach],
  );

  useLiveSync(conversationId, {
    setConversation,
    reloadNewest: view.reloadNewest,
    showNewest: () => showLeaf(null),
    attach,
    currentRunId: follower.currentRunId,
    isStarting: actions.isStarting,
  });

  const running = follower.live !== null;
  useEscapeToStop(running, actions.stop);

  const { loadOlder: fetchOlder } = view;
  const loadOlder = useCallback(async () => {
    try {
      await fetchOlder();
    } catch (err) {
      setError({ message: describeError(err), retry: () => void loadOlder() });
    }
  }, [fetchOlder, setError]);

  const items = useMemo(
    () => withLiveReply(view.branch.messages, follower.live),
    [view.branch.messages, follower.live],
  );

  return {
    conversation: view.conversation,
    tree: view.tree,
    items,
    loading: view.loading,
    loadError: view.loadError,
    hasOlder: view.hasOlder,
    loadingOlder: view.loadingOlder,
    loadOlder,
    showSibling: view.showSibling,
    focus: view.focus,
    live: follower.live,
    announce: follower.announce,
    running,
    currentModel: view.conversation?.model ?? actions.draftModel ?? models?.defaultModel ?? null,
    /** The tools the conversation's replies may call (as last set here, while it saves). */
    enabledTools: actions.pendingTools ?? view.conversation?.tools ?? actions.draftTools,
    answerApproval,
    ...actions,
  };
}
