import type { FilePartDto, MessagePartDto, ToolPartDto } from '../shared/message-parts.js';
import type { RunKind, RunRetryStatus } from '../shared/run-events.js';
import type { StreamPart } from './sse.js';

/**
 * A reply's parts as its run streams them, in order: steps, reasoning, text, files and tool calls
 * (the AI SDK's UI message parts). `foldChunk` applies one stream chunk; `mergeParts` puts a run's
 * parts onto the message's stored ones (a resumed reply carries on after the calls it waited on).
 * Pure functions: a chunk never changes the state it is given.
 */

/** A tool call whose arguments are still streaming in: their text so far, not yet parsed. */
export interface LiveToolPart extends ToolPartDto {
  inputText?: string;
}

/** What a chunk changes in a tool call (everything but its identity). */
export type ToolPatch = Partial<Omit<ToolPartDto, 'type' | 'toolCallId'>>;

export interface StreamedParts {
  /** This run's parts, in order. */
  parts: MessagePartDto[];
  /**
   * Tool calls of the message's earlier runs that this run settled (a resume starts with the
   * outputs of the calls that were approved or denied), by toolCallId, in the order they came.
   */
  settled: Record<string, ToolPatch>;
}

export const NO_PARTS: StreamedParts = { parts: [], settled: {} };

export const isToolPart = (part: MessagePartDto): part is LiveToolPart => part.type === 'dynamic-tool';

/** The model's output as text (Parley sends text; anything else is shown as JSON). */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  try {
    return JSON.stringify(output, null, 2) ?? String(output);
  } catch {
    return String(output);
  }
}

/** A file part from the stream (url and type only), as the thread draws files. */
export function generatedFile(url: string, mediaType: string): FilePartDto {
  const fileId = url.split('/').pop() ?? url;
  return {
    type: 'file',
    fileId,
    url,
    mediaType,
    filename: `generated.${mediaType.split('/')[1] ?? 'bin'}`,
    size: 0,
  };
}

/** Appends `delta` to the last part when it is of this kind, else starts a new part. */
function appendText(parts: MessagePartDto[], type: 'text' | 'reasoning', delta: string): MessagePartDto[] {
  if (delta === '') return parts;
  const last = parts[parts.length - 1];
  if (last?.type === type) return [...parts.slice(0, -1), { type, text: last.text + delta }];
  return [...parts, { type, text: delta }];
}

/** Applies `patch` to the call `toolCallId`: in this run's parts, else as a settled earlier call. */
function patchTool(
  state: StreamedParts,
  toolCallId: string,
  patch: (part: ToolPatch) => ToolPatch,
): StreamedParts {
  const index = state.parts.findIndex((part) => isToolPart(part) && part.toolCallId === toolCallId);
  if (index >= 0) {
    const part = state.parts[index] as LiveToolPart;
    const next: LiveToolPart = { ...part, ...patch(part) };
    if (next.state !== 'input-available' || next.input !== undefined) delete next.inputText;
    const parts = [...state.parts];
    parts[index] = next;
    return { ...state, parts };
  }
  const known = state.settled[toolCallId] ?? {};
  return { ...state, settled: { ...state.settled, [toolCallId]: { ...known, ...patch(known) } } };
}

/** Applies one run stream chunk; returns `state` itself when the chunk changes no part. */
export function foldChunk(state: StreamedParts, chunk: StreamPart): StreamedParts {
  switch (chunk.type) {
    case 'start-step':
      return { ...state, parts: [...state.parts, { type: 'step-start' }] };
    case 'text-delta':
      return chunk.delta ? { ...state, parts: appendText(state.parts, 'text', chunk.delta) } : state;
    case 'reasoning-delta':
      return chunk.delta ? { ...state, parts: appendText(state.parts, 'reasoning', chunk.delta) } : state;
    case 'file':
      return { ...state, parts: [...state.parts, generatedFile(chunk.url, chunk.mediaType)] };
    case 'tool-input-start': {
      if (state.parts.some((part) => isToolPart(part) && part.toolCallId === chunk.toolCallId)) return state;
      const part: LiveToolPart = {
        type: 'dynamic-tool',
        toolCallId: chunk.toolCallId,
        toolName: chunk.toolName,
        state: 'input-available',
        input: undefined,
        inputText: '',
      };
      return { ...state, parts: [...state.parts, part] };
    }
    case 'tool-input-delta': {
      const index = state.parts.findIndex((part) => isToolPart(part) && part.toolCallId === chunk.toolCallId);
      const part = state.parts[index] as LiveToolPart | undefined;
      if (!part || part.inputText === undefined) return state;
      const parts = [...state.parts];
      const next: LiveToolPart = { ...part, inputText: part.inputText + chunk.inputTextDelta };
      parts[index] = next;
      return { ...state, parts };
    }
    case 'tool-input-available':
    case 'tool-input-error': {
      const known = state.parts.some((part) => isToolPart(part) && part.toolCallId === chunk.toolCallId);
      const base: StreamedParts = known
        ? state
        : {
            ...state,
            parts: [
              ...state.parts,
              {
                type: 'dynamic-tool',
                toolCallId: chunk.toolCallId,
                toolName: chunk.toolName,
                state: 'input-available',
                input: chunk.input,
              },
            ],
          };
      return patchTool(base, chunk.toolCallId, () =>
        chunk.type === 'tool-input-error'
          ? {
              toolName: chunk.toolName,
              input: chunk.input,
              state: 'output-error',
              errorText: chunk.errorText,
            }
          : { toolName: chunk.toolName, input: chunk.input, state: 'input-available' },
      );
    }
    case 'tool-approval-request':
      return patchTool(state, chunk.toolCallId, () => ({
        state: 'approval-requested',
        approval: { id: chunk.approvalId },
      }));
    case 'tool-output-available':
      // A preliminary output is a progress report; the last one is the result.
      return patchTool(state, chunk.toolCallId, () => ({
        state: 'output-available',
        output: outputText(chunk.output),
      }));
    case 'tool-output-error':
      return patchTool(state, chunk.toolCallId, () => ({
        state: 'output-error',
        errorText: chunk.errorText,
      }));
    case 'tool-output-denied':
      return patchTool(state, chunk.toolCallId, (part) => ({
        state: 'output-denied',
        approval: { ...part.approval, id: part.approval?.id ?? chunk.toolCallId, approved: false },
      }));
    default:
      return state;
  }
}

