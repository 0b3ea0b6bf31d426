import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorSchema } from '../../shared/api-schemas.js';
import { AdminUsageQuery, AdminUsageReport, UsageQuery, UsageReport } from '../../shared/usage-schemas.js';
import type { UsageService } from '../usage/usage-service.js';
import { contentDisposition } from './content-disposition.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema };

export interface UsageRouteDeps {
  usage: Pick<UsageService, 'own' | 'all' | 'csv'>;
}

/** Usage and cost: each user their own (with their quota standing); admins everyone's, as JSON or CSV. */
export function usageRoutes({ usage }: UsageRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/usage',
      { schema: { querystring: UsageQuery, response: { 200: UsageReport, ...errors } } },
      async (request) => usage.own(request.userId, request.query),
    );

    app.get(
      '/api/admin/usage',
      {
        config: { access: 'admin' },
        schema: { querystring: AdminUsageQuery, response: { 200: AdminUsageReport, ...errors } },
      },
      async (request, reply) => {
        const report = await usage.all(request.query);
        if (request.query.format !== 'csv') return report;
        // A string with a non-JSON content type is sent as is (the JSON schema's serializer does not run).
        const csv = usage.csv(report) as never;
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header(
            'content-disposition',
            contentDisposition('attachment', `parley-usage-${report.from}-${report.to}.csv`),
          )
          .header('cache-control', 'no-store')
          .send(csv);
      },
    );
  };
}
