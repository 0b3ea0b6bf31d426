import { createOpenAI } from '@ai-sdk/openai';
import type { RegisteredModel } from '../model-registry.js';

export interface OpenAISettings {
  apiKey: string;
  /** e.g. https://api.openai.com/v1 (the default) or a proxy speaking the same API. */
  baseURL?: string;
  /** Model ids to offer; the built-in list when unset. */
  models?: readonly string[];
}

export const OPENAI_DEFAULT_MODELS: readonly string[] = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1'];

const KNOWN: Record<string, { name: string; contextWindow: number }> = {
  'gpt-4o': { name: 'GPT-4o', contextWindow: 128_000 },
  'gpt-4o-mini': { name: 'GPT-4o mini', contextWindow: 128_000 },
  'gpt-4.1': { name: 'GPT-4.1', contextWindow: 1_047_576 },
  'gpt-4.1-mini': { name: 'GPT-4.1 mini', contextWindow: 1_047_576 },
  'gpt-4.1-nano': { name: 'GPT-4.1 nano', contextWindow: 1_047_576 },
  'gpt-5': { name: 'GPT-5', contextWindow: 400_000 },
  'gpt-5-mini': { name: 'GPT-5 mini', contextWindow: 400_000 },
};

/** A base URL without a path means the API root, so `http://host:port` works as well as `.../v1`. */
function apiBase(baseURL: string | undefined): string {
  if (!baseURL) return 'https://api.openai.com/v1';
  const url = new URL(baseURL);
  return url.pathname === '/' ? `${url.origin}/v1` : baseURL.replace(/\/+$/, '');
}

/** OpenAI models, called through Chat Completions (`.chat()`): the plain provider call would use the Responses API. */
export function createOpenAIModels(settings: OpenAISettings): RegisteredModel[] {
  // baseURL is always passed: left undefined, the SDK would read OPENAI_BASE_URL from the environment itself.
  const provider = createOpenAI({ apiKey: settings.apiKey, baseURL: apiBase(settings.baseURL) });
  const ids = [...new Set(settings.models ?? OPENAI_DEFAULT_MODELS)];
  return ids.map((id) => ({
    info: {
      id: `openai/${id}`,
      provider: 'openai',
      name: KNOWN[id]?.name ?? id,
      contextWindow: KNOWN[id]?.contextWindow ?? null,
      available: true,
    },
    model: provider.chat(id),
  }));
}
