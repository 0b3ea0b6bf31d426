import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ModelRegistry } from '../ai/model-registry.js';
import type { AccountService } from '../auth/account-service.js';
import type { RunLimiter } from '../auth/run-limiter.js';
import type { AccessPolicy } from '../chat/access.js';
import type { Config } from '../config.js';
import type { FileService } from '../files/file-service.js';
import type { HttpTimeouts } from '../http/http-limits.js';
import type { SseConnections } from '../http/sse.js';
import type { Realtime } from '../realtime/realtime.js';
import type { RunManager } from '../runs/run-manager.js';
import type { Store } from '../store/database.js';
import type { McpServerConfig } from '../tools/mcp-file.js';
import type { McpPool } from '../tools/mcp-pool.js';

export interface AppDeps {
  config: Config;
  store: Store;
  models: ModelRegistry;
  logger?: Logger;
  /** Shared state (run log, bus, counters); built from the settings (memory or Redis) when absent. */
  realtime?: Realtime;
  /** How long a run's lease lasts without renewal; a dead instance's runs are reaped after it. */
  leaseMs?: number;
  /** How often this instance looks for runs of dead instances. */
  reaperIntervalMs?: number;
  /** Interval of SSE heartbeat comments (15 s in production; tests shorten it). */
  heartbeatMs?: number;
  /** How often streaming text is checkpointed to the store. */
  checkpointMs?: number;
  /** Window of the request and message rate limits (a minute; tests shorten it). */
  limitWindowMs?: number;
  /** How long failed sign-ins count toward the throttle (15 minutes; tests shorten it). */
  loginWindowMs?: number;
  /** Request, header, keep-alive and idle timeouts of the HTTP server (tests shorten them). */
  httpTimeouts?: Partial<HttpTimeouts>;
  /** Who may read or write a conversation (chat/access.ts); owner only when absent (tests vary it). */
  accessPolicy?: AccessPolicy;
  /** MCP servers; read from MCP_FILE when absent (tests pass their own). */
  mcpServers?: McpServerConfig[];
}

/**
 * The wired services, for app.ts itself and for tests (`app.parley`). Routes never get this:
 * each plugin is handed only what it uses (see app/routes.ts).
 */
export interface AppInternals {
  config: Config;
  store: Store;
  models: ModelRegistry;
  accounts: AccountService;
  limiter: RunLimiter;
  runs: RunManager;
  sse: SseConnections;
  files: FileService;
  /** The MCP servers' connections (their states, a stdio server's pid). */
  mcp: McpPool;
  /** main.ts sets shuttingDown before draining: readiness turns false at once. */
  state: { shuttingDown: boolean };
  /** Every registered route (method and URL pattern). */
  routes: { method: string; url: string }[];
}

export type ParleyApp = FastifyInstance & { parley: AppInternals };
