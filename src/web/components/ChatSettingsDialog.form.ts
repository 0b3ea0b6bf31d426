import {
  MAX_OUTPUT_TOKENS_LIMIT,
  MAX_SYSTEM_PROMPT_CHARS,
  MAX_TEMPERATURE,
} from '../../shared/api-schemas.js';
import type { ChatSettingsPatch, Conversation, ModelInfo } from '../api.js';

/**
 * The chat settings dialog's logic, apart from React: the form's text fields from a conversation,
 * their checks, the patch of what changed, and which field a server error is about.
 */

export interface SettingsForm {
  systemPrompt: string;
  model: string;
  tools: string[];
  /** As typed; '' is the provider's default. */
  temperature: string;
  /** As typed; '' is the provider's default. */
  maxOutputTokens: string;
}

export type SettingsField = 'systemPrompt' | 'model' | 'tools' | 'temperature' | 'maxOutputTokens';
export type FieldErrors = Partial<Record<SettingsField | 'form', string>>;

export function formOf(conversation: Conversation): SettingsForm {
  return {
    systemPrompt: conversation.systemPrompt ?? '',
    model: conversation.model,
    tools: [...conversation.tools],
    temperature: conversation.temperature === null ? '' : String(conversation.temperature),
    maxOutputTokens: conversation.maxOutputTokens === null ? '' : String(conversation.maxOutputTokens),
  };
}

/** The most output tokens `model` may be asked for: its context window when known, else the API's cap. */
export function maxTokensLimit(model: Pick<ModelInfo, 'contextWindow'> | undefined): number {
  const window = model?.contextWindow ?? null;
  return window === null ? MAX_OUTPUT_TOKENS_LIMIT : Math.min(window, MAX_OUTPUT_TOKENS_LIMIT);
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((item, i) => item === b[i]);

/**
 * The PATCH body of what changed (empty: nothing did), or the problems to show by each field.
 * Checked here with the server's own bounds so most mistakes are named before a round trip; the
 * server checks again, and its answer is shown by `fieldOfError`.
 */
export function patchOf(
  form: SettingsForm,
  saved: Conversation,
  limit: number,
): { patch: ChatSettingsPatch } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const temperatureText = form.temperature.trim();
  const temperature = temperatureText === '' ? null : Number(temperatureText);
  if (
    temperature !== null &&
    (!Number.isFinite(temperature) || temperature < 0 || temperature > MAX_TEMPERATURE)
  ) {
    errors.temperature = `Temperature must be a number from 0 to ${MAX_TEMPERATURE}, or empty for the default.`;
  }
  const tokensText = form.maxOutputTokens.trim();
  const maxOutputTokens = tokensText === '' ? null : Number(tokensText);
  if (
    maxOutputTokens !== null &&
    (!Number.isInteger(maxOutputTokens) || maxOutputTokens < 1 || maxOutputTokens > limit)
  ) {
    errors.maxOutputTokens = `Max output tokens must be a whole number from 1 to ${limit.toLocaleString('en-US')}, or empty for the default.`;
  }
  if (form.systemPrompt.length > MAX_SYSTEM_PROMPT_CHARS) {
    errors.systemPrompt = `The system prompt is ${form.systemPrompt.length.toLocaleString('en-US')} characters; at most ${MAX_SYSTEM_PROMPT_CHARS.toLocaleString('en-US')}.`;
  }
  if (Object.keys(errors).length > 0) return { errors };

  const patch: ChatSettingsPatch = {};
  const systemPrompt = form.systemPrompt.trim() === '' ? null : form.systemPrompt;
  if (systemPrompt !== saved.systemPrompt) patch.systemPrompt = systemPrompt;
  if (form.model !== saved.model) patch.model = form.model;
  if (!sameList(form.tools, saved.tools)) patch.tools = form.tools;
  if (temperature !== saved.temperature) patch.temperature = temperature;
  if (maxOutputTokens !== saved.maxOutputTokens) patch.maxOutputTokens = maxOutputTokens;
  return { patch };
}

/**
 * The field a server refusal is about, from the place its message names (`body/temperature`,
 * `unknown_tool`...); 'form' when it names none (shown above the buttons).
 */
export function fieldOfError(message: string, code: string): SettingsField | 'form' {
  if (/temperature/i.test(message)) return 'temperature';
  if (/maxOutputTokens|output tokens/i.test(message)) return 'maxOutputTokens';
  if (/systemPrompt|system prompt/i.test(message)) return 'systemPrompt';
  if (code === 'unknown_tool' || /body\/tools/.test(message)) return 'tools';
  if (code === 'unknown_model' || code === 'model_not_allowed' || /body\/model/.test(message)) return 'model';
  return 'form';
}

/** "1,234 / 20,000": the system prompt's length against its limit. */
export const lengthNote = (text: string) =>
  `${text.length.toLocaleString('en-US')} / ${MAX_SYSTEM_PROMPT_CHARS.toLocaleString('en-US')}`;
