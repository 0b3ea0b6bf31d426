import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Logger } from 'pino';
import { type Config, ConfigError } from '../config.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { createDemoModel } from './demo-model.js';
import { withFallbacks } from './fallback.js';
import { ModelRegistry, type RegisteredModel } from './model-registry.js';
import { loadModelsFileSettings } from './models-file.js';
import { priceOf } from './prices.js';
import { PROVIDERS, type ProviderDescriptor } from './providers/index.js';
import {
  ReasoningSettingProblem,
  reasoningApiOf,
  reasoningProviderOptions,
  withProviderOptions,
} from './reasoning-options.js';
import { withResilience } from './resilience.js';

export interface ModelRegistryOptions {
  logger: Logger;
  /** Resolves MODELS_FILE `apiKeyEnv` (only config.ts reads process.env, so the caller passes it). */
  env?: Record<string, string | undefined>;
  /** The provider table; tests pass their own rows. */
  providers?: readonly ProviderDescriptor[];
}

/** What the resilience layer gets besides the entry it wraps. */
export interface RemoteModelContext {
  config: Config;
  logger: Logger;
  /** Looks a model up in the finished registry (for fallbacks); valid once startup is done. */
  lookup: (id: string) => RegisteredModel | undefined;
  /** One circuit breaker per provider. */
  breakers: Map<string, CircuitBreaker>;
  /** Each remote model with timeouts and retries but without fallbacks: what a fallback calls. */
  resilient: Map<string, LanguageModelV3>;
}

export const DEMO_CONTEXT_WINDOW = 8192;

function demoEntry(config: Pick<Config, 'demoDelayMs'>): RegisteredModel {
  return {
    info: {
      id: 'demo',
      provider: 'parley',
      name: 'Demo (built in)',
      // It answers only the newest question; a small model's window keeps its prompts (and the history
      // read for them) as small as a real small model's would be.
      contextWindow: DEMO_CONTEXT_WINDOW,
      // Everything, so the whole attachment path runs without a key: it describes what it received.
      input: ['text', 'image', 'pdf'],
      available: true,
    },
    model: createDemoModel({ delayMs: config.demoDelayMs }),
  };
}

/**
 * Every remote model passes through here once: timeouts, retries and its provider's circuit
 * breaker (one per provider, shared by its models, visible in `GET /api/models`), then its
 * fallback chain. Fallbacks are tried without their own fallbacks, so chains cannot loop.
 */
function wrapRemote(entry: RegisteredModel, context: RemoteModelContext): RegisteredModel {
  const provider = entry.info.provider;
  let breaker = context.breakers.get(provider);
  if (!breaker) {
    breaker = new CircuitBreaker({
      name: provider,
      onStateChange: ({ from, to, failures }) =>
        context.logger.warn({ provider, from, to, failures }, `circuit breaker for ${provider} is now ${to}`),
    });
    context.breakers.set(provider, breaker);
  }
  const resilient = withResilience(entry.model as LanguageModelV3, {
    provider,
    breaker,
    logger: context.logger,
    firstTokenTimeoutMs: context.config.modelFirstTokenTimeoutMs,
    idleTimeoutMs: context.config.modelIdleTimeoutMs,
    maxRetries: context.config.modelMaxRetries,
  });
  context.resilient.set(entry.info.id, resilient);
  const fallbacks = entry.fallbacks ?? [];
  const guarded = breaker;
  return {
    ...entry,
    model:
      fallbacks.length === 0
        ? resilient
        : withFallbacks(
            resilient,
            () =>
              fallbacks.flatMap((id) => {
                const model =
                  context.resilient.get(id) ?? (id === 'demo' ? context.lookup(id)?.model : undefined);
                return model ? [{ id, model: model as LanguageModelV3 }] : [];
              }),
            context.logger,
          ),
    breakerState: () => guarded.snapshot().state,
    breakerRetryInMs: () => guarded.snapshot().retryInMs,
  };
}

/** A configured provider's models, with its row (whose `remote` says how they are wrapped). */
interface ProviderBatch {
  descriptor: ProviderDescriptor;
  models: RegisteredModel[];
}

