import type { ListedModel, RegisteredModel } from './model-registry.js';
import { type ModelPrice, priceOf } from './prices.js';

/** What the model picker shows about a model besides what it reads: price, tools, reasoning. */
export interface ModelCapabilities {
  /** USD per million tokens; null when unknown (0 and 0 for the demo and local models). */
  price: ModelPrice | null;
  /** Parley offers it the conversation's tools (the in-process local model takes none). */
  tools: boolean;
  /** It reasons before answering by its settings (a MODELS_FILE `reasoning`). */
  reasoning: boolean;
}

export function withCapabilities(
  model: ListedModel,
  registered: Pick<RegisteredModel, 'reasoning'> | undefined,
): ListedModel & ModelCapabilities {
  return {
    ...model,
    price: priceOf(model),
    tools: model.provider !== 'local',
    reasoning: registered?.reasoning !== undefined,
  };
}
