import type { Role } from '../store/schema.js';
import type { McpToolInfo } from './mcp-connection.js';
import type { McpServerConfig } from './mcp-file.js';
import type { McpPool } from './mcp-pool.js';
import { type ToolCallOutcome, toolError } from './tool-output.js';

/**
 * Who may see and use which tools: the servers' `roles` and `requireApproval` applied to what the
 * pool has connected. The pool knows connections; this knows the operator's policy.
 */

export interface ToolView {
  /** `<server>/<tool>`: how a conversation names it. */
  id: string;
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  requiresApproval: boolean;
}

export interface ToolServerView {
  name: string;
  state: 'connecting' | 'ready' | 'down';
  error: string | null;
  tools: ToolView[];
}

export function mayUse(server: Pick<McpServerConfig, 'roles'>, role: Role): boolean {
  return server.roles === undefined || server.roles.includes(role);
}

export function requiresApproval(server: Pick<McpServerConfig, 'requireApproval'>, tool: string): boolean {
  const rule = server.requireApproval;
  if (rule === 'all') return true;
  if (rule === 'none') return false;
  return rule.includes(tool);
}

export class ToolCatalog {
  constructor(private readonly pool: Pick<McpPool, 'configs' | 'state' | 'callTool'>) {}

  /** The servers a role may use, with their state and tools, in MCP_FILE order. */
  list(role: Role): ToolServerView[] {
    return this.pool
      .configs()
      .filter((config) => mayUse(config, role))
      .flatMap((config) => {
        const state = this.pool.state(config.name);
        if (!state) return [];
        return [
          {
            name: state.name,
            state: state.state,
            error: state.error,
            tools: state.tools.map((tool: McpToolInfo) => ({
              id: `${config.name}/${tool.name}`,
              name: tool.name,
              description: tool.description,
              inputSchema: tool.inputSchema,
              requiresApproval: requiresApproval(config, tool.name),
            })),
          },
        ];
      });
  }

  /** A call on behalf of a role: a server the role may not use is refused like an unknown one. */
  callTool(
    role: Role,
    server: string,
    tool: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolCallOutcome> {
    const config = this.pool.configs().find((c) => c.name === server);
    if (!config || !mayUse(config, role))
      return Promise.resolve(toolError(`There is no tool server "${server}".`));
    return this.pool.callTool(server, tool, args, signal);
  }
}