/**
 * The models of every configured provider, in table order: the first one is the default default.
 * A row is configured when its `enabledBy` setting is set; its file is imported only then.
 */
async function providerModels(
  config: Config,
  options: ModelRegistryOptions,
): Promise<{ batches: ProviderBatch[]; unlisted: Set<string> }> {
  const batches: ProviderBatch[] = [];
  // Providers whose model list could not be fetched: a reference to them is a warning, not an error.
  const unlisted = new Set<string>();
  for (const descriptor of options.providers ?? PROVIDERS) {
    const fields = descriptor.config;
    if (!config[fields.enabledBy]) continue;
    const factory = await descriptor.load();
    const built = await factory({
      descriptor,
      apiKey: fields.apiKey && config[fields.apiKey],
      baseURL: fields.baseUrl && config[fields.baseUrl],
      models: fields.models && config[fields.models],
      config,
      logger: options.logger,
      env: options.env ?? {},
    });
    if (built.unlisted) unlisted.add(descriptor.id);
    // The row's image limits go on each of its models, so callers ask the registry by model id.
    const models = built.models.map((entry) => ({
      ...entry,
      imageLimits: entry.imageLimits ?? { ...descriptor.imageLimits },
    }));
    batches.push({ descriptor, models });
  }
  return { batches, unlisted };
}

/**
 * MODELS_FILE fallbacks name registry ids (`openai/gpt-4o-mini`) or, for short, a model of the
 * same endpoint; here they become full ids, and a name that matches nothing stops startup.
 */
function resolveFallbacks(
  entry: RegisteredModel,
  known: Set<string>,
  unlisted: Set<string>,
  config: Config,
  logger: Logger,
): RegisteredModel {
  if (!entry.fallbacks) return entry;
  const resolved: string[] = [];
  for (const name of entry.fallbacks) {
    const id = known.has(name) ? name : `${entry.info.provider}/${name}`;
    if (id === entry.info.id) {
      throw new ConfigError(
        `Invalid setting MODELS_FILE=${JSON.stringify(config.modelsFile)}: model ${entry.info.id} lists itself as a fallback.`,
      );
    }
    if (known.has(id)) {
      if (!resolved.includes(id)) resolved.push(id);
    } else if (unlisted.has(name.split('/')[0] ?? '')) {
      logger.warn({ model: entry.info.id, fallback: name }, 'fallback model is not reachable now; skipped');
    } else {
      throw new ConfigError(
        `Invalid setting MODELS_FILE=${JSON.stringify(config.modelsFile)}: model ${entry.info.id} lists fallback "${name}", which is not a configured model.`,
      );
    }
  }
  return { ...entry, fallbacks: resolved };
}

/** A MODELS_FILE problem found once the providers are built, as the file's one-line error. */
function modelsFileError(config: Config, problem: string): ConfigError {
  return new ConfigError(`Invalid setting MODELS_FILE=${JSON.stringify(config.modelsFile)}: ${problem}.`);
}

/** Each model with its price: MODELS_FILE's when set, else the built-in list price or null (prices.ts). */
function withPrice(entry: RegisteredModel): RegisteredModel {
  return { ...entry, info: { ...entry.info, price: priceOf(entry.info) } };
}

/**
 * MODELS_FILE model settings (`reasoning:`, `price:`), put on the models they name: each such model is
 * wrapped so every call carries its provider's option (reasoning-options.ts). Done before the
 * resilience layer, so a fallback to the model carries it too. A setting for a model that is not
 * configured, or that its provider cannot take, stops startup with one line naming the field.
 * The file is read a second time here (a few lines, once): the endpoints' provider row returns
 * built models, not the file's settings.
 */
