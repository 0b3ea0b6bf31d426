import { newId } from '../ids.js';
/** What a caller (or a proxy in front) may choose as its request id: short, plain characters. */
const PLAIN_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/**
 * The request's id: the caller's `x-request-id` when it is short and plain, so a proxy's id ties
 * its logs to ours; anything else (long, control characters, markup, several values) is replaced
 * by a new id, because the id is echoed in a header and written to every log line of the request.
 */
export function requestId(request) {
    const given = request.headers['x-request-id'];
    return typeof given === 'string' && PLAIN_REQUEST_ID.test(given) ? given : newId();
}
