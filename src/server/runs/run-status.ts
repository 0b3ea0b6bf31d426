import type { Repositories } from '../store/repositories.js';
import type { MessageRow, MessageStatus, MessageUpdate, NewRun, RunRow, RunStatus } from '../store/schema.js';

/**
 * The state machine of a reply (its assistant message) and of its run, and the only code that
 * writes either status (test/architecture.test.ts keeps it so). Every write is a transition
 * claimed atomically in SQL: `... where status in (the states this one may come from)`, so a
 * parallel writer (another instance's reaper, a second `continue`, a late checkpoint) that lost
 * the race changes nothing and learns it from the result.
 */

export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  running: ['complete', 'stopped', 'error', 'interrupted', 'waiting'],
  // Presumed dead when its lease lapsed (a long pause, a database outage) but alive after all:
  // its own final write still lands, so the run and its reply agree.
  interrupted: ['complete', 'stopped', 'error', 'waiting'],
  complete: [],
  stopped: [],
  error: [],
  // Ended paused on approvals: the answer starts a new run (kind `resume`) on the same reply.
  waiting: [],
};

export const REPLY_TRANSITIONS: Readonly<Record<MessageStatus, readonly MessageStatus[]>> = {
  streaming: ['complete', 'stopped', 'error', 'interrupted', 'waiting'],
  // `continue` claims an ended reply (→ streaming); a run presumed dead may still finish late.
  interrupted: ['streaming', 'complete', 'stopped', 'error', 'waiting'],
  stopped: ['streaming'],
  error: ['streaming'],
  // Only when cut off at the length limit (the claim checks finish_reason too).
  complete: ['streaming'],
  // Paused on tool approvals: the last answer claims it for the `resume` run (claimReplyForResume);
  // expiry or a stop ends it without a run (stopWaitingReply).
  waiting: ['streaming', 'stopped'],
};

/** The states a transition to `to` may start from, read off a table. */
export function statesLeadingTo<S extends string>(table: Readonly<Record<S, readonly S[]>>, to: S): S[] {
  return (Object.keys(table) as S[]).filter((from) => table[from].includes(to));
}

/** A new run starts `running` (its reply was written `streaming` or claimed in the same transaction). */
export async function openRun(tx: Repositories, row: Omit<NewRun, 'status'>): Promise<void> {
  await tx.runs.insertRun({ ...row, status: 'running' });
}

/**
 * Claim an ended reply for `continue` (→ streaming). Undefined when it was not continuable, or a
 * parallel request claimed it first.
 */
export function claimReplyForContinue(
  tx: Repositories,
  userId: string,
  messageId: string,
  at: string,
): Promise<MessageRow | undefined> {
  // claimForContinue keeps its user_id filter as a second wall behind the policy (chat/access.ts).
  // A waiting reply is not continued: its open approvals are answered (claimReplyForResume).
  const from = statesLeadingTo(REPLY_TRANSITIONS, 'streaming').filter((status) => status !== 'waiting');
  return tx.messages.claimForContinue(userId, messageId, from, at);
}

/**
 * Claim a reply paused on approvals (waiting → streaming) with the parts that answer them, if its
 * parts are still `expectedParts` (compare-and-set: of parallel answers, one claims; the others
 * re-read). Undefined when the reply changed or is no longer waiting.
 */
export function claimReplyForResume(
  tx: Repositories,
  messageId: string,
  expectedParts: string,
  parts: string,
  at: string,
): Promise<MessageRow | undefined> {
  return tx.messages.answerApprovals(messageId, expectedParts, parts, 'streaming', at);
}

/** End a waiting reply `stopped` with its open calls denied; compare-and-set like the claim. */
export async function stopWaitingReply(
  tx: Repositories,
  messageId: string,
  expectedParts: string,
  parts: string,
  at: string,
): Promise<boolean> {
  return (await tx.messages.answerApprovals(messageId, expectedParts, parts, 'stopped', at)) !== undefined;
}

/** Record answers to some of a waiting reply's approvals (it stays waiting); compare-and-set like the claim. */
export async function recordApprovals(
  tx: Repositories,
  messageId: string,
  expectedParts: string,
  parts: string,
  at: string,
): Promise<boolean> {
  return (await tx.messages.answerApprovals(messageId, expectedParts, parts, 'waiting', at)) !== undefined;
}

/** The text and parts streamed so far; written only while the reply is still streaming (never after its end). */
export async function checkpointReply(
  tx: Repositories,
  messageId: string,
  reply: { text: string; parts: string | null },
  at: string,
) {
  await tx.messages.checkpointReplyText(messageId, reply.text, reply.parts, at);
}

export interface RunEnding {
  runId: string;
  messageId: string;
  status: Exclude<RunStatus, 'running'>;
  lastSeq: number;
  reply: Omit<MessageUpdate, 'status'>;
  at: string;
}

/**
 * A run's end, written by the run itself: the reply (while this run still owns it) and the run,
 * each only along a transition of its table. Returns whether the reply was written.
 */
export async function finishRunAndReply(tx: Repositories, ending: RunEnding): Promise<boolean> {
  const { runId, messageId, status, lastSeq, reply, at } = ending;
  // Lock order: the run row, then its message, like the checkpoint (leases, then texts) and the
  // reaper. The opposite order deadlocked on PostgreSQL against a checkpoint now and then, and a
  // final write chosen as the victim left a finished reply to be reaped as interrupted.
  await tx.runs.finishRun(runId, statesLeadingTo(RUN_TRANSITIONS, status), status, lastSeq, at);
  return tx.messages.saveRunResult(messageId, runId, statesLeadingTo(REPLY_TRANSITIONS, status), {
    ...reply,
    status,
  });
}

/** The reaper's claim of a run whose instance died: false when someone else got there first. */
export function interruptLostRun(repos: Repositories, run: RunRow, at: string): Promise<boolean> {
  return repos.leases.interruptRun(
    run,
    {
      run: statesLeadingTo(RUN_TRANSITIONS, 'interrupted'),
      reply: statesLeadingTo(REPLY_TRANSITIONS, 'interrupted'),
    },
    at,
  );
}

/**
 * Start-up recovery of a single instance (no Redis): whatever was streaming when the process died
 * is interrupted. Returns how many replies were.
 */
export async function interruptAfterCrash(repos: Repositories, at: string): Promise<number> {
  const replies = await repos.messages.interruptStreamingMessages(
    statesLeadingTo(REPLY_TRANSITIONS, 'interrupted'),
    at,
  );
  await repos.runs.interruptRunningRuns(statesLeadingTo(RUN_TRANSITIONS, 'interrupted'), at);
  return replies;
}
