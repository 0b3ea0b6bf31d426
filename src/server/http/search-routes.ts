import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorSchema } from '../../shared/api-schemas.js';
import { SearchPage, SearchQuery } from '../../shared/search-schemas.js';
import { searchConversations } from '../chat/search.js';
import type { AppContext } from './context.js';

export function searchRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/search',
      { schema: { querystring: SearchQuery, response: { 200: SearchPage, 400: ErrorSchema } } },
      async (request) =>
        searchConversations(
          ctx.store,
          request.userId,
          request.query.q,
          request.query.limit ?? 20,
          request.query.cursor,
        ),
    );
  };
}
