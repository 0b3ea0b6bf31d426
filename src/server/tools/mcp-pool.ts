import type { Logger } from 'pino';
import { McpConnection, type McpConnectionOptions, type McpServerState } from './mcp-connection.js';
import type { McpServerConfig } from './mcp-file.js';
import { DEFAULT_MAX_OUTPUT_CHARS, type ToolCallOutcome, toolError } from './tool-output.js';

/**
 * One supervised connection per configured MCP server. Servers start in the background: Parley
 * serves while they connect, and a server that is down stays a state (with its reason), never a
 * failed start or a crash.
 */

export interface McpPoolOptions extends Partial<Omit<McpConnectionOptions, 'logger' | 'backoff'>> {
  logger: Logger;
  backoff?: Partial<McpConnectionOptions['backoff']>;
}

const DEFAULTS = {
  connectTimeoutMs: 30_000,
  maxOutputChars: DEFAULT_MAX_OUTPUT_CHARS,
  maxTools: 100,
  maxDescriptionChars: 1_000,
  maxSchemaChars: 16_000,
};

export class McpPool {
  private readonly connections = new Map<string, McpConnection>();
  private started: Promise<void> | undefined;

  constructor(servers: readonly McpServerConfig[], options: McpPoolOptions) {
    const { logger, backoff, ...rest } = options;
    const connectionOptions: McpConnectionOptions = {
      ...DEFAULTS,
      ...rest,
      logger: logger.child({ component: 'mcp' }),
      backoff: { baseMs: backoff?.baseMs ?? 1_000, maxMs: backoff?.maxMs ?? 60_000 },
    };
    for (const server of servers)
      this.connections.set(server.name, new McpConnection(server, connectionOptions));
  }

  /** Connect every server; resolves when each has been tried once (ready or down), never rejects. */
  start(): Promise<void> {
    this.started ??= Promise.all([...this.connections.values()].map((c) => c.start())).then(() => {});
    return this.started;
  }

  get size(): number {
    return this.connections.size;
  }

  configs(): McpServerConfig[] {
    return [...this.connections.values()].map((c) => c.config);
  }

  states(): McpServerState[] {
    return [...this.connections.values()].map((c) => c.state());
  }

  state(server: string): McpServerState | undefined {
    return this.connections.get(server)?.state();
  }

  /** A stdio server's current process id (for operators and tests). */
  pid(server: string): number | undefined {
    return this.connections.get(server)?.pid;
  }

  /** Never throws: an unknown server, a down one, a timeout or a failure is an outcome. */
  async callTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolCallOutcome> {
    const connection = this.connections.get(server);
    if (!connection) return toolError(`There is no tool server "${server}".`);
    return connection.callTool(tool, args, signal);
  }

  /** Stop every server (their whole process groups) and all restarts. */
  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }
}
