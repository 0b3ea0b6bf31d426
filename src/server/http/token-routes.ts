import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import { ApiToken, CreatedApiToken, CreateTokenBody, TokenPatchBody } from '../../shared/auth-schemas.js';
import type { AccountService, Principal } from '../auth/account-service.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };

/** API tokens for scripts and OpenAI-compatible clients (`Authorization: Bearer pk_...`). */
export interface TokenRouteDeps {
  accounts: Pick<AccountService, 'listApiTokens' | 'createApiToken' | 'revokeApiToken' | 'setApiTokenBudget'>;
}

/** Who asks (these routes are `user` access, so someone always does). */
const principalOf = (request: FastifyRequest): Principal =>
  request.principal ?? { userId: request.userId, role: 'user', via: 'none' };

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
        reply.code(201).send(await accounts.createApiToken(principalOf(request), request.body, request.ip)),
    );

    // Set or clear a token's daily budget: from a signed-in session only (a token cannot raise its own).
    app.patch(
      '/api/tokens/:id',
      {
        config: { access: 'user' },
        schema: { params: IdParams, body: TokenPatchBody, response: { 200: ApiToken, ...errors } },
      },
      async (request) =>
        accounts.setApiTokenBudget(principalOf(request), request.params.id, request.body.dailyTokenBudget),
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
