import type { LanguageModel } from 'ai';
import type { ModelInputKind } from '../../shared/message-parts.js';
import type { ModelPrice } from './prices.js';
import type { ReasoningSetting } from './reasoning-options.js';

/** State of a provider's circuit breaker, as `GET /api/models` shows it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** What `GET /api/models` shows about a model. */
export interface ModelInfo {
  id: string;
  provider: string;
  name: string;
  contextWindow: number | null;
  /** What the model reads natively (`text` always; `image`, `pdf` for some). Text only when absent. */
  input?: ModelInputKind[];
  available: boolean;
  /** The provider's circuit breaker; null for models without one (demo, local). Filled by `list()`. */
  breaker?: BreakerState | null;
  /**
   * USD per million tokens: MODELS_FILE `price`, else the built-in list price (prices.ts); null
   * when unknown. Absent: not looked up yet (`priceOf` falls back to the built-in table).
   */
  price?: ModelPrice | null;
}

/** A model as listed: the breaker state is always filled in. */
export type ListedModel = Omit<ModelInfo, 'breaker' | 'input'> & {
  breaker: BreakerState | null;
  input: ModelInputKind[];
};

/**
 * The largest image a provider takes, for the resizer that runs before a model call: the longer
 * side in pixels, and the file's size in bytes (raw bytes, before any base64 encoding).
 */
export interface ImageLimits {
  maxDimension: number;
  maxBytes: number;
}

/** For models whose provider states no limits of its own (MODELS_FILE endpoints, demo, local). */
export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = { maxDimension: 2048, maxBytes: 10 * 1024 * 1024 };

export interface RegisteredModel {
  info: ModelInfo;
  model: LanguageModel;
  /** Its provider's image limits (filled from the provider table at startup); the defaults when absent. */
  imageLimits?: ImageLimits;
  /** Registry ids to try, in order, when this model fails before its first token (MODELS_FILE `fallbacks`). */
  fallbacks?: string[];
  /** Live breaker state of the model's provider; read on every `list()`, so the listing is never stale. */
  breakerState?: () => BreakerState | null;
  /** While the breaker is open: ms until it lets a trial call through (null otherwise). */
  breakerRetryInMs?: () => number | null;
  /** Its MODELS_FILE reasoning setting, which every call of `model` carries (reasoning-options.ts). */
  reasoning?: ReasoningSetting;
}

/** The models this Parley can reach, by id. Providers add their models at startup. */
export class ModelRegistry {
  private readonly models = new Map<string, RegisteredModel>();
  readonly defaultModel: string;

  constructor(models: RegisteredModel[], defaultModel?: string) {
    for (const entry of models) this.models.set(entry.info.id, entry);
    const first = models[0];
    if (!first) throw new Error('A model registry needs at least one model.');
    if (defaultModel !== undefined && !this.models.has(defaultModel)) {
      throw new Error(
        `Invalid setting DEFAULT_MODEL=${JSON.stringify(defaultModel)}: expected one of ${[...this.models.keys()].join(', ')}.`,
      );
    }
    this.defaultModel = defaultModel ?? first.info.id;
  }

  list(): ListedModel[] {
    return [...this.models.values()].map((entry) => ({
      ...entry.info,
      breaker: entry.breakerState?.() ?? entry.info.breaker ?? null,
      input: entry.info.input ?? ['text'],
    }));
  }

  has(id: string): boolean {
    return this.models.has(id);
  }

  get(id: string): RegisteredModel | undefined {
    return this.models.get(id);
  }

  /** The image limits for a model id; the defaults for an unknown id, so a caller can always resize. */
  imageLimits(id: string): ImageLimits {
    return { ...(this.models.get(id)?.imageLimits ?? DEFAULT_IMAGE_LIMITS) };
  }
}
