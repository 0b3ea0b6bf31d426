import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { ErrorSchema } from '../../shared/api-schemas.js';
import type { GroupLimits } from '../auth/group-limits.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';

/** One tool as a user may enable it. */
export const ToolInfo = Type.Object({
  id: Type.String({ description: '`<server>/<tool>`' }),
  name: Type.String(),
  description: Type.String(),
  inputSchema: Type.Record(Type.String(), Type.Unknown(), {
    description: "The tool's JSON Schema for its arguments",
  }),
  requiresApproval: Type.Boolean(),
});

export const ToolServer = Type.Object({
  name: Type.String(),
  state: Type.Union([Type.Literal('connecting'), Type.Literal('ready'), Type.Literal('down')]),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why it is (or last went) down' }),
  tools: Type.Array(ToolInfo),
});

export const ToolList = Type.Object({ servers: Type.Array(ToolServer) });
export type ToolListDto = Static<typeof ToolList>;

export interface ToolRouteDeps {
  tools: Pick<ToolCatalog, 'list'>;
  /** The tools the caller's groups allow (none given: every tool the role allows). */
  groups?: Pick<GroupLimits, 'allowedTools'>;
}

export function toolRoutes({ tools, groups }: ToolRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/tools', { schema: { response: { 200: ToolList, 401: ErrorSchema } } }, async (request) => ({
      // Only the servers the caller's role may use, and their tools the caller's groups allow;
      // AUTH_MODE=none acts as the admin.
      servers: tools.list(
        request.principal?.role ?? 'user',
        (await groups?.allowedTools(request.userId)) ?? null,
      ),
    }));
  };
}
