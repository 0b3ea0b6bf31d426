import { createGoogleGenerativeAI } from '@ai-sdk/google';
import type { RegisteredModel } from '../model-registry.js';

export interface GoogleSettings {
  apiKey: string;
  /** e.g. https://generativelanguage.googleapis.com/v1beta (the default); a bare origin gets `/v1beta` added. */
  baseURL?: string;
  models?: readonly string[];
}

export const GOOGLE_DEFAULT_MODELS: readonly string[] = ['gemini-2.5-flash', 'gemini-2.5-pro'];

const KNOWN: Record<string, { name: string; contextWindow: number }> = {
  'gemini-2.5-flash': { name: 'Gemini 2.5 Flash', contextWindow: 1_048_576 },
  'gemini-2.5-pro': { name: 'Gemini 2.5 Pro', contextWindow: 1_048_576 },
  'gemini-2.5-flash-lite': { name: 'Gemini 2.5 Flash-Lite', contextWindow: 1_048_576 },
  'gemini-2.0-flash': { name: 'Gemini 2.0 Flash', contextWindow: 1_048_576 },
};

function apiBase(baseURL: string | undefined): string {
  if (!baseURL) return 'https://generativelanguage.googleapis.com/v1beta';
  const url = new URL(baseURL);
  return url.pathname === '/' ? `${url.origin}/v1beta` : baseURL.replace(/\/+$/, '');
}

/** Google Gemini models through the Generative Language API (streamGenerateContent, SSE). */
export function createGoogleModels(settings: GoogleSettings): RegisteredModel[] {
  const provider = createGoogleGenerativeAI({ apiKey: settings.apiKey, baseURL: apiBase(settings.baseURL) });
  const ids = [...new Set(settings.models ?? GOOGLE_DEFAULT_MODELS)];
  return ids.map((id) => ({
    info: {
      id: `google/${id}`,
      provider: 'google',
      name: KNOWN[id]?.name ?? id,
      contextWindow: KNOWN[id]?.contextWindow ?? null,
      available: true,
    },
    model: provider.chat(id),
  }));
}
