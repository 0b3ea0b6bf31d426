import { ConfigError } from '../config.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { createDemoModel } from './demo-model.js';
import { withFallbacks } from './fallback.js';
import { ModelRegistry } from './model-registry.js';
import { PROVIDERS } from './providers/index.js';
import { withResilience } from './resilience.js';
export const DEMO_CONTEXT_WINDOW = 8192;
function demoEntry(config) {
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
function wrapRemote(entry, context) {
    const provider = entry.info.provider;
    let breaker = context.breakers.get(provider);
    if (!breaker) {
        breaker = new CircuitBreaker({
            name: provider,
            onStateChange: ({ from, to, failures }) => context.logger.warn({ provider, from, to, failures }, `circuit breaker for ${provider} is now ${to}`),
        });
        context.breakers.set(provider, breaker);
    }
    const resilient = withResilience(entry.model, {
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
        model: fallbacks.length === 0
            ? resilient
            : withFallbacks(resilient, () => fallbacks.flatMap((id) => {
                const model = context.resilient.get(id) ?? (id === 'demo' ? context.lookup(id)?.model : undefined);
                return model ? [{ id, model: model }] : [];
            }), context.logger),
        breakerState: () => guarded.snapshot().state,
    };
}
/**
 * The models of every configured provider, in table order: the first one is the default default.
 * A row is configured when its `enabledBy` setting is set; its file is imported only then.
 */
async function providerModels(config, options) {
    const batches = [];
    // Providers whose model list could not be fetched: a reference to them is a warning, not an error.
    const unlisted = new Set();
    for (const descriptor of options.providers ?? PROVIDERS) {
        const fields = descriptor.config;
        if (!config[fields.enabledBy])
            continue;
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
        if (built.unlisted)
            unlisted.add(descriptor.id);
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
function resolveFallbacks(entry, known, unlisted, config, logger) {
    if (!entry.fallbacks)
        return entry;
    const resolved = [];
    for (const name of entry.fallbacks) {
        const id = known.has(name) ? name : `${entry.info.provider}/${name}`;
        if (id === entry.info.id) {
            throw new ConfigError(`Invalid setting MODELS_FILE=${JSON.stringify(config.modelsFile)}: model ${entry.info.id} lists itself as a fallback.`);
        }
        if (known.has(id)) {
            if (!resolved.includes(id))
                resolved.push(id);
        }
        else if (unlisted.has(name.split('/')[0] ?? '')) {
            logger.warn({ model: entry.info.id, fallback: name }, 'fallback model is not reachable now; skipped');
        }
        else {
            throw new ConfigError(`Invalid setting MODELS_FILE=${JSON.stringify(config.modelsFile)}: model ${entry.info.id} lists fallback "${name}", which is not a configured model.`);
        }
    }
    return { ...entry, fallbacks: resolved };
}
function chooseDefault(config, remote, unlisted, logger) {
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
export async function createModelRegistry(config, options) {
    const { logger } = options;
    const { batches, unlisted } = await providerModels(config, options);
    const remoteEntries = batches.flatMap((batch) => (batch.descriptor.remote ? batch.models : []));
    const known = new Set(['demo', ...remoteEntries.map((entry) => entry.info.id)]);
    let registry;
    const context = {
        config,
        logger,
        lookup: (id) => registry?.get(id),
        breakers: new Map(),
        resilient: new Map(),
    };
    const remote = remoteEntries.map((entry) => wrapRemote(resolveFallbacks(entry, known, unlisted, config, logger), context));
    // In-process models (LOCAL_MODEL_PATH) come after the remote ones: the default only when nothing
    // else is configured.
    const local = batches.flatMap((batch) => (batch.descriptor.remote ? [] : batch.models));
    registry = new ModelRegistry([demoEntry(config), ...remote, ...local], chooseDefault(config, [...remote, ...local], unlisted, logger));
    logger.info({ models: [...remote, ...local].map((entry) => entry.info.id), defaultModel: registry.defaultModel }, remote.length + local.length > 0
        ? 'models registered'
        : 'no model provider configured; only the demo model is offered');
    return registry;
}
