import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorSchema } from '../../shared/api-schemas.js';
import { SearchPage, SearchQuery } from '../../shared/search-schemas.js';
import type { SearchService } from '../chat/search-service.js';

export interface SearchRouteDeps {
  search: Pick<SearchService, 'search'>;
}

export function searchRoutes({ search }: SearchRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/search',
      { schema: { querystring: SearchQuery, response: { 200: SearchPage, 400: ErrorSchema } } },
      async (request) =>
        search.search(request.userId, request.query.q, request.query.limit ?? 20, request.query.cursor),
    );
  };
}
