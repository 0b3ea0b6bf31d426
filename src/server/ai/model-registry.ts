import type { LanguageModel } from 'ai';

/** What `GET /api/models` shows about a model. */
export interface ModelInfo {
  id: string;
  provider: string;
  name: string;
  contextWindow: number | null;
  available: boolean;
}

export interface RegisteredModel {
  info: ModelInfo;
  model: LanguageModel;
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

  list(): ModelInfo[] {
    return [...this.models.values()].map((entry) => entry.info);
  }

  has(id: string): boolean {
    return this.models.has(id);
  }

  get(id: string): RegisteredModel | undefined {
    return this.models.get(id);
  }
}
