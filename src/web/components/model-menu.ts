import type { ModelInfo } from '../api.js';

/** The model picker's logic, apart from React: groups, search, price and capability labels. */

export interface ModelGroup {
  provider: string;
  label: string;
  models: ModelInfo[];
}

const PROVIDER_NAMES: Record<string, string> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  google: 'Google',
  ollama: 'Ollama',
  local: 'On this server',
  parley: 'Built in',
};

export const providerLabel = (provider: string): string => PROVIDER_NAMES[provider] ?? provider;

/** The demo model's provider: listed last once real providers exist (it is a try-out, not a choice). */
const BUILT_IN = 'parley';

/**
 * Models by provider, in the server's order (its first provider is the default one), the demo's
 * group last when there are others; only the models whose name, id or provider match `query`.
 */
export function groupModels(models: readonly ModelInfo[], query = ''): ModelGroup[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (model: ModelInfo) => {
    const text = `${model.name} ${model.id} ${providerLabel(model.provider)}`.toLowerCase();
    return words.every((word) => text.includes(word));
  };
  const groups = new Map<string, ModelGroup>();
  for (const model of models) {
    if (!matches(model)) continue;
    let group = groups.get(model.provider);
    if (!group) {
      group = { provider: model.provider, label: providerLabel(model.provider), models: [] };
      groups.set(model.provider, group);
    }
    group.models.push(model);
  }
  const list = [...groups.values()];
  const builtIn = list.filter((group) => group.provider === BUILT_IN);
  return [...list.filter((group) => group.provider !== BUILT_IN), ...builtIn];
}

/** The options in the order shown (what the arrow keys walk). */
export const flatten = (groups: readonly ModelGroup[]): ModelInfo[] =>
  groups.flatMap((group) => group.models);

/** $2, $0.60, $0.075: cents shown when there are any, a third decimal only when needed. */
export function dollars(n: number): string {
  if (Number.isInteger(n)) return `$${n}`;
  const cents = n.toFixed(2);
  return `$${Number(cents) === n ? cents : Number(n.toFixed(3))}`;
}

/** "$0.15 / $0.60 per 1M tokens" (input / output), "free", or '' when the price is unknown. */
export function priceLabel(model: Pick<ModelInfo, 'price'>): string {
  const { price } = model;
  if (!price) return '';
  if (price.input === 0 && price.output === 0) return 'free';
  return `${dollars(price.input)} / ${dollars(price.output)} per 1M tokens`;
}

/** Short capability badges: what it reads besides text, tools, reasoning. */
export function capabilityBadges(model: ModelInfo): string[] {
  const badges: string[] = [];
  if (model.input.includes('image')) badges.push('images');
  if (model.input.includes('pdf')) badges.push('PDFs');
  if (model.tools) badges.push('tools');
  if (model.reasoning) badges.push('reasoning');
  return badges;
}

/** Why a model cannot be picked, or is unwell; '' when it is fine. */
export function health(model: ModelInfo): string {
  if (!model.available) return 'unavailable';
  if (model.breaker === 'open') return 'failing: paused after repeated errors';
  if (model.breaker === 'half-open') return 'recovering';
  return '';
}

/** What a model reads besides text ("reads images and PDFs"). */
export function readsNote(model: ModelInfo): string {
  const kinds = [model.input.includes('image') && 'images', model.input.includes('pdf') && 'PDFs'];
  const named = kinds.filter((kind): kind is string => Boolean(kind));
  return named.length > 0 ? `reads ${named.join(' and ')}` : '';
}

/** The next option the arrow keys reach from `index` (skipping unavailable ones); -1 for none. */
export function step(models: readonly ModelInfo[], index: number, by: 1 | -1): number {
  for (let i = 1; i <= models.length; i++) {
    const next = (((index + by * i) % models.length) + models.length) % models.length;
    if (models[next]?.available) return next;
  }
  return -1;
}
