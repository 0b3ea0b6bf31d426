import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ApiError,
  api,
  type Conversation,
  loadConversation,
  type Message,
  type ModelList,
  type RunAccepted,
} from '../api.js';
import { onLiveEvent } from '../events.js';
import { conversationPath, navigate } from '../router.js';
import { followRun, type StreamPart } from '../sse.js';
import { MessageTree } from '../thread.js';
import { Composer } from './Composer.js';
import { CloseIcon } from './icons.js';
import { MessageList } from './MessageList.js';
import { ModelPicker } from './ModelPicker.js';

interface Props {
  conversationId: string | null;
  /** The sidebar's copy, shown until the conversation itself has loaded. */
  summary: Conversation | null;
  models: ModelList | null;
  onConversation: (conversation: Conversation) => void;
}

/** A reply being streamed into the page. */
export interface LiveRun {
  runId: string;
  messageId: string;
  /** Text of this run's deltas. */
  text: string;
  /** The message's text before this run (a continuation appends to it). */
  prefix: string;
  /** False when a continuation's starting text is unknown (resumed elsewhere): show the stored text. */
  prefixKnown: boolean;
  connection: 'open' | 'reconnecting';
  status: string | null;
  errorText: string | null;
  finishReason: string | null;
}

export interface InlineError {
  message: string;
  retry?: () => void;
}

/** A conversation created on the home page hands its first run to the conversation page it opens. */
const handoffs = new Map<string, { conversation: Conversation; accepted: RunAccepted }>();

