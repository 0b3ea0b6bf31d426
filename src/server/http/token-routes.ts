import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import { ApiToken, CreatedApiToken, CreateTokenBody } from '../../shared/auth-schemas.js';
import type { AccountService } from '../auth/account-service.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };

/** API tokens for scripts and OpenAI-compatible clients (`Authorization: Bearer pk_...`). */
export interface TokenRouteDeps {
  accounts: Pick<AccountService, 'listApiTokens' | 'createApiToken' | 'revokeApiToken'>;
}

export function tokenRoutes({ accounts }: TokenRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/tokens',
      { schema: { response: { 200: Type.Object({ items: Type.Array(ApiToken) }), ...errors } } },
      async (request) => ({
        items: await accounts.listApiTokens(request.userId),
      }),
    );

    app.post(
      '/api/tokens',
      { schema: { body: CreateTokenBody, response: { 201: CreatedApiToken, ...errors } } },
      async (request, reply) =>
        reply.code(201).send(await accounts.createApiToken(request.userId, request.body.name, request.ip)),
    );

    app.delete(
      '/api/tokens/:id',
      { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await accounts.revokeApiToken(request.userId, request.params.id, request.ip);
        return reply.code(204).send(null);
      },
    );
  };
}
