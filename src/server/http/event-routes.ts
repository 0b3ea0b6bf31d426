import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppContext } from './context.js';
import { openEventStream } from './sse.js';

/** `GET /api/events`: the user's own live events, so other tabs and devices stay in sync. */
export function eventRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/events', async (request, reply) => {
      const stream = openEventStream(request, reply, ctx.sse, ctx.heartbeatMs, 'events');
      let id = 0;
      const send = (payload: object) => {
        id += 1;
        void stream.write(`id: ${id}\ndata: ${JSON.stringify(payload)}\n\n`);
      };
      const unsubscribe = ctx.bus.subscribe(request.userId, send);
      // Tells the client its subscription is live: events published from now on will arrive.
      send({ type: 'ready' });
      await new Promise<void>((resolve) => {
        if (stream.signal.aborted) resolve();
        else stream.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      unsubscribe();
      stream.end();
      return reply;
    });
  };
}
