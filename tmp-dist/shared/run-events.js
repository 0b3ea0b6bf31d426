/** The last `data:` line of a run that ended. */
export const DONE = '[DONE]';
/** The `data:` payload of an event on the wire. */
export function encodeRunEvent(event) {
    return event === DONE ? DONE : JSON.stringify(event);
}
/**
 * Read one `data:` payload back. `undefined` for anything that is not a part (not JSON, no
 * `type`): a client skips it rather than fail the whole stream. The server is the only writer,
 * so the shape is trusted past that.
 */
export function decodeRunEvent(data) {
    if (data === DONE)
        return DONE;
    let value;
    try {
        value = JSON.parse(data);
    }
    catch {
        return undefined;
    }
    if (typeof value !== 'object' || value === null)
        return undefined;
    if (typeof value.type !== 'string')
        return undefined;
    return value;
}
/** The first parts of every run: `start` with the reply's message id, then `data-run`. */
export function runStart(info) {
    return [
        { type: 'start', messageId: info.assistantMessageId },
        { type: 'data-run', data: info },
    ];
}
/**
 * The end of every run's stream, whoever writes it (the run itself, or the reaper for a run whose
 * instance died): `error` or `abort` when it did not complete, `finish` with the status and usage
 * as message metadata, then `[DONE]`.
 */
export function runEnd(status, usage, detail = {}) {
    const events = [];
    if (status === 'error') {
        events.push({ type: 'error', errorText: detail.error ?? 'The model failed to answer.' });
    }
    else if (status === 'stopped') {
        events.push({ type: 'abort', reason: 'stopped' });
    }
    else if (status === 'interrupted') {
        const reason = detail.interruptedBy === 'lost' ? 'server lost' : 'server shutdown';
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
