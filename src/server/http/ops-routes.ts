import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorSchema, ModelList } from '../../shared/api-schemas.js';
import { withCapabilities } from '../ai/model-capabilities.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import type { GroupLimits } from '../auth/group-limits.js';

export interface OpsRouteDeps {
  /** `get` adds what a model's registration says (its reasoning setting) to the listing. */
  models: Pick<ModelRegistry, 'defaultModel' | 'list'> & Partial<Pick<ModelRegistry, 'get'>>;
  /** True once shutdown began: readiness turns false so load balancers stop sending. */
  shuttingDown: () => boolean;
  /** Throws when the database is unreachable. */
  pingDatabase: () => Promise<void>;
  realtimeHealthy: () => boolean;
  /** The MCP servers' states: shown by /readyz, never a reason to be unready. */
  toolServers?: () => readonly { state: 'connecting' | 'ready' | 'down' }[];
  /** The models the caller's groups allow (none given: every model). */
  groups?: Pick<GroupLimits, 'allowedModels'>;
}

/** How many tool servers are in each state (counts only: /readyz is public, names stay private). */
const ToolServerCounts = Type.Object({
  ready: Type.Integer(),
  connecting: Type.Integer(),
  down: Type.Integer(),
});

function countStates(servers: readonly { state: 'connecting' | 'ready' | 'down' }[]) {
  const counts = { ready: 0, connecting: 0, down: 0 };
  for (const server of servers) counts[server.state]++;
  return counts;
}

export function opsRoutes(deps: OpsRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/healthz',
      {
        config: { access: 'public', rateLimit: false },
        schema: { response: { 200: Type.Object({ status: Type.String() }) } },
      },
      async () => ({
        status: 'ok',
      }),
    );

    app.get(
      '/readyz',
      {
        config: { access: 'public', rateLimit: false },
        schema: {
          response: {
            200: Type.Object({
              status: Type.String(),
              // A tool server that is down makes its tools unavailable, not Parley: it stays ready.
              mcp: Type.Optional(ToolServerCounts),
            }),
            503: ErrorSchema,
          },
        },
      },
      async (request, reply) => {
        if (deps.shuttingDown()) {
          return reply.code(503).send({ error: 'Parley is shutting down.', code: 'unavailable' });
        }
        try {
          await deps.pingDatabase();
        } catch (err) {
          request.log.error({ err }, 'readiness check: database unreachable');
          return reply.code(503).send({ error: 'The database is unreachable.', code: 'unavailable' });
        }
        if (!deps.realtimeHealthy()) {
          return reply.code(503).send({ error: 'Redis is unreachable.', code: 'unavailable' });
        }
        const servers = deps.toolServers?.() ?? [];
        return servers.length > 0 ? { status: 'ready', mcp: countStates(servers) } : { status: 'ready' };
      },
    );

    // Only the models the caller's groups allow; the default is the first of them if not the server's.
    app.get('/api/models', { schema: { response: { 200: ModelList } } }, async (request) => {
      const allowed = (await deps.groups?.allowedModels(request.userId)) ?? null;
      const models = deps.models
        .list()
        .filter((model) => allowed === null || allowed.has(model.id))
        .map((model) => withCapabilities(model, deps.models.get?.(model.id)));
      const fallback = deps.models.defaultModel;
      return {
        defaultModel: models.some((model) => model.id === fallback) ? fallback : (models[0]?.id ?? fallback),
        models,
      };
    });
  };
}
