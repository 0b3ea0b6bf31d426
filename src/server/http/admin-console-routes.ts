import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AdminSessionList, ModelHistory, ModelHistoryQuery } from '../../shared/admin-console-schemas.js';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import type { AccountService } from '../auth/account-service.js';
import type { ModelHistoryService } from '../usage/model-history.js';
import { contentDisposition } from './content-disposition.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };

export interface AdminConsoleRouteDeps {
  accounts: Pick<AccountService, 'listUserSessions' | 'signOutUser'>;
  history: Pick<ModelHistoryService, 'history' | 'csv'>;
}

/** The console's extras (admins only): a user's sessions, and each model's calls, errors and TTFT over time. */
export function adminConsoleRoutes({ accounts, history }: AdminConsoleRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/admin/users/:id/sessions',
      {
        config: { access: 'admin' },
        schema: { params: IdParams, response: { 200: AdminSessionList, ...errors } },
      },
      async (request) => ({ items: await accounts.listUserSessions(request.params.id) }),
    );

    // Every session of the user ends and their open streams close; their API tokens stay.
    app.delete(
      '/api/admin/users/:id/sessions',
      {
        config: { access: 'admin' },
        schema: { params: IdParams, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        await accounts.signOutUser(request.userId, request.params.id, request.ip);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/admin/models/history',
      {
        config: { access: 'admin' },
        schema: { querystring: ModelHistoryQuery, response: { 200: ModelHistory, ...errors } },
      },
      async (request, reply) => {
        const result = await history.history(request.query);
        if (request.query.format !== 'csv') return result;
        // A string with a non-JSON content type is sent as is (the JSON schema's serializer does not run).
        const csv = history.csv(result) as never;
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header(
            'content-disposition',
            contentDisposition('attachment', `parley-model-history-${result.from}-${result.to}.csv`),
          )
          .header('cache-control', 'no-store')
          .send(csv);
      },
    );
  };
}
