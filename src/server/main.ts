import { createModelRegistry } from './ai/models.js';
import { buildApp } from './app.js';
import { titleModelSetting } from './chat/title-writer.js';
import { ConfigError, environment, loadConfig } from './config.js';
import { createLogger, logShipperOf } from './observability/logger.js';
import { openStore } from './store/database.js';

/** Start: settings → store → app → listen; stop gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let logger: ReturnType<typeof createLogger>;
  let models: Awaited<ReturnType<typeof createModelRegistry>>;
  try {
    config = loadConfig();
    // The registry logs (an unreachable Ollama is a warning, not a crash), so the logger comes first.
    logger = createLogger(config);
    // The environment only to resolve MODELS_FILE `apiKeyEnv` names; loadConfig has already read .env into it.
    models = await createModelRegistry(config, { logger, env: environment() });
    // TITLE_MODEL names a model of the registry: an unknown one stops startup here, in one line.
    titleModelSetting(config, models);
  } catch (error) {
    if (
      error instanceof ConfigError ||
      (error instanceof Error && error.message.startsWith('Invalid setting'))
    ) {
      process.stderr.write(`parley: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const store = await openStore(config.databaseUrl);
  const app = await buildApp({ config, store, models, logger });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: letting running replies finish');
    try {
      // Readiness turns false, running replies are checkpointed, get the grace period, and the
      // rest are saved as interrupted: all before app.close(), whose hooks Fastify cuts off after
      // its plugin timeout (10 s), which a longer SHUTDOWN_GRACE_MS would otherwise exceed.
      app.parley.state.shuttingDown = true;
      await app.parley.runs.shutdown(config.shutdownGraceMs);
      // Ends the open streams (the runs are already saved) and releases everything else.
      await app.close();
      await store.close();
      logger.info('shut down cleanly');
      // Log lines still queued for Splunk get a few seconds; an unreachable Splunk never holds the exit.
      await logShipperOf(logger)?.close(3_000);
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(
        `parley: port ${config.port} on ${config.host} is in use; set PORT to a free port.\n`,
      );
      process.exit(1);
    }
    throw err;
  }
  const shown = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info(
    {
      url: `http://${shown}:${app.server.address() && typeof app.server.address() === 'object' ? (app.server.address() as { port: number }).port : config.port}`,
    },
    'Parley is ready',
  );
}

main().catch((error) => {
  process.stderr.write(
    `parley: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