/** Folds a whole list of chunks (tests, and a replayed log). */
export function foldChunks(chunks: readonly StreamPart[], state: StreamedParts = NO_PARTS): StreamedParts {
  return chunks.reduce(foldChunk, state);
}

/** True when these parts hold a tool call: the reply is drawn part by part, in order. */
export const hasToolParts = (parts: readonly MessagePartDto[]): boolean => parts.some(isToolPart);

/** A message's plain text: its text parts, a blank line between the steps' texts. */
export function textOf(parts: readonly MessagePartDto[]): string {
  return parts
    .filter((part): part is Extract<MessagePartDto, { type: 'text' }> => part.type === 'text')
    .map((part) => part.text)
    .filter((text) => text !== '')
    .join('\n\n');
}

/**
 * The message's parts while `streamed` (a run's parts so far) streams into it. A reply or a
 * regeneration is the run's parts alone; a continuation carries on after the stored parts; a
 * resume carries on after the tool calls it settles (what the store may hold past them is this
 * run's own checkpoint, which the stream replays), with their new state applied.
 */
export function mergeParts(
  stored: readonly MessagePartDto[],
  streamed: StreamedParts,
  kind: RunKind | null,
): MessagePartDto[] {
  if (kind !== 'resume' && kind !== 'continue') return streamed.parts;
  let base = [...stored];
  if (kind === 'resume') {
    let cut = -1;
    base.forEach((part, index) => {
      if (!isToolPart(part)) return;
      if (
        part.toolCallId in streamed.settled ||
        part.state === 'approval-requested' ||
        part.state === 'approval-responded'
      )
        cut = index;
    });
    if (cut >= 0) base = base.slice(0, cut + 1);
    base = base.map((part) => {
      if (!isToolPart(part)) return part;
      const patch = streamed.settled[part.toolCallId];
      return patch ? { ...part, ...patch } : part;
    });
  }
  // A continuation's first words join the stored text they continue.
  const last = base[base.length - 1];
  const first = streamed.parts[0];
  if (kind === 'continue' && last?.type === 'text' && first?.type === 'text') {
    return [...base.slice(0, -1), { type: 'text', text: last.text + first.text }, ...streamed.parts.slice(1)];
  }
  return [...base, ...streamed.parts];
}

/** The tool call a person answered, as shown until the resumed run reports on it. */
export function answerTool(
  parts: readonly MessagePartDto[],
  toolCallId: string,
  approved: boolean,
  reason?: string,
): MessagePartDto[] {
  return parts.map((part) =>
    isToolPart(part) && part.toolCallId === toolCallId
      ? {
          ...part,
          state: 'approval-responded' as const,
          approval: { id: part.approval?.id ?? toolCallId, approved, ...(reason ? { reason } : {}) },
        }
      : part,
  );
}

/** The calls of these parts that wait for a person's answer. */
export const waitingCalls = (parts: readonly MessagePartDto[]): LiveToolPart[] =>
  parts.filter(isToolPart).filter((part) => part.state === 'approval-requested');

/**
 * A reply waiting for its model: since when (the run was followed, or its last tool step ended),
 * and the retry under way, if any (from the run's transient `data-status` parts).
 */
export interface Waiting {
  since: number;
  retry: RunRetryStatus | null;
}

/** Applies one chunk to the wait; returns `waiting` itself when the chunk changes nothing. */
export function foldWaiting(waiting: Waiting, chunk: StreamPart, now: number): Waiting {
  switch (chunk.type) {
    case 'data-status':
      return { ...waiting, retry: chunk.data };
    // A step starts once the model's first token is in hand: no more retries for it.
    case 'start-step':
      return waiting.retry ? { ...waiting, retry: null } : waiting;
    // The next step (after tool results) is a new wait for the model.
    case 'finish-step':
      return { since: now, retry: null };
    default:
      return waiting;
  }
}

/** "Waiting for GPT-4o…" or "Retrying (2 of 3) after server error (HTTP 503)…". */
export function waitingLabel(modelName: string, retry: RunRetryStatus | null): string {
  return retry
    ? `Retrying (${retry.attempt} of ${retry.of}) after ${retry.reason}…`
    : `Waiting for ${modelName}…`;
}
