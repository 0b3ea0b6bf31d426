import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Conversation, ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import { TitleModelError, type TitleWriter } from '../chat/title-writer.js';

const errors = {
  400: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  429: ErrorSchema,
  502: ErrorSchema,
  503: ErrorSchema,
};

export interface TitleRouteDeps {
  titles: Pick<TitleWriter, 'regenerate'>;
}

/** `POST /api/conversations/:id/title`: the title model writes the conversation's title again, now. */
export function titleRoutes({ titles }: TitleRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/conversations/:id/title',
      { schema: { params: IdParams, response: { 200: Conversation, ...errors } } },
      async (request, reply) => {
        try {
          return await titles.regenerate(request.userId, request.params.id, {
            apiTokenId: request.principal?.tokenId,
          });
        } catch (error) {
          // The model's failure is said as it is (it names the model and the reason, no secret):
          // the generic 5xx sentence would not tell the user whether to retry or pick another model.
          if (!(error instanceof TitleModelError)) throw error;
          request.log.warn({ conversationId: request.params.id, code: error.code }, error.message);
          if (error.retryAfterSeconds !== undefined) {
            reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
          }
          return reply.code(error.status as 502 | 503).send({ error: error.message, code: error.code });
        }
      },
    );
  };
}
