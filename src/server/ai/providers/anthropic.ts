import { createAnthropic } from '@ai-sdk/anthropic';
import type { RegisteredModel } from '../model-registry.js';

export interface AnthropicSettings {
  apiKey: string;
  /** e.g. https://api.anthropic.com/v1 (the default); a bare origin gets `/v1` added. */
  baseURL?: string;
  models?: readonly string[];
}

export const ANTHROPIC_DEFAULT_MODELS: readonly string[] = ['claude-sonnet-4-5', 'claude-haiku-4-5'];

const KNOWN: Record<string, { name: string; contextWindow: number }> = {
  'claude-sonnet-4-5': { name: 'Claude Sonnet 4.5', contextWindow: 200_000 },
  'claude-haiku-4-5': { name: 'Claude Haiku 4.5', contextWindow: 200_000 },
  'claude-opus-4-1': { name: 'Claude Opus 4.1', contextWindow: 200_000 },
  'claude-sonnet-4-0': { name: 'Claude Sonnet 4', contextWindow: 200_000 },
};

// Anthropic's own SDKs take the origin (https://api.anthropic.com) while the AI SDK wants `.../v1`;
// accept both so a value copied from another tool works.
function apiBase(baseURL: string | undefined): string {
  if (!baseURL) return 'https://api.anthropic.com/v1';
  const url = new URL(baseURL);
  return url.pathname === '/' ? `${url.origin}/v1` : baseURL.replace(/\/+$/, '');
}

/** Anthropic models through the Messages API. */
export function createAnthropicModels(settings: AnthropicSettings): RegisteredModel[] {
  const provider = createAnthropic({ apiKey: settings.apiKey, baseURL: apiBase(settings.baseURL) });
  const ids = [...new Set(settings.models ?? ANTHROPIC_DEFAULT_MODELS)];
  return ids.map((id) => ({
    info: {
      id: `anthropic/${id}`,
      provider: 'anthropic',
      name: KNOWN[id]?.name ?? id,
      contextWindow: KNOWN[id]?.contextWindow ?? null,
      available: true,
    },
    model: provider.messages(id),
  }));
}
