import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { HttpServerConfig, McpServerConfig, StdioServerConfig } from './mcp-file.js';
import { errorText, redact } from './redact.js';
import { StdioProcessTransport } from './stdio-process-transport.js';
import { type ToolCallOutcome, toolError, toolResultText } from './tool-output.js';

/**
 * One MCP server, supervised: connect, list its tools, and when it goes away (its process exits,
 * the connection drops, a connect fails) mark it down and try again after a growing delay, up to a
 * cap. Nothing here throws at its caller: a down server is a state, and a failed call an outcome.
 */

export type McpServerStatus = 'connecting' | 'ready' | 'down';

export interface McpToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface McpServerState {
  name: string;
  state: McpServerStatus;
  /** Why it is down (or why it last went down), one line without secrets; null when never. */
  error: string | null;
  tools: McpToolInfo[];
}

export interface McpConnectionOptions {
  logger: Logger;
  /** Restart delays: baseMs, doubled per failed attempt, never above maxMs. */
  backoff: { baseMs: number; maxMs: number };
  /** Time allowed for connecting and for listing tools. */
  connectTimeoutMs: number;
  maxOutputChars: number;
  /** Bounds on what a server may list: tools kept, description and schema sizes. */
  maxTools: number;
  maxDescriptionChars: number;
  maxSchemaChars: number;
}

const CLIENT_INFO = { name: 'parley', version: '1.0.0' };
/** Pages of tools/list followed; with maxTools this bounds a server that pages forever. */
const MAX_LIST_PAGES = 20;

export class McpConnection {
  private status: McpServerStatus = 'connecting';
  private lastError: string | null = null;
  private tools: McpToolInfo[] = [];
  private client: Client | undefined;
  private transport: Transport | undefined;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Bumped per attempt, so events of a connection already replaced are ignored. */
  private generation = 0;
  private refreshing = false;
  private settleFirst: () => void = () => {};
  private readonly firstSettled = new Promise<void>((resolve) => {
    this.settleFirst = resolve;
  });

  constructor(
    readonly config: McpServerConfig,
    private readonly options: McpConnectionOptions,
  ) {}

  /** Starts connecting; resolves once the first attempt is ready or down (never rejects). */
  start(): Promise<void> {
    void this.connect();
    return this.firstSettled;
  }

  state(): McpServerState {
    return { name: this.config.name, state: this.status, error: this.lastError, tools: [...this.tools] };
  }

  /** The stdio server's process id while one runs (for operators and tests). */
  get pid(): number | undefined {
    return this.transport instanceof StdioProcessTransport ? this.transport.pid : undefined;
  }

  async callTool(
    tool: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<ToolCallOutcome> {
    const { name, timeoutMs } = this.config;
    const client = this.client;
    if (this.status !== 'ready' || !client) {
      return toolError(
        `The tool server "${name}" is not available right now${this.lastError ? ` (${this.lastError})` : ''}.`,
      );
    }
    // The allow-list holds at call time too, not only in what is listed.
    if (!this.tools.some((known) => known.name === tool)) {
      return toolError(`"${name}/${tool}" is not an available tool.`);
    }
    const generation = this.generation;
    try {
      const result = await client.callTool({ name: tool, arguments: args }, undefined, {
        signal,
        timeout: timeoutMs,
        maxTotalTimeout: timeoutMs,
      });
      return toolResultText(result, this.options.maxOutputChars);
    } catch (error) {
      if (signal?.aborted) return toolError('The tool call was cancelled.');
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
        return toolError(`The tool call timed out after ${Math.round(timeoutMs / 1000)} s.`);
      }
      const text = errorText(error, this.config.secrets);
      // A protocol answer (bad arguments, unknown tool) leaves the server up; a broken connection
      // does not. A stdio exit is handled by onclose; this catches HTTP servers that went away.
      const broken = !(error instanceof McpError) || error.code === ErrorCode.ConnectionClosed;
      if (broken && generation === this.generation && this.status === 'ready') {
        void this.lost(`the connection failed: ${text}`);
      }
      return toolError(`The tool call failed: ${text}`);
    }
  }

