import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorSchema, ModelList } from '../../shared/api-schemas.js';
import type { AppContext } from './context.js';

export function opsRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/healthz',
      {
        config: { access: 'public', rateLimit: false },
        schema: { response: { 200: Type.Object({ status: Type.String() }) } },
      },
      async () => ({
        status: 'ok',
      }),
    );

    app.get(
      '/readyz',
      {
        config: { access: 'public', rateLimit: false },
        schema: { response: { 200: Type.Object({ status: Type.String() }), 503: ErrorSchema } },
      },
      async (request, reply) => {
        if (ctx.state.shuttingDown) {
          return reply.code(503).send({ error: 'Parley is shutting down.', code: 'unavailable' });
        }
        try {
          await ctx.store.ping();
        } catch (err) {
          request.log.error({ err }, 'readiness check: database unreachable');
          return reply.code(503).send({ error: 'The database is unreachable.', code: 'unavailable' });
        }
        if (!ctx.realtime.healthy()) {
          return reply.code(503).send({ error: 'Redis is unreachable.', code: 'unavailable' });
        }
        return { status: 'ready' };
      },
    );

    app.get('/api/models', { schema: { response: { 200: ModelList } } }, async () => ({
      defaultModel: ctx.models.defaultModel,
      models: ctx.models.list(),
    }));
  };
}
