import type { FinishReason, UIMessageChunk } from 'ai';

/**
 * The run stream's parts: what `POST /api/conversations/:id/messages` (with Accept:
 * text/event-stream) and `GET /api/conversations/:id/stream` send as `data:` lines. They are the
 * AI SDK's UI message stream chunks (so `useChat` reads them; `uiMessageChunkSchema` accepts
 * every one) with Parley's message metadata and `data-*` parts filled in. The server writes them,
 * the web app reads them: both use these types, and the ending of a run is built in one place.
 *
 * Type-only imports from `ai`: the web bundle must not pull in the SDK.
 */

/**
 * How a run ended (the store's run status without `running`). `waiting`: it paused on tool calls
 * that need a person's approval; the answer resumes the reply in a new run.
 */
export type RunEndStatus = 'complete' | 'stopped' | 'interrupted' | 'error' | 'waiting';

/** `resume`: the reply carries on after its tool approvals were answered (same assistant message). */
export type RunKind = 'reply' | 'regenerate' | 'continue' | 'resume';

/** Tokens of the reply; null when the provider did not say (or the run was lost). */
export interface RunUsage {
  inputTokens: number | null;
  outputTokens: number | null;
}

/** The `messageMetadata` of the `finish` part. */
export interface RunMetadata {
  status: RunEndStatus;
  usage?: RunUsage;
}

/** `data-run` (sent `transient`), right after `start`: the ids a client needs to follow and place the reply. */
export interface RunInfo {
  runId: string;
  conversationId: string;
  /** The user message this run answers (a regenerated, continued or resumed reply's too). */
  userMessageId: string | null;
  assistantMessageId: string;
  kind: RunKind;
  model: string;
}

/**
 * Parley's `data-*` parts, by name (`data-<name>`). A type alias, not an interface: the SDK wants
 * a `Record<string, unknown>`, which only aliases satisfy implicitly.
 */
export type RunDataParts = { run: RunInfo; status: RunRetryStatus };

/**
 * `data-status` (sent `transient`: never part of the stored message): a model call failed before
 * its first token and is about to be retried. `attempt` is the call about to be made, of `of` at most.
 */
export interface RunRetryStatus {
  attempt: number;
  of: number;
  /** Why the last call failed, in a few words ("no answer within 60s", "server error (HTTP 503)"). */
  reason: string;
  retryInMs: number;
}

/** One `data:` line of a run stream other than the closing `[DONE]`. */
export type RunStreamPart = UIMessageChunk<RunMetadata, RunDataParts>;

/** The last `data:` line of a run that ended. */
export const DONE = '[DONE]';
export type RunDone = typeof DONE;

/** One event of a run's log, as the run numbers and stores it. */
export type RunStreamEvent = RunStreamPart | RunDone;

/** Why an ended run was cut short, as the `abort` part says it (read by users' scripts). */
export type AbortReason = 'stopped' | 'server shutdown' | 'server lost';

/** The `data:` payload of an event on the wire. */
export function encodeRunEvent(event: RunStreamEvent): string {
  return event === DONE ? DONE : JSON.stringify(event);
}

/**
 * Read one `data:` payload back. `undefined` for anything that is not a part (not JSON, no
 * `type`): a client skips it rather than fail the whole stream. The server is the only writer,
 * so the shape is trusted past that.
 */
export function decodeRunEvent(data: string): RunStreamEvent | undefined {
  if (data === DONE) return DONE;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (typeof (value as { type?: unknown }).type !== 'string') return undefined;
  return value as RunStreamPart;
}

/**
 * The first parts of every run: `start` with the reply's message id, then `data-run`. `data-run`
 * is `transient`: it says where the reply goes, it is not part of it, so `useChat` hands it to
 * `onData` and keeps it out of `message.parts`.
 */
export function runStart(info: RunInfo): RunStreamPart[] {
  return [
    { type: 'start', messageId: info.assistantMessageId },
    { type: 'data-run', data: info, transient: true },
  ];
}

export interface RunEndDetail {
  /** The error the user sees (status `error`). */
  error?: string | null;
  /** The model's finish reason (status `complete` only). */
  finishReason?: FinishReason | null;
  /** Status `interrupted`: the server shut down (its own drain) or was lost (another instance's reaper). */
  interruptedBy?: 'shutdown' | 'lost';
}

/**
 * The end of every run's stream, whoever writes it (the run itself, or the reaper for a run whose
 * instance died): `error` or `abort` when it did not complete, `finish` with the status and usage
 * as message metadata, then `[DONE]`.
 */
export function runEnd(status: RunEndStatus, usage: RunUsage, detail: RunEndDetail = {}): RunStreamEvent[] {
  const events: RunStreamEvent[] = [];
  if (status === 'error') {
    events.push({ type: 'error', errorText: detail.error ?? 'The model failed to answer.' });
  } else if (status === 'stopped') {
    events.push({ type: 'abort', reason: 'stopped' satisfies AbortReason });
  } else if (status === 'interrupted') {
    const reason: AbortReason = detail.interruptedBy === 'lost' ? 'server lost' : 'server shutdown';
    events.push({ type: 'abort', reason });
  }
  events.push({
    type: 'finish',
    ...(status === 'complete' && detail.finishReason ? { finishReason: detail.finishReason } : {}),
    messageMetadata: { status, usage },
  });
  events.push(DONE);
  return events;
}
