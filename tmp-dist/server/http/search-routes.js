import { ErrorSchema } from '../../shared/api-schemas.js';
import { SearchPage, SearchQuery } from '../../shared/search-schemas.js';
export function searchRoutes({ search }) {
    return async (app) => {
        app.get('/api/search', { schema: { querystring: SearchQuery, response: { 200: SearchPage, 400: ErrorSchema } } }, async (request) => search.search(request.userId, request.query.q, request.query.limit ?? 20, request.query.cursor));
    };
}
