/**
 * What a model costs, in US dollars per million tokens (input = prompt, output = completion).
 *
 * The table holds the providers' public LIST prices as of 2025-10, for the well-known models of the
 * built-in providers (OpenAI, Anthropic, Google Gemini). They change, and discounts (batch, cached
 * input, negotiated rates, Gemini's long-prompt tier) are not in them: a MODELS_FILE `price:` for a
 * model (`models: [{ id: openai/gpt-4o, price: { input: 2.5, output: 10 } }]`) overrides them.
 * The demo model and in-process/Ollama models cost 0; any other model has no known price (null),
 * and its usage is counted without a cost.
 */
export interface ModelPrice {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
}

const p = (input: number, output: number): ModelPrice => ({ input, output });

/** By provider, then model id; an id also prices its dated snapshots (`gpt-4o-2024-08-06`). */
const LIST_PRICES: Record<string, Record<string, ModelPrice>> = {
  openai: {
    'gpt-5': p(1.25, 10),
    'gpt-5-mini': p(0.25, 2),
    'gpt-5-nano': p(0.05, 0.4),
    'gpt-4.1': p(2, 8),
    'gpt-4.1-mini': p(0.4, 1.6),
    'gpt-4.1-nano': p(0.1, 0.4),
    'gpt-4o': p(2.5, 10),
    'gpt-4o-mini': p(0.15, 0.6),
    'gpt-4-turbo': p(10, 30),
    'gpt-3.5-turbo': p(0.5, 1.5),
    o1: p(15, 60),
    'o1-mini': p(1.1, 4.4),
    'o1-pro': p(150, 600),
    o3: p(2, 8),
    'o3-mini': p(1.1, 4.4),
    'o3-pro': p(20, 80),
    'o4-mini': p(1.1, 4.4),
  },
  anthropic: {
    'claude-opus-4-1': p(15, 75),
    'claude-opus-4': p(15, 75),
    'claude-sonnet-4-5': p(3, 15),
    'claude-sonnet-4': p(3, 15),
    'claude-haiku-4-5': p(1, 5),
    'claude-3-7-sonnet': p(3, 15),
    'claude-3-5-sonnet': p(3, 15),
    'claude-3-5-haiku': p(0.8, 4),
    'claude-3-opus': p(15, 75),
    'claude-3-haiku': p(0.25, 1.25),
  },
  google: {
    'gemini-2.5-pro': p(1.25, 10),
    'gemini-2.5-flash': p(0.3, 2.5),
    'gemini-2.5-flash-lite': p(0.1, 0.4),
    'gemini-2.0-flash': p(0.1, 0.4),
    'gemini-2.0-flash-lite': p(0.075, 0.3),
    'gemini-1.5-pro': p(1.25, 5),
    'gemini-1.5-flash': p(0.075, 0.3),
  },
};

/** Providers whose models run on the operator's own hardware (or are Parley's demo): no per-token bill. */
const FREE_PROVIDERS = new Set(['parley', 'local', 'ollama']);

/**
 * The built-in price of a model, by its provider and registry id (`openai/gpt-4o-2024-08-06`):
 * the longest table id the model id starts with (followed by `-`, `@` or nothing); 0 for the demo
 * and local models; null when unknown.
 */
export function builtinPrice(provider: string, registryId: string): ModelPrice | null {
  if (registryId === 'demo' || FREE_PROVIDERS.has(provider)) return p(0, 0);
  const table = LIST_PRICES[provider];
  if (!table) return null;
  const id = registryId.startsWith(`${provider}/`) ? registryId.slice(provider.length + 1) : registryId;
  let best: string | undefined;
  for (const known of Object.keys(table)) {
    if (id !== known && !id.startsWith(`${known}-`) && !id.startsWith(`${known}@`)) continue;
    if (best === undefined || known.length > best.length) best = known;
  }
  return best === undefined ? null : { ...(table[best] as ModelPrice) };
}

/** The price of a model: its own (MODELS_FILE) when set, else the built-in one. */
export function priceOf(info: {
  id: string;
  provider: string;
  price?: ModelPrice | null;
}): ModelPrice | null {
  return info.price !== undefined ? info.price : builtinPrice(info.provider, info.id);
}

/** A call's cost in millionths of a dollar (USD per million tokens × tokens), rounded; null without a price. */
export function costMicros(
  price: ModelPrice | null,
  inputTokens: number,
  outputTokens: number,
): number | null {
  if (!price) return null;
  return Math.round(inputTokens * price.input + outputTokens * price.output);
}
