import type { ModelRegistry } from '../ai/model-registry.js';
import type { AccountService } from '../auth/account-service.js';
import type { RunLimiter } from '../auth/run-limiter.js';
import type { ChatService } from '../chat/chat-service.js';
import type { RunManager } from '../chat/run-manager.js';
import type { Config } from '../config.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Realtime } from '../realtime/realtime.js';
import type { RunLog } from '../realtime/run-log.js';
import type { Store } from '../store/database.js';
import type { SseConnections } from './sse.js';

/** What routes may use. Routes call the domain (chat), never the SQL layer or an LLM SDK. */
export interface AppContext {
  config: Config;
  store: Store;
  chat: ChatService;
  runs: RunManager;
  runLog: RunLog;
  bus: EventBus;
  models: ModelRegistry;
  accounts: AccountService;
  limiter: RunLimiter;
  sse: SseConnections;
  heartbeatMs: number;
  state: { shuttingDown: boolean };
  /** Every registered route (method and URL pattern). */
  routes: { method: string; url: string }[];
  realtime: Realtime;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The user this request acts as; every domain call is scoped by it. */
    userId: string;
  }
}
