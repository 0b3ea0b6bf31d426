/**
 * The state machine of a reply (its assistant message) and of its run, and the only code that
 * writes either status (test/architecture.test.ts keeps it so). Every write is a transition
 * claimed atomically in SQL: `... where status in (the states this one may come from)`, so a
 * parallel writer (another instance's reaper, a second `continue`, a late checkpoint) that lost
 * the race changes nothing and learns it from the result.
 */
export const RUN_TRANSITIONS = {
    running: ['complete', 'stopped', 'error', 'interrupted'],
    // Presumed dead when its lease lapsed (a long pause, a database outage) but alive after all:
    // its own final write still lands, so the run and its reply agree.
    interrupted: ['complete', 'stopped', 'error'],
    complete: [],
    stopped: [],
    error: [],
};
export const REPLY_TRANSITIONS = {
    streaming: ['complete', 'stopped', 'error', 'interrupted'],
    // `continue` claims an ended reply (→ streaming); a run presumed dead may still finish late.
    interrupted: ['streaming', 'complete', 'stopped', 'error'],
    stopped: ['streaming'],
    error: ['streaming'],
    // Only when cut off at the length limit (the claim checks finish_reason too).
    complete: ['streaming'],
};
/** The states a transition to `to` may start from, read off a table. */
export function statesLeadingTo(table, to) {
    return Object.keys(table).filter((from) => table[from].includes(to));
}
/** A new run starts `running` (its reply was written `streaming` or claimed in the same transaction). */
export async function openRun(tx, row) {
    await tx.runs.insertRun({ ...row, status: 'running' });
}
/**
 * Claim an ended reply for `continue` (→ streaming). Undefined when it was not continuable, or a
 * parallel request claimed it first.
 */
export function claimReplyForContinue(tx, userId, messageId, at) {
    // claimForContinue keeps its user_id filter as a second wall behind the policy (chat/access.ts).
    return tx.messages.claimForContinue(userId, messageId, statesLeadingTo(REPLY_TRANSITIONS, 'streaming'), at);
}
/** The text streamed so far; written only while the reply is still streaming (never after its end). */
export async function checkpointReply(tx, messageId, text, at) {
    await tx.messages.checkpointReplyText(messageId, text, at);
}
/**
 * A run's end, written by the run itself: the reply (while this run still owns it) and the run,
 * each only along a transition of its table. Returns whether the reply was written.
 */
export async function finishRunAndReply(tx, ending) {
    const { runId, messageId, status, lastSeq, reply, at } = ending;
    const saved = await tx.messages.saveRunResult(messageId, runId, statesLeadingTo(REPLY_TRANSITIONS, status), { ...reply, status });
    await tx.runs.finishRun(runId, statesLeadingTo(RUN_TRANSITIONS, status), status, lastSeq, at);
    return saved;
}
/** The reaper's claim of a run whose instance died: false when someone else got there first. */
export function interruptLostRun(repos, run, at) {
    return repos.leases.interruptRun(run, {
        run: statesLeadingTo(RUN_TRANSITIONS, 'interrupted'),
        reply: statesLeadingTo(REPLY_TRANSITIONS, 'interrupted'),
    }, at);
}
/**
 * Start-up recovery of a single instance (no Redis): whatever was streaming when the process died
 * is interrupted. Returns how many replies were.
 */
export async function interruptAfterCrash(repos, at) {
    const replies = await repos.messages.interruptStreamingMessages(statesLeadingTo(REPLY_TRANSITIONS, 'interrupted'), at);
    await repos.runs.interruptRunningRuns(statesLeadingTo(RUN_TRANSITIONS, 'interrupted'), at);
    return replies;
}