const prefixKey = (runId: string) => `parley.prefix.${runId}`;
const PAGE = 50;
const OLDER_PAGE = 100;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function ConversationView({ conversationId, summary, models, onConversation }: Props) {
  const handoff = conversationId ? handoffs.get(conversationId) : undefined;
  const [conversation, setConversation] = useState<Conversation | null>(handoff?.conversation ?? summary);
  const [messages, setMessages] = useState<Map<string, Message>>(() => {
    const map = new Map<string, Message>();
    if (handoff?.accepted.userMessage) map.set(handoff.accepted.userMessage.id, handoff.accepted.userMessage);
    if (handoff) map.set(handoff.accepted.assistantMessage.id, handoff.accepted.assistantMessage);
    return map;
  });
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(conversationId !== null && !handoff);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [leafId, setLeafId] = useState<string | null>(null);
  const [live, setLive] = useState<LiveRun | null>(null);
  const [error, setError] = useState<InlineError | null>(null);
  const [draftModel, setDraftModel] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [announce, setAnnounce] = useState('');
  const [bannerHidden, setBannerHidden] = useState(
    () => sessionStorage.getItem('parley.demoBanner') === 'hidden',
  );

  const runRef = useRef<{ runId: string; abort: AbortController } | null>(null);
  /** A request of ours that starts a run is in flight: its run.started event is not "another tab". */
  const startingRef = useRef(false);
  const idRef = useRef(conversationId);
  idRef.current = conversationId;

  const tree = useMemo(() => new MessageTree(messages.values()), [messages]);
  const effectiveLeaf = leafId && tree.byId.has(leafId) ? leafId : (tree.newest()?.id ?? null);
  const branch = useMemo(() => tree.branch(effectiveLeaf), [tree, effectiveLeaf]);

  const merge = useCallback((items: Message[]) => {
    if (items.length === 0) return;
    setMessages((current) => {
      const next = new Map(current);
      for (const item of items) {
        // A slow answer never rolls a message back to an older state.
        const known = next.get(item.id);
        if (known && known.updatedAt > item.updatedAt) continue;
        next.set(item.id, item);
      }
      return next;
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

  const attach = useCallback(
    (runId: string, messageId: string, prefix?: string) => {
      const conversation = idRef.current;
      if (!conversation || runRef.current?.runId === runId) return;
      runRef.current?.abort.abort();
      const abort = new AbortController();
      runRef.current = { runId, abort };
      const storedPrefix = localStorage.getItem(prefixKey(runId));
      const state: LiveRun = {
        runId,
        messageId,
        text: '',
        prefix: prefix ?? storedPrefix ?? '',
        prefixKnown: prefix !== undefined || storedPrefix !== null,
        connection: 'open',
        status: null,
        errorText: null,
        finishReason: null,
      };
      setLive({ ...state });
      let scheduled = false;
      const flush = () => {
        scheduled = false;
        if (runRef.current?.runId === runId) setLive({ ...state });
      };
      const schedule = () => {
        if (scheduled) return;
        scheduled = true;
        // At most one render a frame, however fast tokens arrive.
        requestAnimationFrame(flush);
      };
      const onPart = (part: StreamPart) => {
        switch (part.type) {
          case 'data-run':
            if (part.data && part.data.kind !== 'continue' && !state.prefixKnown) {
              state.prefix = '';
              state.prefixKnown = true;
            }
            break;
          case 'text-delta':
            state.text += part.delta ?? '';
            break;
          case 'error':
            state.errorText = part.errorText ?? 'The model failed to answer.';
            break;
          case 'finish':
            state.status = part.messageMetadata?.status ?? 'complete';
            state.finishReason = part.finishReason ?? null;
            break;
          default:
            return;
        }
        schedule();
      };
      void followRun({
        conversationId: conversation,
        runId,
        signal: abort.signal,
        onPart,
        onConnection: (connection) => {
          state.connection = connection;
          schedule();
        },
      }).then(async (result) => {
        if (result === 'aborted') return;
        localStorage.removeItem(prefixKey(runId));
        if (result === 'done' && state.prefixKnown) {
          setMessages((current) => {
            const message = current.get(messageId);
            if (!message) return current;
            const next = new Map(current);
            next.set(messageId, {
              ...message,
              content: state.prefix + state.text,
              status: (state.status ?? 'complete') as Message['status'],
              error: state.errorText,
              finishReason: state.finishReason,
              updatedAt: new Date().toISOString(),
            });
            return next;
          });
        } else {
          await reloadNewest().catch(() => {});
        }
        if (runRef.current?.runId === runId) runRef.current = null;
        setLive((current) => (current?.runId === runId ? null : current));
        setAnnounce(
          state.status === 'error'
            ? 'The reply failed.'
            : state.status === 'stopped'
              ? 'Reply stopped.'
              : 'Reply finished.',
        );
      });
    },
    [reloadNewest],
  );

  // Load the conversation and its newest messages; follow a reply that is still being written.
  useEffect(() => {
    if (!conversationId) return;
    let cancelled = false;
    const pending = handoffs.get(conversationId);
    if (pending) {
      handoffs.delete(conversationId);
      setLeafId(pending.accepted.assistantMessage.id);
      attach(pending.accepted.runId, pending.accepted.assistantMessage.id, '');
    }
    (async () => {
      try {
        const [loaded, page] = await loadConversation(conversationId);
        if (cancelled) return;
        setConversation(loaded);
        merge(page.items);
        setOlderCursor(page.nextCursor);
        setLoading(false);
        if (loaded.activeRun) attach(loaded.activeRun.id, loaded.activeRun.messageId);
      } catch (err) {
        if (cancelled) return;
        setLoading(false);
        setLoadError(
          err instanceof ApiError && err.status === 404
            ? 'This conversation does not exist, or it was deleted.'
            : describe(err),
        );
      }
    })();
    return () => {
      cancelled = true;
      runRef.current?.abort.abort();
      runRef.current = null;
    };
  }, [conversationId, attach, merge]);

  // Another tab (or device) acts on this conversation: follow its runs, show its changes.
  useEffect(() => {
    if (!conversationId) return;
    return onLiveEvent((event) => {
      if (event.type === 'conversation.updated' && event.conversation.id === conversationId) {
        setConversation(event.conversation);
      } else if (event.type === 'run.started' && event.conversationId === conversationId) {
        if (startingRef.current || runRef.current?.runId === event.runId) return;
        void reloadNewest().then(() => {
          if (startingRef.current || runRef.current) return;
          setLeafId(null);
          attach(event.runId, event.messageId);
        });
      } else if (event.type === 'run.finished' && event.conversationId === conversationId) {
        if (!runRef.current) void reloadNewest().catch(() => {});
      } else if (event.type === 'ready' && !runRef.current) {
        // Reconnected after a drop: catch up.
        void api
          .conversation(conversationId)
          .then((loaded) => {
            setConversation(loaded);
            if (loaded.activeRun) {
              return reloadNewest().then(() => {
                if (loaded.activeRun) attach(loaded.activeRun.id, loaded.activeRun.messageId);
              });
            }
            return reloadNewest();
          })
          .catch(() => {});
      }
    });
  }, [conversationId, attach, reloadNewest]);

  useEffect(() => {
    document.title = conversation?.title ? `${conversation.title} · Parley` : 'Parley';
  }, [conversation?.title]);

  const loadOlder = useCallback(async () => {
    if (!conversationId || !olderCursor || loadingOlder) return;
    setLoadingOlder(true);
    try {
      const page = await api.messages(conversationId, olderCursor, OLDER_PAGE);
      merge(page.items);
      setOlderCursor(page.nextCursor);
    } catch (err) {
      setError({ message: describe(err), retry: () => void loadOlder() });
    } finally {
      setLoadingOlder(false);
    }
  }, [conversationId, olderCursor, loadingOlder, merge]);

  /** Start a run with `request`; show it on the branch of its reply. */
  const startRun = useCallback(
    async (request: () => Promise<RunAccepted>, retry: () => void, prefix = ''): Promise<boolean> => {
      setError(null);
      setBusy(true);
      startingRef.current = true;
      try {
        const accepted = await request();
        if (prefix) localStorage.setItem(prefixKey(accepted.runId), prefix);
        merge([...(accepted.userMessage ? [accepted.userMessage] : []), accepted.assistantMessage]);
        setLeafId(accepted.assistantMessage.id);
        attach(accepted.runId, accepted.assistantMessage.id, prefix);
        return true;
      } catch (err) {
        setError({ message: describe(err), retry });
        return false;
      } finally {
        startingRef.current = false;
        setBusy(false);
      }
    },
    [attach, merge],
  );

  const send = useCallback(
    async (content: string): Promise<boolean> => {
      if (!conversationId) {
        // The home page: create the conversation, start the reply, then open the conversation's page.
        setError(null);
        setBusy(true);
        try {
          const created = await api.createConversation(draftModel ? { model: draftModel } : {});
          onConversation(created);
          const accepted = await api.send(created.id, { content });
          handoffs.set(created.id, { conversation: created, accepted });
          navigate(conversationPath(created.id));
          return true;
        } catch (err) {
          setError({ message: describe(err), retry: () => void send(content) });
          return false;
        } finally {
          setBusy(false);
        }
      }
      const parentId = branch.messages[branch.messages.length - 1]?.id;
      return startRun(
        () => api.send(conversationId, parentId ? { content, parentId } : { content }),
        () => void send(content),
      );
    },
    [conversationId, draftModel, onConversation, branch, startRun],
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
    async (message: Message, content: string): Promise<boolean> => {
      if (!conversationId) return false;
      return startRun(
        () => api.send(conversationId, { content, parentId: message.parentId }),
        () => void editAndResend(message, content),
      );
    },
    [conversationId, startRun],
  );

  const stop = useCallback(async () => {
    if (!conversationId) return;
    try {
      await api.stop(conversationId);
    } catch (err) {
      setError({ message: describe(err), retry: () => void stop() });
    }
  }, [conversationId]);

  const showSibling = useCallback(
    (message: Message, step: -1 | 1) => {
      const siblings = tree.siblings(message);
      const index = siblings.findIndex((sibling) => sibling.id === message.id);
      const target = siblings[index + step];
      if (target) setLeafId(tree.newestLeafUnder(target.id));
    },
    [tree],
  );

  const changeModel = useCallback(
    async (model: string) => {
      if (!conversationId) {
        setDraftModel(model);
        return;
      }
      try {
        const updated = await api.updateConversation(conversationId, { model });
        setConversation(updated);
        onConversation(updated);
      } catch (err) {
        setError({ message: describe(err) });
      }
    },
    [conversationId, onConversation],
  );

  // Esc stops the reply being written (unless a dialog or an editor takes it).
  useEffect(() => {
    if (!live) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      if (document.querySelector('dialog[open]')) return;
      event.preventDefault();
      void stop();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [live, stop]);

  const items = useMemo(() => {
    if (!live) return branch.messages;
    return branch.messages.map((message) =>
      message.id === live.messageId
        ? {
            ...message,
            content: live.prefixKnown ? live.prefix + live.text : message.content,
            status: 'streaming' as const,
            error: null,
          }
        : message,
    );
  }, [branch.messages, live]);

  const currentModel = conversation?.model ?? draftModel ?? models?.defaultModel ?? null;
  const demoOnly =
    models !== null && models.models.length > 0 && models.models.every((m) => m.provider === 'parley');
  const running = live !== null;

  return (
    <main className="conversation" aria-label={conversation?.title ?? 'New conversation'}>
      <header className="conv-header">
        <h1 className="conv-title">
          {conversationId ? (conversation?.title ?? 'New conversation') : 'New chat'}
        </h1>
        <ModelPicker models={models} value={currentModel} onChange={(model) => void changeModel(model)} />
      </header>
      {demoOnly && !bannerHidden && (
        <div className="banner" role="note">
          <button
            type="button"
            className="icon-btn banner-close"
            aria-label="Hide the demo-mode note"
            onClick={() => {
              sessionStorage.setItem('parley.demoBanner', 'hidden');
              setBannerHidden(true);
            }}
          >
            <CloseIcon />
          </button>
          <strong>Demo mode:</strong> only the built-in demo model is configured, so replies are canned. To
          use a real model, set a provider key such as <code>OPENAI_API_KEY</code> (or{' '}
          <code>ANTHROPIC_API_KEY</code>, <code>OLLAMA_BASE_URL</code>, a <code>MODELS_FILE</code>…) and
          restart Parley; see “Models” in the README.
        </div>
      )}
      {loadError ? (
        <div className="empty-state" role="alert">
          <p>{loadError}</p>
          <button type="button" className="btn" onClick={() => navigate('/')}>
            Start a new chat
          </button>
        </div>
      ) : conversationId === null || (!loading && items.length === 0) ? (
        <div className="empty-state">
          <h2>How can I help?</h2>
          <p className="muted">Replies stream in as they are written, and keep going if you reload.</p>
        </div>
      ) : (
        <MessageList
          key={conversationId}
          items={items}
          tree={tree}
          loading={loading}
          hasOlder={!branch.complete && olderCursor !== null}
          loadingOlder={loadingOlder}
          onLoadOlder={loadOlder}
          live={live}
          disabled={running || busy}
          onRegenerate={regenerate}
          onContinue={continueReply}
          onEdit={editAndResend}
          onSibling={showSibling}
        />
      )}
      <div className="composer-wrap">
        {live?.connection === 'reconnecting' && (
          <p className="status-line" role="status">
            Connection lost — reconnecting; the reply continues where it stopped.
          </p>
        )}
        {error && (
          <div className="inline-error" role="alert">
            <span>{error.message}</span>
            {error.retry && (
              <button type="button" className="btn btn-small" onClick={error.retry}>
                Retry
              </button>
            )}
            <button type="button" className="link-btn" onClick={() => setError(null)}>
              Dismiss
            </button>
          </div>
        )}
        <Composer
          key={conversationId ?? 'new'}
          running={running}
          busy={busy}
          onSend={send}
          onStop={() => void stop()}
          disabled={loadError !== null}
        />
      </div>
      <div className="sr-only" role="status" aria-live="polite">
        {announce}
      </div>
    </main>
  );
}
