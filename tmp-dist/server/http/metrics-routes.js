import { Type } from 'typebox';
import { ErrorSchema } from '../../shared/api-schemas.js';
/** `GET /metrics` in the Prometheus text format; behind `Bearer <METRICS_TOKEN>` when that is set. */
export function metricsRoutes(metrics) {
    return async (app) => {
        app.get('/metrics', {
            // Scrapers poll on a schedule: never rate-limited.
            config: { access: 'metrics', rateLimit: false },
            schema: {
                response: {
                    200: Type.String({ description: 'Prometheus text exposition format 0.0.4' }),
                    401: ErrorSchema,
                },
            },
        }, async (_request, reply) => reply
            .type(metrics.contentType)
            .header('cache-control', 'no-store')
            .send(await metrics.render()));
    };
}
