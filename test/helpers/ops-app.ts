import type { LanguageModelV3 } from '@ai-sdk/provider';
import { APICallError } from 'ai';
import pino, { type Logger } from 'pino';
import { CircuitBreaker } from '../../src/server/ai/circuit-breaker.js';
import { createDemoModel } from '../../src/server/ai/demo-model.js';
import { ModelRegistry } from '../../src/server/ai/model-registry.js';
import { withResilience } from '../../src/server/ai/resilience.js';
import { buildApp } from '../../src/server/app.js';
import { openStore } from '../../src/server/store/database.js';
import { type TestApp, testConfig } from './test-app.js';

/**
 * An app for the operations suites: the demo model (instant, and a slow one) plus `flaky/model`, a
 * remote-style model behind the real resilience layer (retries, circuit breaker) whose provider
 * always answers 503, so provider errors and breaker state have something to show.
 */

export const FLAKY_PROMPT_MARKER = 'prompt-text-that-must-not-be-logged';

/** A provider call that fails like an overloaded API, carrying its request (and so the prompt). */
function unavailableModel(): LanguageModelV3 {
  const fail = (options: { prompt: unknown }) => {
    throw new APICallError({
      message: 'The server is overloaded.',
      url: 'https://flaky.example/v1/chat/completions',
      requestBodyValues: { model: 'model', messages: options.prompt },
      statusCode: 503,
      responseBody: '{"error":{"message":"The server is overloaded."}}',
      isRetryable: true,
    });
  };
  return {
    specificationVersion: 'v3',
    provider: 'flaky',
    modelId: 'model',
    supportedUrls: {},
    doGenerate: async (options) => fail(options),
    doStream: async (options) => fail(options),
  };
}

export interface OpsAppOptions {
  env?: Record<string, string>;
  logger?: Logger;
  heartbeatMs?: number;
}

export async function createOpsApp(options: OpsAppOptions = {}): Promise<TestApp> {
  const config = testConfig(options.env);
  const store = await openStore(config.databaseUrl);
  const breaker = new CircuitBreaker({ name: 'flaky', failureThreshold: 2 });
  const flaky = withResilience(unavailableModel(), {
    provider: 'flaky',
    breaker,
    firstTokenTimeoutMs: 2_000,
    idleTimeoutMs: 2_000,
    maxRetries: 1,
    sleep: async () => {},
  });
  const models = new ModelRegistry([
    {
      info: { id: 'demo', provider: 'parley', name: 'Demo', contextWindow: null, available: true },
      model: createDemoModel({ delayMs: 0 }),
    },
    {
      info: { id: 'slow', provider: 'parley', name: 'Slow demo', contextWindow: null, available: true },
      model: createDemoModel({ delayMs: 40 }),
    },
    {
      info: { id: 'flaky/model', provider: 'flaky', name: 'Flaky', contextWindow: null, available: true },
      model: flaky,
      breakerState: () => breaker.state,
    },
  ]);
  const app = await buildApp({
    config,
    store,
    models,
    logger: options.logger ?? pino({ level: 'silent' }),
    heartbeatMs: options.heartbeatMs,
  });
  return {
    app,
    store,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
