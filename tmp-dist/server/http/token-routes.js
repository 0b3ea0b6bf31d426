import { Type } from 'typebox';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import { ApiToken, CreatedApiToken, CreateTokenBody } from '../../shared/auth-schemas.js';
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };
export function tokenRoutes({ accounts }) {
    return async (app) => {
        app.get('/api/tokens', { schema: { response: { 200: Type.Object({ items: Type.Array(ApiToken) }), ...errors } } }, async (request) => ({
            items: await accounts.listApiTokens(request.userId),
        }));
        app.post('/api/tokens', { schema: { body: CreateTokenBody, response: { 201: CreatedApiToken, ...errors } } }, async (request, reply) => reply.code(201).send(await accounts.createApiToken(request.userId, request.body.name)));
        app.delete('/api/tokens/:id', { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
            await accounts.revokeApiToken(request.userId, request.params.id);
            return reply.code(204).send(null);
        });
    };
}
