import type { FastifyInstance } from 'fastify';
import { OidcClient } from '../auth/oidc-client.js';
import { ShareService } from '../chat/share-service.js';
import { adminConsoleRoutes } from '../http/admin-console-routes.js';
import { adminRoutes } from '../http/admin-routes.js';
import { authRoutes } from '../http/auth-routes.js';
import { chatRoutes } from '../http/chat-routes.js';
import { conversationRoutes } from '../http/conversation-routes.js';
import { eventRoutes } from '../http/event-routes.js';
import { exportRoutes } from '../http/export-routes.js';
import { fileRoutes } from '../http/file-routes.js';
import { folderRoutes } from '../http/folder-routes.js';
import { groupRoutes } from '../http/group-routes.js';
import { oidcRoutes } from '../http/oidc-routes.js';
import { openaiRoutes } from '../http/openai-routes.js';
import { opsRoutes } from '../http/ops-routes.js';
import { runRoutes } from '../http/run-routes.js';
import { searchRoutes } from '../http/search-routes.js';
import { seedRoutes } from '../http/seed-routes.js';
import { shareRoutes } from '../http/share-routes.js';
import { titleRoutes } from '../http/title-routes.js';
import { tokenRoutes } from '../http/token-routes.js';
import { toolRoutes } from '../http/tool-routes.js';
import { usageRoutes } from '../http/usage-routes.js';
import type { AppDeps } from './deps.js';
import type { Services } from './services.js';

/** Every route plugin. Each gets only what it uses; none gets the store (domain services hold it). */
export async function registerRoutes(app: FastifyInstance, deps: AppDeps, services: Services): Promise<void> {
  const { config, models, store } = deps;
  const { accounts, chat, turns, guests, sse, realtime, state } = services;
  const { runLog, bus } = realtime;
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  await app.register(seedRoutes({ chat, turns, guests, config }));
  // Single sign-on (OIDC_ISSUER): the provider is discovered at the first sign-in.
  const oidc = config.oidc ? new OidcClient(config.oidc) : undefined;
  const endSessionUrl = oidc
    ? async (userId: string, origin: string) =>
        (await accounts.hasIdentityAt(userId, oidc.settings.issuer)) ? oidc.endSessionUrl(origin) : undefined
    : undefined;
  await app.register(authRoutes({ accounts, config, endSessionUrl, files: services.files }));
  await app.register(oidcRoutes({ accounts, oidc, config, counters: realtime.counters }));
  await app.register(tokenRoutes({ accounts }));
  await app.register(adminRoutes({ accounts, config, models, modelStats: services.operations.modelStats }));
  await app.register(adminConsoleRoutes({ accounts, history: services.modelHistory }));
  await app.register(groupRoutes({ groups: services.groups }));
  await app.register(conversationRoutes({ chat }));
  await app.register(folderRoutes({ organise: services.organise }));
  await app.register(titleRoutes({ titles: services.titles }));
  // Share links: snapshots read through the store, files through the file service, and a
  // continued share imported like an export (its gate and quota).
  const shares = new ShareService({ store, files: services.files, archive: services.archive });
  await app.register(shareRoutes({ shares }));
  await app.register(runRoutes({ turns, approvals: services.approvals, runLog, sse, heartbeatMs }));
  // The AI SDK's chat protocol (useChat's DefaultChatTransport) over the same runs.
  await app.register(chatRoutes({ turns, chat, runLog, sse, heartbeatMs }));
  await app.register(searchRoutes({ search: services.search }));
  await app.register(exportRoutes({ archive: services.archive }));
  await app.register(fileRoutes({ files: services.files }));
  await app.register(toolRoutes({ tools: services.tools, groups: services.groupLimits }));
  await app.register(usageRoutes({ usage: services.usage }));
  await app.register(eventRoutes({ bus, sse, heartbeatMs }));
  await app.register(
    opsRoutes({
      models,
      shuttingDown: () => state.shuttingDown,
      pingDatabase: () => store.ping(),
      realtimeHealthy: () => realtime.healthy(),
      toolServers: () => services.mcp.states(),
      groups: services.groupLimits,
    }),
  );
  await app.register(services.operations.routes());
  await app.register(
    openaiRoutes({
      completions: services.completions,
      models,
      sse,
      heartbeatMs,
      groups: services.groupLimits,
    }),
  );
}