  /** Stop for good: no more restarts; a stdio server's whole process group is ended. */
  async close(): Promise<void> {
    this.closed = true;
    this.generation += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.dispose();
    this.status = 'down';
    this.lastError = 'stopped';
    this.settleFirst();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    this.status = 'connecting';
    try {
      const { client, transport } = await this.open();
      this.client = client;
      this.transport = transport;
      if (this.closed || generation !== this.generation) {
        await this.dispose();
        return;
      }
      client.onclose = () => {
        if (generation === this.generation && !this.closed) void this.lost(this.exitReason(transport));
      };
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.refreshTools(generation));
      this.tools = await this.listTools(client);
      if (generation !== this.generation) return;
      this.status = 'ready';
      this.lastError = null;
      this.failures = 0;
      this.options.logger.info({ server: this.config.name, tools: this.tools.length }, 'MCP server ready');
    } catch (error) {
      if (generation !== this.generation) return;
      await this.lost(errorText(error, this.config.secrets), this.stderrLine());
    } finally {
      this.settleFirst();
    }
  }

  /** The connection is gone: down, the old one disposed, a restart scheduled. */
  private async lost(reason: string, detail?: string): Promise<void> {
    const stderr = detail ?? this.stderrLine();
    this.generation += 1;
    this.status = 'down';
    this.lastError = reason;
    this.tools = [];
    await this.dispose();
    if (this.closed) return;
    const delay = Math.min(this.options.backoff.maxMs, this.options.backoff.baseMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 30);
    // One short line; the server's stderr only as its last line, scrubbed.
    this.options.logger.warn(
      { server: this.config.name, error: reason, ...(stderr ? { stderr } : {}), retryInMs: delay },
      'MCP server down',
    );
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    // A pending restart never keeps Parley (or a test) alive on its own.
    this.retryTimer.unref();
  }

  private async open(): Promise<{ client: Client; transport: Transport }> {
    if (this.config.transport === 'stdio') return this.connectWith(this.stdioTransport(this.config));
    try {
      return await this.connectWith(
        new StreamableHTTPClientTransport(new URL(this.config.url), {
          requestInit: { headers: this.config.headers },
        }),
      );
    } catch (error) {
      // Servers of the 2024-11 protocol answer streamable HTTP's POST with 4xx: try their HTTP+SSE.
      const status = error instanceof StreamableHTTPError ? (error.code ?? 0) : 0;
      if (status < 400 || status >= 500 || status === 401 || status === 403) throw error;
      return this.connectWith(this.sseTransport(this.config));
    }
  }

  private async connectWith(transport: Transport): Promise<{ client: Client; transport: Transport }> {
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    this.transport = transport;
    try {
      await client.connect(transport, { timeout: this.options.connectTimeoutMs });
    } catch (error) {
      await client.close().catch(() => {});
      await transport.close().catch(() => {});
      throw error;
    }
    return { client, transport };
  }

  private stdioTransport(config: StdioServerConfig): StdioProcessTransport {
    return new StdioProcessTransport({
      command: config.command,
      args: config.args,
      env: config.env,
      cwd: config.cwd,
    });
  }

  private sseTransport(config: HttpServerConfig): SSEClientTransport {
    const headers = config.headers;
    return new SSEClientTransport(new URL(config.url), {
      requestInit: { headers },
      // The event stream's GET carries the same headers (an Authorization header, say).
      eventSourceInit: {
        fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, ...headers } }),
      },
    });
  }

  private async listTools(client: Client): Promise<McpToolInfo[]> {
    const { maxTools, maxDescriptionChars, maxSchemaChars, connectTimeoutMs } = this.options;
    const allowed = this.config.tools ? new Set(this.config.tools) : undefined;
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES && tools.length < maxTools; page++) {
      const result = await client.listTools(cursor ? { cursor } : undefined, { timeout: connectTimeoutMs });
      for (const tool of result.tools) {
        if (tools.length >= maxTools) break;
        if (allowed && !allowed.has(tool.name)) continue;
        const schema = tool.inputSchema as Record<string, unknown>;
        tools.push({
          name: tool.name,
          description: (tool.description ?? '').slice(0, maxDescriptionChars),
          // A schema too large to send a model is replaced by the loosest one that is still valid.
          inputSchema: JSON.stringify(schema).length <= maxSchemaChars ? schema : { type: 'object' },
        });
      }
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  /** tools/list_changed: list again, one refresh at a time; a failed refresh keeps the old list. */
  private async refreshTools(generation: number): Promise<void> {
    const client = this.client;
    if (this.refreshing || !client || generation !== this.generation) return;
    this.refreshing = true;
    try {
      const tools = await this.listTools(client);
      if (generation === this.generation) this.tools = tools;
    } catch (error) {
      this.options.logger.warn(
        { server: this.config.name, error: errorText(error, this.config.secrets) },
        'MCP server tool list refresh failed',
      );
    } finally {
      this.refreshing = false;
    }
  }

  private exitReason(transport: Transport): string {
    if (transport instanceof StdioProcessTransport) {
      return `the server process exited${transport.exit ? ` (${transport.exit})` : ''}`;
    }
    return 'the connection closed';
  }

  private stderrLine(): string | undefined {
    if (!(this.transport instanceof StdioProcessTransport)) return undefined;
    const line = this.transport.lastStderrLine;
    return line ? redact(line, this.config.secrets) : undefined;
  }

  private async dispose(): Promise<void> {
    const { client, transport } = this;
    this.client = undefined;
    this.transport = undefined;
    if (client) client.onclose = undefined;
    await client?.close().catch(() => {});
    await transport?.close().catch(() => {});
  }
}
