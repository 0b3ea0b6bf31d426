import { abortReason } from './turn-queue.js';
const TEXT_ID = 'txt-0';
const REASONING_ID = 'reasoning-0';
/**
 * One generation as an AI SDK part stream: `head`, then text and reasoning blocks opened and closed
 * around their deltas, then `finish`; an abort or a failure errors the stream instead. Cancelling the
 * stream (the reader went away) stops generation just like the caller's signal.
 */
export function partStream(head, callerSignal, run) {
    const cancel = new AbortController();
    const signal = callerSignal ? AbortSignal.any([callerSignal, cancel.signal]) : cancel.signal;
    let closed = false;
    let textOpen = false;
    let reasoningOpen = false;
    return new ReadableStream({
        start(controller) {
            const send = (part) => {
                if (!closed)
                    controller.enqueue(part);
            };
            const closeReasoning = () => {
                if (reasoningOpen)
                    send({ type: 'reasoning-end', id: REASONING_ID });
                reasoningOpen = false;
            };
            for (const part of head)
                send(part);
            run(signal, {
                text(delta) {
                    closeReasoning();
                    if (!textOpen)
                        send({ type: 'text-start', id: TEXT_ID });
                    textOpen = true;
                    send({ type: 'text-delta', id: TEXT_ID, delta });
                },
                reasoning(delta, ended) {
                    if (!reasoningOpen && delta !== '')
                        send({ type: 'reasoning-start', id: REASONING_ID });
                    reasoningOpen ||= delta !== '';
                    if (delta !== '')
                        send({ type: 'reasoning-delta', id: REASONING_ID, delta });
                    if (ended)
                        closeReasoning();
                },
            })
                .then((result) => {
                if (signal.aborted)
                    throw abortReason(signal);
                closeReasoning();
                if (textOpen)
                    send({ type: 'text-end', id: TEXT_ID });
                send({ type: 'finish', ...result });
                if (!closed)
                    controller.close();
                closed = true;
            })
                .catch((error) => {
                if (!closed)
                    controller.error(signal.aborted ? abortReason(signal) : error);
                closed = true;
            });
        },
        cancel() {
            closed = true;
            cancel.abort();
        },
    });
}
