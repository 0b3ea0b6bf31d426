/**
 * The OpenTelemetry GenAI semantic conventions Parley's model spans follow (attribute names and
 * well-known values). Copied rather than imported: in @opentelemetry/semantic-conventions they are
 * experimental (deprecated there since the move to the semantic-conventions-genai repository), and
 * the package advises copying unstable names instead of depending on them.
 */

export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  conversationId: 'gen_ai.conversation.id',
  requestModel: 'gen_ai.request.model',
  requestTemperature: 'gen_ai.request.temperature',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  responseTimeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  systemInstructions: 'gen_ai.system_instructions',
  inputMessages: 'gen_ai.input.messages',
  errorType: 'error.type',
} as const;

/** Parley provider ids whose service has a well-known `gen_ai.provider.name`. */
const WELL_KNOWN_PROVIDERS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  // Parley's `google` provider is the Gemini API (AI Studio), not Vertex AI.
  google: 'gcp.gemini',
};

/**
 * The `gen_ai.provider.name` of a Parley provider id. Others have no well-known value (Ollama, the
 * in-process model, the demo, MODELS_FILE endpoints named by the operator): the spec asks for the
 * provider's own name then, which is the id Parley shows for it.
 */
export function genAiProviderName(provider: string): string {
  return WELL_KNOWN_PROVIDERS[provider] ?? provider;
}

/**
 * The model name as the provider knows it: registry ids carry the provider's prefix
 * (`openai/gpt-4o`, `<endpoint>/<model>`), which the provider's API never sees.
 */
export function providerModelName(provider: string, modelId: string): string {
  return modelId.startsWith(`${provider}/`) ? modelId.slice(provider.length + 1) : modelId;
}

/**
 * A low-cardinality `error.type` for a failed model call, from the sentence Parley shows the user
 * (the run manager hands over no error object): the provider's HTTP status when it names one, a
 * timeout, an open circuit, else the spec's `_OTHER`.
 */
export function modelErrorType(message: string): string {
  if (/circuit open/i.test(message)) return 'circuit_open';
  if (/timeout|did not start answering|stopped sending/i.test(message)) return 'timeout';
  const status = /\b([45]\d\d)\b/.exec(message)?.[1];
  return status ?? '_OTHER';
}

interface MessageLike {
  role: string;
  content: unknown;
}

/** One message part in the conventions' JSON schema: text is kept, other parts by their type only. */
function part(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') return { type: 'text', content: value };
  const record = (value ?? {}) as { type?: unknown; text?: unknown };
  if (record.type === 'text' && typeof record.text === 'string')
    return { type: 'text', content: record.text };
  return { type: typeof record.type === 'string' ? record.type : 'unknown' };
}

/** `gen_ai.input.messages` (JSON, as the conventions allow on spans): only with LOG_MESSAGE_CONTENT. */
export function inputMessages(messages: readonly MessageLike[]): string {
  return JSON.stringify(
    messages.map((message) => ({
      role: message.role,
      parts: Array.isArray(message.content) ? message.content.map(part) : [part(message.content)],
    })),
  );
}

/** `gen_ai.system_instructions` (JSON): only with LOG_MESSAGE_CONTENT. */
export function systemInstructions(system: string): string {
  return JSON.stringify([{ type: 'text', content: system }]);
}
