import type { LanguageModel } from 'ai';
import pino, { type Logger } from 'pino';
import { createDemoModel, type DemoModelOptions } from '../../src/server/ai/demo-model.js';
import { ModelRegistry, type RegisteredModel } from '../../src/server/ai/model-registry.js';
import { type AppDeps, buildApp, type ParleyApp } from '../../src/server/app.js';
import { parseConfig } from '../../src/server/config.js';
import { openStore, type Store } from '../../src/server/store/database.js';
import type { McpServerConfig } from '../../src/server/tools/mcp-file.js';

export interface TestAppOptions {
  env?: Record<string, string>;
  demo?: Partial<DemoModelOptions>;
  /** Extra models (for faults the demo model cannot make). */
  models?: { id: string; model: LanguageModel; info?: Partial<RegisteredModel['info']> }[];
  heartbeatMs?: number;
  checkpointMs?: number;
  logger?: Logger;
  limitWindowMs?: number;
  loginWindowMs?: number;
  /** Shared state (e.g. counters on a test clock: `{ ...memoryRealtime(), counters }`). */
  realtime?: AppDeps['realtime'];
  httpTimeouts?: AppDeps['httpTimeouts'];
  accessPolicy?: AppDeps['accessPolicy'];
  /** MCP servers (instead of MCP_FILE). */
  mcpServers?: McpServerConfig[];
  /** A store to share (two apps on one database); the app then does not close it. */
  store?: Store;
}

export interface TestApp {
  app: ParleyApp;
  store: Store;
  close(): Promise<void>;
}

/** Settings of an in-process test app: in-memory SQLite, quiet, instant demo model, no login. */
export function testConfig(env: Record<string, string> = {}) {
  return parseConfig({
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    DEMO_DELAY_MS: '0',
    SHUTDOWN_GRACE_MS: '100',
    // Suites about chat act as the single local user; the accounts suites switch this to local.
    AUTH_MODE: 'none',
    // Suites that sign up several users want them active at once; the approval flow has its own tests.
    SIGNUP: 'open',
    // No model-written titles: other suites count model calls and usage exactly; titles.test.ts
    // (and the titles e2e) turn them on with TITLE_MODEL='' (unset: the conversation's model).
    TITLE_MODEL: 'off',
    ...env,
  });
}

/** A Parley app on an in-memory SQLite database, with the real demo model (no delay by default). */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = testConfig(options.env);
  const store = options.store ?? (await openStore(config.databaseUrl));
  const entries: RegisteredModel[] = [
    {
      // As the real demo model: it reads images and PDFs (and describes them).
      info: {
        id: 'demo',
        provider: 'parley',
        name: 'Demo',
        contextWindow: null,
        input: ['text', 'image', 'pdf'],
        available: true,
      },
      model: createDemoModel({ delayMs: config.demoDelayMs, ...options.demo }),
    },
    ...(options.models ?? []).map(({ id, model, info }) => ({
      info: { id, provider: 'test', name: id, contextWindow: null, available: true, ...info },
      model,
    })),
  ];
  const app = await buildApp({
    config,
    store,
    models: new ModelRegistry(entries, config.defaultModel),
    logger: options.logger ?? pino({ level: 'silent' }),
    heartbeatMs: options.heartbeatMs,
    checkpointMs: options.checkpointMs,
    limitWindowMs: options.limitWindowMs,
    loginWindowMs: options.loginWindowMs,
    realtime: options.realtime,
    httpTimeouts: options.httpTimeouts,
    accessPolicy: options.accessPolicy,
    mcpServers: options.mcpServers,
  });
  return {
    app,
    store,
    async close() {
      await app.close();
      if (!options.store) await store.close();
    },
  };
}

/** Row counts of every table: "changes nothing" means these stay equal. */
export async function tableCounts(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['users', 'conversations', 'messages', 'runs'] as const) {
    const row = await store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
