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

  /**
   * The servers a role may use, with their state and tools, in MCP_FILE order. `allowed` (the
   * user's groups' tools, null: no restriction) keeps only those tools, and servers with one.
   */
  list(role: Role, allowed: ReadonlySet<string> | null = null): ToolServerView[] {
    const servers = this.listForRole(role);
    if (allowed === null) return servers;
    return servers
      .map((server) => ({ ...server, tools: server.tools.filter((tool) => allowed.has(tool.id)) }))
      .filter(
        (server) => server.tools.length > 0 || [...allowed].some((id) => id.startsWith(`${server.name}/`)),
      );
  }

  /**
   * Whether a tool id (`<server>/<tool>`) names a tool of a configured server, whatever its roles:
   * while the server is not connected, any tool of it (it may offer it when it is back).
   */
  isKnownTool(id: string): boolean {
    const [serverName = '', toolName = ''] = id.split('/');
    if (toolName === '') return false;
    const config = this.pool.configs().find((c) => c.name === serverName);
    if (!config) return false;
    const state = this.pool.state(config.name);
    return state?.state !== 'ready' || state.tools.some((tool) => tool.name === toolName);
  }

  private listForRole(role: Role): ToolServerView[] {
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

  /** A call on behalf of a role (and groups): a server the role may not use is refused like an unknown one. */
  callTool(
    role: Role,
    server: string,
    tool: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
    allowed: ReadonlySet<string> | null = null,
  ): Promise<ToolCallOutcome> {
    const config = this.pool.configs().find((c) => c.name === server);
    if (!config || !mayUse(config, role))
      return Promise.resolve(toolError(`There is no tool server "${server}".`));
    // The user's groups, like the role: a tool they do not include is refused like an unknown one.
    if (allowed !== null && !allowed.has(`${server}/${tool}`))
      return Promise.resolve(toolError(`There is no tool "${server}/${tool}" you may use.`));
    return this.pool.callTool(server, tool, args, signal);
  }
}
