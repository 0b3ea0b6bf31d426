import type { Logger } from 'pino';
import { AccountService, type RevokedIdentity } from '../auth/account-service.js';
import { ensureBuiltinUsers } from '../auth/builtin-users.js';
import { GroupLimits } from '../auth/group-limits.js';
import { GroupsService } from '../auth/groups-service.js';
import { GuestService } from '../auth/guest-service.js';
import { RunLimiter } from '../auth/run-limiter.js';
import { ArchiveService } from '../chat/archive-service.js';
import { ChatService } from '../chat/chat-service.js';
import { filePart } from '../chat/message-parts.js';
import { OrganiseService } from '../chat/organise-service.js';
import { SearchService } from '../chat/search-service.js';
import { TitleWriter, titleModelSetting } from '../chat/title-writer.js';
import { environment } from '../config.js';
import { FileService } from '../files/file-service.js';
import { openBlobStore } from '../files/open-blob-store.js';
import { createOperations, type Operations } from '../http/operations.js';
import { SseConnections } from '../http/sse.js';
import { newId } from '../ids.js';
import { CompletionService } from '../openai/completion-service.js';
import { createRealtime, type Realtime } from '../realtime/realtime.js';
import { ApprovalService } from '../runs/approvals.js';
import { InstanceRegistry } from '../runs/instance-registry.js';
import { RunManager } from '../runs/run-manager.js';
import { RunReaper } from '../runs/run-reaper.js';
import { TurnService } from '../runs/turns.js';
import { loadMcpFile } from '../tools/mcp-file.js';
import { McpPool } from '../tools/mcp-pool.js';
import { ToolCatalog } from '../tools/tool-catalog.js';
import { ModelHistoryService } from '../usage/model-history.js';
import { UsageService } from '../usage/usage-service.js';
import type { AppDeps } from './deps.js';

/** Everything the routes are built from, started and wired; `stop` ends the background work. */
export interface Services {
  realtime: Realtime;
  operations: Operations;
  accounts: AccountService;
  guests: GuestService;
  limiter: RunLimiter;
  runs: RunManager;
  chat: ChatService;
  /** Folders, and bulk delete / archive / move of conversations. */
  organise: OrganiseService;
  turns: TurnService;
  /** Titles written by a model (TITLE_MODEL): after a first message, and on request. */
  titles: TitleWriter;
  approvals: ApprovalService;
  search: SearchService;
  files: FileService;
  mcp: McpPool;
  tools: ToolCatalog;
  archive: ArchiveService;
  completions: CompletionService;
  usage: UsageService;
  /** Groups (admin CRUD and membership) and what they mean for members (quota, models, tools). */
  groups: GroupsService;
  groupLimits: GroupLimits;
  /** Each model's calls, errors and TTFT over time, for the admin console. */
  modelHistory: ModelHistoryService;
  sse: SseConnections;
  state: { shuttingDown: boolean };
  stop(): Promise<void>;
}

/**
 * Start the services of one instance: shared realtime state, its registration, limits, accounts
 * (with their bootstrap and housekeeping), operations, runs and their reaper, chat and guests.
 * `apiLogger` is the app's logger, which the OpenAI-compatible API logs through as routes do.
 */
