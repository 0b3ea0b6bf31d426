import { StringDecoder } from 'node:string_decoder';
import { errorCodes } from 'fastify';
/**
 * A request body as UTF-8 text, decoded chunk by chunk as it arrives. Fastify's `parseAs:
 * 'string'` keeps the chunks, joins them into one Buffer and decodes that when the body ends:
 * for a 20 MiB import two passes over it (~40 ms) in one go, just before the parse starts. Here
 * each chunk is decoded on arrival and the end costs one join. The limits and errors are
 * Fastify's own (rawBody in fastify/lib/content-type-parser.js): the route's bodyLimit, a
 * Content-Length that must match, a stream error as a 400.
 */
export function readBodyText(request, payload) {
    const limit = request.routeOptions.bodyLimit;
    const contentLength = Number(request.headers['content-length']);
    if (contentLength > limit)
        return Promise.reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    return new Promise((resolve, reject) => {
        const decoder = new StringDecoder('utf8');
        const pieces = [];
        let received = 0;
        const stop = () => {
            payload.removeListener('data', onData);
            payload.removeListener('end', onEnd);
            payload.removeListener('error', onError);
        };
        const encodedLength = () => payload.receivedEncodedLength;
        function onData(chunk) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            received += bytes.length;
            if (received > limit || (encodedLength() ?? 0) > limit) {
                stop();
                reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
                return;
            }
            pieces.push(decoder.write(bytes));
        }
        function onEnd() {
            stop();
            if (!Number.isNaN(contentLength) && (encodedLength() || received) !== contentLength) {
                reject(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
                return;
            }
            pieces.push(decoder.end());
            resolve(pieces.join(''));
        }
        function onError(error) {
            stop();
            if (!(typeof error.statusCode === 'number' && error.statusCode >= 400))
                error.statusCode = 400;
            reject(error);
        }
        payload.on('data', onData);
        payload.on('end', onEnd);
        payload.on('error', onError);
        payload.resume();
    });
}
