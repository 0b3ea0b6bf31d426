import { useCallback, useEffect, useRef, useState } from 'react';
import type { FilePartDto, MessagePartDto } from '../../shared/message-parts.js';
import type { RunKind } from '../../shared/run-events.js';
import type { Message } from '../api.js';
import { followRun, type StreamPart } from '../sse.js';
import {
  foldChunk,
  foldWaiting,
  generatedFile,
  hasToolParts,
  mergeParts,
  NO_PARTS,
  type StreamedParts,
  textOf,
  type Waiting,
} from '../stream-parts.js';

/** The reply being streamed into the page: one run followed at a time, drawn at most once a frame. */

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
  /** Files the model made in this run (an image), shown as they arrive. */
  files: FilePartDto[];
  /** What the model thought in this run (its reasoning deltas), shown above the text as it arrives. */
  reasoning: string;
  /** What the run is (from its `data-run` part); null until that part arrives. */
  kind: RunKind | null;
  /** This run's parts in order (steps, text, reasoning, files, tool calls), and the earlier calls it settled. */
  streamed: StreamedParts;
  /** Since when the reply waits for its model, and the retry under way (shown until a token arrives). */
  waiting: Waiting;
}

/**
 * A continuation's starting text, kept across a reload: the stream only carries the new text.
 * Stored by the request that starts the run, read by whoever follows it, removed at its end.
 */
export const prefixKey = (runId: string) => `parley.prefix.${runId}`;

/** Applies one stream part to the live state; false when the part changes nothing shown. */
export function applyPart(state: LiveRun, part: StreamPart): boolean {
  const streamed = foldChunk(state.streamed, part);
  const waiting = foldWaiting(state.waiting, part, Date.now());
  const changed = streamed !== state.streamed || waiting !== state.waiting;
  state.streamed = streamed;
  state.waiting = waiting;
  switch (part.type) {
    case 'data-run':
      if (part.data) state.kind = part.data.kind;
      if (part.data && part.data.kind !== 'continue' && !state.prefixKnown) {
        state.prefix = '';
        state.prefixKnown = true;
      }
      return true;
    case 'text-delta':
      state.text += part.delta ?? '';
      return true;
    case 'reasoning-delta':
      state.reasoning += part.delta ?? '';
      return true;
    case 'error':
      state.errorText = part.errorText ?? 'The model failed to answer.';
      return true;
    case 'file':
      state.files = [...state.files, generatedFile(part.url, part.mediaType)];
      return true;
    case 'finish':
      state.status = part.messageMetadata?.status ?? 'complete';
      state.finishReason = part.finishReason ?? null;
      return true;
    default:
      return changed;
  }
}

/** The run used tools (or carries on after some): the reply is drawn part by part, and read back at its end. */
export const usesTools = (live: LiveRun): boolean =>
  live.kind === 'resume' ||
  hasToolParts(live.streamed.parts) ||
  Object.keys(live.streamed.settled).length > 0;

/**
 * The live reply's parts besides its text: this run's reasoning (else what the message had), then
 * the message's files and this run's. Undefined when the run brought neither: the parts stay.
 */
function liveParts(message: Message, live: LiveRun): MessagePartDto[] | undefined {
  if (live.files.length === 0 && live.reasoning === '') return undefined;
  const reasoning: MessagePartDto[] =
    live.reasoning === ''
      ? message.parts.filter((part) => part.type === 'reasoning')
      : [{ type: 'reasoning', text: live.reasoning }];
  return [...reasoning, ...message.parts.filter((part) => part.type === 'file'), ...live.files];
}

/** The branch as shown: the message being written carries the live text. */
export function withLiveReply(messages: Message[], live: LiveRun | null): Message[] {
  if (!live) return messages;
  return messages.map((message) => {
    if (message.id !== live.messageId) return message;
    if (usesTools(live)) {
      const parts = mergeParts(message.parts, live.streamed, live.kind);
      return { ...message, content: textOf(parts), parts, status: 'streaming' as const, error: null };
    }
    const parts = liveParts(message, live);
    return {
      ...message,
      content: live.prefixKnown ? live.prefix + live.text : message.content,
      ...(parts ? { parts } : {}),
      status: 'streaming' as const,
      error: null,
    };
  });
}

export function announcement(status: string | null): string {
  if (status === 'error') return 'The reply failed.';
  if (status === 'stopped') return 'Reply stopped.';
  if (status === 'waiting') return 'The reply waits for your approval of a tool call.';
  return 'Reply finished.';
}

export interface FollowerOptions {
  /** The run was watched to its end: these are the message's final fields. */
  onFinal: (messageId: string, patch: Partial<Message>) => void;
  /** The run ended unseen (gone from the server, or its start unknown): the store has the truth. */
  onStale: () => Promise<void>;
}

export function useRunFollower(conversationId: string | null, options: FollowerOptions) {
  const [live, setLive] = useState<LiveRun | null>(null);
  const [announce, setAnnounce] = useState('');
  const runRef = useRef<{ runId: string; abort: AbortController } | null>(null);
  const idRef = useRef(conversationId);
  idRef.current = conversationId;
  const optionsRef = useRef(options);
  optionsRef.current = options;

  /** Follows `runId` (replacing any other run followed); `prefix`: the message's text before it, if known. */
  const attach = useCallback((runId: string, messageId: string, prefix?: string) => {
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
      files: [],
      reasoning: '',
      kind: null,
      streamed: NO_PARTS,
      waiting: { since: Date.now(), retry: null },
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
    void followRun({
      conversationId: conversation,
      runId,
      signal: abort.signal,
      onPart: (part) => {
        if (applyPart(state, part)) schedule();
      },
      onConnection: (connection) => {
        state.connection = connection;
        schedule();
      },
    }).then(async (result) => {
      if (result === 'aborted') return;
      localStorage.removeItem(prefixKey(runId));
      // A reply with files the model made is read back whole (its parts name the stored files), and
      // so is one that used tools (their durations, a denial's reason) or waits for an approval.
      const readBack = state.files.length > 0 || usesTools(state) || state.status === 'waiting';
      if (result === 'done' && state.prefixKnown && !readBack) {
        const content = state.prefix + state.text;
        optionsRef.current.onFinal(messageId, {
          content,
          // The parts as the server stored them: the reasoning, then the text.
          ...(state.reasoning !== ''
            ? {
                parts: [
                  { type: 'reasoning' as const, text: state.reasoning },
                  ...(content === '' ? [] : [{ type: 'text' as const, text: content }]),
                ],
              }
            : {}),
          status: (state.status ?? 'complete') as Message['status'],
          error: state.errorText,
          finishReason: state.finishReason,
          updatedAt: new Date().toISOString(),
        });
      } else {
        await optionsRef.current.onStale().catch(() => {});
      }
      if (runRef.current?.runId === runId) runRef.current = null;
      setLive((current) => (current?.runId === runId ? null : current));
      setAnnounce(announcement(state.status));
    });
  }, []);

  // Leaving the conversation stops following (the run itself goes on on the server).
  useEffect(() => {
    if (!conversationId) return;
    return () => {
      runRef.current?.abort.abort();
      runRef.current = null;
    };
  }, [conversationId]);

  return {
    live,
    announce,
    attach,
    /** The run followed now, if any (read in event handlers, not for rendering). */
    currentRunId: () => runRef.current?.runId ?? null,
  };
}