export async function startServices(deps: AppDeps, logger: Logger, apiLogger: Logger): Promise<Services> {
  const { config, store, models } = deps;
  // A bad MCP_FILE stops startup before anything else has started.
  const mcpServers =
    deps.mcpServers ?? (config.mcpFile ? await loadMcpFile(config.mcpFile, environment()) : []);
  // A bad TITLE_MODEL too, before anything has started.
  titleModelSetting(config, models);
  const at = new Date().toISOString();
  await ensureBuiltinUsers(store.repos, at);
  const ownsRealtime = deps.realtime === undefined;
  const realtime = deps.realtime ?? (await createRealtime(config, logger));
  const { runLog, bus, counters } = realtime;
  const instanceId = newId();
  const instances = new InstanceRegistry(store, instanceId, realtime.redis !== undefined, logger);
  await instances.start(at);
  const limiter = new RunLimiter({ store, counters, config, windowMs: deps.limitWindowMs });
  const accounts = new AccountService({
    store,
    config,
    counters,
    logger,
    loginWindowMs: deps.loginWindowMs,
    // Here at once (awaited: a disabled user's replies are stopped before the answer), then on
    // every other instance through the control bus.
    onRevoked: async (revoked) => {
      await endRevoked(revoked);
      await realtime.control
        .send({ type: 'revoke', from: instanceId, revoked })
        .catch((err) => logger.error({ err }, 'could not tell other instances about a revocation'));
    },
  });
  // Safe setup (ADMIN_USERNAME, or a setup code on a public address) and the purge of expired
  // sessions, invites and reset links: now, then hourly.
  await accounts.bootstrap();
  accounts.startHousekeeping();
  // Metrics, traces and the API contract; the live figures are read at scrape time, once built.
  const operations = await createOperations({
    config,
    onStoreQuery: (listener) => store.onQuery(listener),
    models,
    logger,
    ownsLogger: deps.logger === undefined,
    live: { activeRuns: () => runs.activeCount, openStreams: () => sse.size },
  });
  const runs = new RunManager({
    store,
    runLog,
    bus,
    models,
    logger,
    checkpointMs: deps.checkpointMs,
    leaseMs: deps.leaseMs,
    observer: operations.observer,
    // Files a model makes become the user's files, like uploads (files is built below).
    saveFile: async (owner, file) => filePart(await files.storeGenerated(owner, file)),
  });
  // MCP servers connect in the background: Parley serves while they start; a down server is a state.
  const mcp = new McpPool(mcpServers, { logger });
  void mcp.start();
  const tools = new ToolCatalog(mcp);
  const groupLimits = new GroupLimits({ store, config });
  const groups = new GroupsService({ store, models, tools, audit: accounts.auditLog, logger });
  const chat = new ChatService({
    store,
    stopRuns: (userId, conversationId) => runs.stop(userId, conversationId),
    bus,
    models,
    policy: deps.accessPolicy,
    tools,
    groups: groupLimits,
  });
  // Titles by a model after a first message (TITLE_MODEL, checked here: an unknown id stops startup).
  const titles = new TitleWriter({ store, models, chat, groups: groupLimits, limiter, config, logger });
  // Attachments: bytes in the FILE_STORE, rows and quota in the database; orphans expire.
  const blobs = openBlobStore(config.fileStore, store);
  const files = new FileService({
    store,
    blobs,
    maxFileBytes: config.maxFileBytes,
    storageQuotaBytes: config.storageQuotaBytes,
    logger,
  });
  files.start();
  const turns = new TurnService({
    store,
    files,
    chat,
    limiter,
    control: realtime.control,
    realtimeHealthy: () => realtime.healthy(),
    runs,
    models,
    logger,
    instanceId,
    logMessageContent: config.logMessageContent,
    tools,
    maxToolSteps: config.maxToolSteps,
    groups: groupLimits,
    titles,
  });
  const sse = new SseConnections({ maxPerUser: config.maxStreamsPerUser });
  /** A revoked identity loses its open streams here; a disabled user also their running replies. */
  async function endRevoked(revoked: RevokedIdentity): Promise<void> {
    sse.revoke(revoked);
    if (revoked.stopRuns) await runs.stopUser(revoked.userId);
  }
  // A stop (or a revocation) sent to any instance reaches the runs and streams here.
  await realtime.control.onCommand((command) => {
    if (command.type === 'stop') void runs.stop(command.userId, command.conversationId);
    if (command.type === 'revoke' && command.from !== instanceId) void endRevoked(command.revoked);
  });
  // Tool calls waiting for a person: answered from any instance; unanswered ones expire.
  const approvals = new ApprovalService({
    store,
    chat,
    turns,
    logger,
    timeoutMs: config.toolApprovalTimeoutMs,
  });
  approvals.start(Math.min(30_000, Math.max(1_000, config.toolApprovalTimeoutMs / 5)));
  const reaper = new RunReaper({ store, runs, runLog, bus, logger });
  reaper.start(deps.reaperIntervalMs ?? 1_000);
  // Anonymous browsers of the seed routes (GUEST_ACCESS=on); idle guests are purged hourly.
  const guests = new GuestService({ store, counters, models, config, logger });
  guests.start();
  const archive = new ArchiveService({
    store,
    models,
    bus,
    storageQuotaBytes: config.storageQuotaBytes,
    files,
    policy: deps.accessPolicy,
  });
  const completions = new CompletionService({
    store,
    models,
    limiter,
    bus,
    logger: apiLogger,
    policy: deps.accessPolicy,
    attachments: { maxFileBytes: config.maxFileBytes },
  });

  return {
    realtime,
    operations,
    accounts,
    guests,
    limiter,
    runs,
    chat,
    organise: new OrganiseService({
      store,
      bus,
      stopRuns: (userId, conversationId) => runs.stop(userId, conversationId),
    }),
    turns,
    titles,
    approvals,
    search: new SearchService(store),
    files,
    mcp,
    tools,
    archive,
    completions,
    usage: new UsageService({ store, config }),
    groups,
    groupLimits,
    modelHistory: new ModelHistoryService({ store }),
    sse,
    state: { shuttingDown: false },
    async stop() {
      // First, so stdio servers' process groups end even if a later step throws.
      await mcp.close();
      accounts.stopHousekeeping();
      await approvals.stop();
      await titles.stop();
      await reaper.stop();
      await guests.stop();
      await files.stop();
      await blobs.close();
      await instances.stop();
      if (ownsRealtime) await realtime.close();
      await operations.close();
    },
  };
}
