import { useEffect, useRef } from 'react';
import { api, type Conversation } from '../api.js';
import { onLiveEvent } from '../events.js';

/** Another tab (or device) acts on this conversation: follow its runs, show its changes. */

export interface LiveSyncOptions {
  setConversation: (conversation: Conversation) => void;
  reloadNewest: () => Promise<void>;
  /** Shows the newest branch (where another tab's run writes). */
  showNewest: () => void;
  attach: (runId: string, messageId: string) => void;
  /** The run this page follows now, if any. */
  currentRunId: () => string | null;
  /** A request of ours is starting a run: its `run.started` is ours, not another tab's. */
  isStarting: () => boolean;
}

export function useLiveSync(conversationId: string | null, options: LiveSyncOptions) {
  // The newest callbacks, without subscribing again on every render.
  const ref = useRef(options);
  ref.current = options;

  useEffect(() => {
    if (!conversationId) return;
    const o = () => ref.current;
    return onLiveEvent((event) => {
      if (event.type === 'conversation.updated' && event.conversation.id === conversationId) {
        o().setConversation(event.conversation);
      } else if (event.type === 'run.started' && event.conversationId === conversationId) {
        if (o().isStarting() || o().currentRunId() === event.runId) return;
        void o()
          .reloadNewest()
          .then(() => {
            if (o().isStarting() || o().currentRunId()) return;
            o().showNewest();
            o().attach(event.runId, event.messageId);
          });
      } else if (event.type === 'run.finished' && event.conversationId === conversationId) {
        if (!o().currentRunId())
          void o()
            .reloadNewest()
            .catch(() => {});
      } else if (event.type === 'ready' && !o().currentRunId()) {
        // Reconnected after a drop: catch up.
        void api
          .conversation(conversationId)
          .then(async (loaded) => {
            o().setConversation(loaded);
            await o().reloadNewest();
            if (loaded.activeRun) o().attach(loaded.activeRun.id, loaded.activeRun.messageId);
          })
          .catch(() => {});
      }
    });
  }, [conversationId]);
}