async function applyModelSettings(
  batches: ProviderBatch[],
  unlisted: Set<string>,
  config: Config,
  options: ModelRegistryOptions,
): Promise<ProviderBatch[]> {
  if (!config.modelsFile) return batches;
  const { settings } = await loadModelsFileSettings(config.modelsFile, options.env ?? {});
  if (settings.length === 0) return batches;
  const endpointIds = new Set(
    batches.flatMap((batch) =>
      batch.descriptor.namespacesFromSettings ? batch.models.map((entry) => entry.info.id) : [],
    ),
  );
  const byId = new Map(
    batches.flatMap((batch) => batch.models.map((entry) => [entry.info.id, entry] as const)),
  );
  for (const setting of settings) {
    const entry = byId.get(setting.id);
    if (!entry) {
      if (unlisted.has(setting.id.split('/')[0] ?? '')) {
        options.logger.warn(
          { model: setting.id },
          'model with MODELS_FILE settings is not reachable now; skipped',
        );
        continue;
      }
      throw modelsFileError(config, `${setting.at}.id "${setting.id}" is not a configured model`);
    }
    if (setting.price) {
      byId.set(setting.id, { ...entry, info: { ...entry.info, price: { ...setting.price } } });
    }
    const reasoning = setting.reasoning;
    if (!reasoning) continue;
    const api = reasoningApiOf(entry.info.provider, entry.model, endpointIds.has(entry.info.id));
    if (!api) {
      throw modelsFileError(
        config,
        `${setting.at}.reasoning is not supported for ${entry.info.provider} models (only OpenAI, Anthropic, Google Gemini and MODELS_FILE endpoints)`,
      );
    }
    let providerOptions: ReturnType<typeof reasoningProviderOptions>;
    try {
      providerOptions = reasoningProviderOptions(api, reasoning, `${setting.at}.reasoning`);
    } catch (error) {
      if (error instanceof ReasoningSettingProblem) throw modelsFileError(config, error.message);
      throw error;
    }
    const priced = byId.get(setting.id) ?? entry;
    byId.set(setting.id, {
      ...priced,
      model: await withProviderOptions(entry.model, providerOptions),
      reasoning: { ...reasoning },
    });
  }
  return batches.map((batch) => ({
    ...batch,
    models: batch.models.map((entry) => byId.get(entry.info.id) ?? entry),
  }));
}

function chooseDefault(
  config: Config,
  remote: RegisteredModel[],
  unlisted: Set<string>,
  logger: Logger,
): string | undefined {
  const wanted = config.defaultModel;
  if (wanted !== undefined && unlisted.has(wanted.split('/')[0] ?? '')) {
    // The provider is down at startup; refusing to start would make Parley depend on it.
    logger.warn({ defaultModel: wanted }, 'DEFAULT_MODEL is not reachable now; using another model');
    return remote[0]?.info.id ?? 'demo';
  }
  // An unknown DEFAULT_MODEL is reported by the registry, with the list of ids it could be.
  return wanted ?? remote[0]?.info.id ?? 'demo';
}

/**
 * The models configured by the settings: the demo model (always there), then each configured
 * provider's models. Throws a one-line ConfigError / "Invalid setting ..." error for bad settings.
 */
export async function createModelRegistry(
  config: Config,
  options: ModelRegistryOptions,
): Promise<ModelRegistry> {
  const { logger } = options;
  const listed = await providerModels(config, options);
  const { unlisted } = listed;
  const batches = await applyModelSettings(listed.batches, unlisted, config, options);
  const remoteEntries = batches.flatMap((batch) => (batch.descriptor.remote ? batch.models : []));
  const known = new Set(['demo', ...remoteEntries.map((entry) => entry.info.id)]);

  let registry: ModelRegistry | undefined;
  const context: RemoteModelContext = {
    config,
    logger,
    lookup: (id) => registry?.get(id),
    breakers: new Map(),
    resilient: new Map(),
  };
  const remote = remoteEntries.map((entry) =>
    wrapRemote(resolveFallbacks(entry, known, unlisted, config, logger), context),
  );
  // In-process models (LOCAL_MODEL_PATH) come after the remote ones: the default only when nothing
  // else is configured.
  const local = batches.flatMap((batch) => (batch.descriptor.remote ? [] : batch.models));
  registry = new ModelRegistry(
    [demoEntry(config), ...remote, ...local].map(withPrice),
    chooseDefault(config, [...remote, ...local], unlisted, logger),
  );
  logger.info(
    { models: [...remote, ...local].map((entry) => entry.info.id), defaultModel: registry.defaultModel },
    remote.length + local.length > 0
      ? 'models registered'
      : 'no model provider configured; only the demo model is offered',
  );
  return registry;
}
