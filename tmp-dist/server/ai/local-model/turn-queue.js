/** An abort's reason, or the standard AbortError when the signal has none. */
export function abortReason(signal) {
    return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
/** Takes turns on the single context sequence; a request aborted while waiting leaves the line at once. */
export class TurnQueue {
    tail = Promise.resolve();
    acquire(signal) {
        let release = () => { };
        const mine = new Promise((resolve) => {
            release = resolve;
        });
        const previous = this.tail;
        this.tail = previous.then(() => mine);
        return new Promise((resolve, reject) => {
            const onAbort = () => {
                reject(abortReason(signal));
                void previous.then(release);
            };
            if (signal.aborted)
                return onAbort();
            signal.addEventListener('abort', onAbort, { once: true });
            void previous.then(() => {
                if (signal.aborted)
                    return;
                signal.removeEventListener('abort', onAbort);
                resolve(release);
            });
        });
    }
}
