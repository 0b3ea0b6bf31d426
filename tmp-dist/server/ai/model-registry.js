/** For models whose provider states no limits of its own (MODELS_FILE endpoints, demo, local). */
export const DEFAULT_IMAGE_LIMITS = { maxDimension: 2048, maxBytes: 10 * 1024 * 1024 };
/** The models this Parley can reach, by id. Providers add their models at startup. */
export class ModelRegistry {
    models = new Map();
    defaultModel;
    constructor(models, defaultModel) {
        for (const entry of models)
            this.models.set(entry.info.id, entry);
        const first = models[0];
        if (!first)
            throw new Error('A model registry needs at least one model.');
        if (defaultModel !== undefined && !this.models.has(defaultModel)) {
            throw new Error(`Invalid setting DEFAULT_MODEL=${JSON.stringify(defaultModel)}: expected one of ${[...this.models.keys()].join(', ')}.`);
        }
        this.defaultModel = defaultModel ?? first.info.id;
    }
    list() {
        return [...this.models.values()].map((entry) => ({
            ...entry.info,
            breaker: entry.breakerState?.() ?? entry.info.breaker ?? null,
            input: entry.info.input ?? ['text'],
        }));
    }
    has(id) {
        return this.models.has(id);
    }
    get(id) {
        return this.models.get(id);
    }
    /** The image limits for a model id; the defaults for an unknown id, so a caller can always resize. */
    imageLimits(id) {
        return { ...(this.models.get(id)?.imageLimits ?? DEFAULT_IMAGE_LIMITS) };
    }
}
