import type { JSONObject, JSONSchema7, SharedV3ProviderOptions } from '@ai-sdk/provider';
import type { OutputInterface } from 'ai';
import { GATEWAY_OPTIONS_KEY, type GatewayCallOptions } from '../ai/resilience.js';
import { invalidRequest } from './errors.js';
import type { CompletionCall, JsonResponseFormat } from './request.js';

/**
 * The parameters that are not AI SDK call settings, in the form each provider takes them. Log
 * probabilities and the end-user id exist only in OpenAI's own API (the AI SDK reaches them through
 * `providerOptions.openai`); the response format is an AI SDK setting every provider maps to its
 * JSON mode or structured output.
 */

/** The model a call goes to, as the registry holds it. */
export interface CallTarget {
  /** Registry provider id (`openai`, `anthropic`, a MODELS_FILE endpoint name...). */
  providerId: string;
  /** The AI SDK model's provider (`openai.chat`). */
  sdkProvider: string;
  name: string;
}

/** OpenAI itself: the only provider the AI SDK takes log probabilities and `user` for. */
const isOpenAI = (target: CallTarget) =>
  target.providerId === 'openai' && target.sdkProvider.startsWith('openai.');

const isAnthropic = (target: CallTarget) => target.sdkProvider.startsWith('anthropic.');

/**
 * Models that call no tools: the in-process local model (node-llama-cpp here has no tool calling;
 * the AI SDK would drop the tools with only a warning). The demo model calls them on
 * `use <tool> with {...}`. The registry has no tool capability of its own yet, so this is by provider.
 */
const NO_TOOLS = new Set(['local']);

/** A 400 naming the field when the call asks for something the model's provider cannot give back. */
export function requireSupportedByProvider(
  call: CompletionCall,
  target: CallTarget,
  toolsParam = 'tools',
): void {
  if (call.tools && NO_TOOLS.has(target.providerId)) {
    throw invalidRequest(
      `The model \`${target.name}\` (${target.providerId}) cannot call tools; pick another model or send no 'tools'.`,
      toolsParam,
      'unsupported_parameter',
    );
  }
  // Parallel calls are every provider's default; turning them off exists only at OpenAI and Anthropic.
  if (call.tools?.parallel === false && !isOpenAI(target) && !isAnthropic(target)) {
    throw invalidRequest(
      `'parallel_tool_calls: false' is supported for OpenAI and Anthropic models only; \`${target.name}\` (${target.providerId}) cannot be kept to one call.`,
      'parallel_tool_calls',
      'unsupported_parameter',
    );
  }
  if (call.logprobs !== undefined && !isOpenAI(target)) {
    throw invalidRequest(
      `'logprobs' is supported for OpenAI models only; \`${target.name}\` (${target.providerId}) reports no log probabilities.`,
      'logprobs',
      'unsupported_parameter',
    );
  }
}

/** /v1 answers a provider's 429 itself, with Retry-After: its client retries, Parley does not. */
const GATEWAY_POLICY: GatewayCallOptions = { retryRateLimits: false };

export interface ProviderCall {
  /** streamText's way to set the response format; undefined for plain text. */
  output?: OutputInterface<string, undefined, never>;
  providerOptions: SharedV3ProviderOptions;
}

/**
 * JSON mode or structured output, passed through: the reply is relayed as the provider wrote it
 * and the client parses and validates it, as it would against OpenAI (the AI SDK's own outputs
 * would throw on a reply that does not parse).
 */
function passThroughJson(format: JsonResponseFormat): OutputInterface<string, undefined, never> {
  return {
    name: 'json',
    responseFormat: Promise.resolve({
      type: 'json',
      ...(format.schema ? { schema: format.schema as JSONSchema7 } : {}),
      ...(format.name ? { name: format.name } : {}),
      ...(format.description ? { description: format.description } : {}),
    }),
    parseCompleteOutput: async ({ text }) => text,
    parsePartialOutput: async () => undefined,
    createElementStreamTransform: () => undefined,
  };
}

export function providerCall(call: CompletionCall, target: CallTarget): ProviderCall {
  const providerOptions: SharedV3ProviderOptions = { [GATEWAY_OPTIONS_KEY]: { ...GATEWAY_POLICY } };
  if (isOpenAI(target)) {
    const openai: JSONObject = {};
    if (call.logprobs !== undefined) openai.logprobs = call.logprobs;
    if (call.endUser !== undefined) openai.user = call.endUser;
    // The AI SDK makes schemas strict by default; OpenAI's own default, which the client expects, is not.
    if (call.responseFormat?.schema) openai.strictJsonSchema = call.responseFormat.strict;
    if (call.tools?.parallel !== undefined) openai.parallelToolCalls = call.tools.parallel;
    providerOptions.openai = openai;
  }
  if (isAnthropic(target) && call.tools?.parallel === false) {
    providerOptions.anthropic = { disableParallelToolUse: true };
  }
  if (!call.responseFormat) return { providerOptions };
  return { output: passThroughJson(call.responseFormat), providerOptions };
}
