import { openEventStream } from './sse.js';
/**
 * An event's `data:` line, encoded once however many of the user's streams it goes to (the
 * in-memory bus hands every subscriber the same object).
 */
const encoded = new WeakMap();
function dataLine(payload) {
    let line = encoded.get(payload);
    if (!line) {
        line = Buffer.from(`data: ${JSON.stringify(payload)}\n\n`);
        encoded.set(payload, line);
    }
    return line;
}
/** `GET /api/events`: the user's own live events, so other tabs and devices stay in sync. */
export function eventRoutes({ bus, sse, heartbeatMs }) {
    return async (app) => {
        app.get('/api/events', async (request, reply) => {
            // Claimed before the response starts, so a user at the cap gets a plain 429.
            const slot = sse.claim(request, 'events');
            const stream = openEventStream(request, reply, sse, heartbeatMs, 'events', {}, slot);
            let id = 0;
            // Events are pushed, nobody waits for the socket: a client that stops reading has its
            // stream closed once the unsent buffer passes its bound (it reconnects and refetches).
            const send = (payload) => {
                id += 1;
                stream.send(`id: ${id}\n`, dataLine(payload));
            };
            const unsubscribe = bus.subscribe(request.userId, send);
            // Tells the client its subscription is live: events published from now on will arrive.
            send({ type: 'ready' });
            await new Promise((resolve) => {
                if (stream.signal.aborted)
                    resolve();
                else
                    stream.signal.addEventListener('abort', () => resolve(), { once: true });
            });
            unsubscribe();
            stream.end();
            return reply;
        });
    };
}
