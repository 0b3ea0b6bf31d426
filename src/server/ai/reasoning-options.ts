import type { LanguageModelV3, SharedV3ProviderOptions } from '@ai-sdk/provider';
import type { LanguageModel } from 'ai';

/**
 * Per-model reasoning settings (MODELS_FILE `reasoning:`): how hard a reasoning model thinks, as
 * each provider's own call option. The setting is written once per model; every call of that model
 * (runs, the /v1 gateway, fallbacks) then carries it, because the model itself is wrapped: its
 * doStream/doGenerate merge these provider options under the caller's (a caller's own value wins).
 *
 *   OpenAI (Chat Completions)       providerOptions.openai.reasoningEffort          → reasoning_effort
 *   OpenAI (Responses API)          + reasoningSummary 'auto'                       → reasoning: {effort, summary}
 *   OpenAI-compatible (DeepSeek...) providerOptions.openaiCompatible.reasoningEffort → reasoning_effort
 *   Anthropic                       providerOptions.anthropic.thinking {type:'enabled', budgetTokens}
 *                                                                                   → thinking: {type, budget_tokens}
 *   Google Gemini                   providerOptions.google.thinkingConfig {thinkingBudget, includeThoughts}
 *                                                                                   → generationConfig.thinkingConfig
 */

export const REASONING_EFFORTS = ['low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** Anthropic's smallest thinking budget; the settings file takes no less. */
export const MIN_BUDGET_TOKENS = 1024;

/** One of the two, as the file gives it (checked there: exactly one is set). */
export interface ReasoningSetting {
  effort?: ReasoningEffort;
  budgetTokens?: number;
}

/** The thinking budget an effort stands for, where a provider takes budgets (Anthropic, Gemini). */
export const EFFORT_BUDGET_TOKENS: Readonly<Record<ReasoningEffort, number>> = {
  low: 2048,
  medium: 8192,
  high: 24_576,
};

/** The provider APIs that take a reasoning setting, each with its own option. */
export type ReasoningApi = 'openai-chat' | 'openai-responses' | 'openai-compatible' | 'anthropic' | 'google';

/** How sentences name an API's models ("budgetTokens is not supported by OpenAI models"). */
const API_NAMES: Record<ReasoningApi, string> = {
  'openai-chat': 'OpenAI',
  'openai-responses': 'OpenAI',
  'openai-compatible': 'OpenAI-compatible endpoint',
  anthropic: 'Anthropic',
  google: 'Google Gemini',
};

/**
 * The reasoning API of a registered model, from its registry provider (`openai`, `anthropic`,
 * `google`, a MODELS_FILE endpoint's name) and its SDK model (`openai.chat` or `openai.responses`).
 * Undefined for a provider that takes no reasoning setting (Ollama, the local model, the demo).
 */
export function reasoningApiOf(
  registryProvider: string,
  model: LanguageModel,
  isEndpoint: boolean,
): ReasoningApi | undefined {
  const sdkProvider = typeof model === 'string' ? '' : model.provider;
  if (isEndpoint) return 'openai-compatible';
  switch (registryProvider) {
    case 'openai':
      return sdkProvider === 'openai.responses' ? 'openai-responses' : 'openai-chat';
    case 'anthropic':
      return 'anthropic';
    case 'google':
      return 'google';
    default:
      return undefined;
  }
}

/** Thrown for a setting the model's API cannot take; the message is the problem, field path first. */
export class ReasoningSettingProblem extends Error {}

/**
 * The provider options a setting means for an API. `at` is the setting's field path in the file
 * (`endpoints[0].models[1].reasoning`), named by the error when the API cannot take the setting.
 */
export function reasoningProviderOptions(
  api: ReasoningApi,
  setting: ReasoningSetting,
  at: string,
): SharedV3ProviderOptions {
  const budget = setting.budgetTokens ?? EFFORT_BUDGET_TOKENS[setting.effort ?? 'medium'];
  switch (api) {
    case 'openai-chat':
    case 'openai-responses':
    case 'openai-compatible': {
      if (setting.effort === undefined) {
        throw new ReasoningSettingProblem(
          `${at}.budgetTokens is not supported by ${API_NAMES[api]} models; use effort (${REASONING_EFFORTS.join(', ')})`,
        );
      }
      if (api === 'openai-compatible') return { openaiCompatible: { reasoningEffort: setting.effort } };
      // The Responses API returns reasoning as summaries, and only when asked for them.
      return {
        openai: {
          reasoningEffort: setting.effort,
          ...(api === 'openai-responses' ? { reasoningSummary: 'auto' } : {}),
        },
      };
    }
    case 'anthropic':
      return { anthropic: { thinking: { type: 'enabled', budgetTokens: budget } } };
    case 'google':
      return { google: { thinkingConfig: { thinkingBudget: budget, includeThoughts: true } } };
  }
}

/**
 * The model with these provider options on every call, under the caller's own (the AI SDK's
 * defaultSettingsMiddleware: a deep merge where the call's values win). The SDK's `ai` package is
 * imported only here, when some model has a setting: it is slow to load and most setups need none.
 */
export async function withProviderOptions(
  model: LanguageModel,
  providerOptions: SharedV3ProviderOptions,
): Promise<LanguageModel> {
  if (typeof model === 'string' || model.specificationVersion !== 'v3') return model;
  const { defaultSettingsMiddleware, wrapLanguageModel } = await import('ai');
  return wrapLanguageModel({
    model: model as LanguageModelV3,
    middleware: defaultSettingsMiddleware({ settings: { providerOptions } }),
  });
}
