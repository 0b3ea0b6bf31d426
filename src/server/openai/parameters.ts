import { ChatCompletionBody, ResponsesBody } from '../../shared/openai-schemas.js';
import { invalidRequest, type OpenAIApiError } from './errors.js';

/**
 * Which top-level fields of a chat completion request Parley honours. A gateway that silently
 * drops a parameter changes what the caller asked for (JSON mode ignored, a seed not applied), so
 * every field outside the schema is refused by name, with the reason where there is one.
 */

/** The fields the schema validates and request.ts passes on. */
const KNOWN = new Set(Object.keys(ChatCompletionBody.properties));

const LEGACY_FUNCTIONS =
  "The legacy function-calling fields are not supported; send 'tools' and 'tool_choice'.";

/** Fields OpenAI defines that Parley does not pass on, and why. */
const REFUSED: Readonly<Record<string, string>> = {
  functions: LEGACY_FUNCTIONS,
  function_call: LEGACY_FUNCTIONS,
  logit_bias: 'Token biases are not supported: token ids differ between the providers behind this server.',
  audio: 'Audio output is not supported by this server.',
  modalities: 'Only text output is supported by this server.',
  prediction: 'Predicted outputs are not supported by this server.',
  store: 'Stored completions are not supported; use the X-Parley-Conversation header to record an exchange.',
  metadata: 'Stored completions (and their metadata) are not supported by this server.',
  service_tier: 'Service tiers are not supported by this server.',
  reasoning_effort: 'reasoning_effort is not supported by this server yet.',
  verbosity: 'verbosity is not supported by this server yet.',
  web_search_options: 'Web search is not supported by this server.',
  prompt_cache_key: 'prompt_cache_key is not supported by this server.',
  safety_identifier: 'safety_identifier is not supported by this server; `user` is passed to OpenAI models.',
};

const NOTHING_STORED = 'Parley keeps no response objects';

/** The same for the Responses API (`POST /v1/responses`). */
const RESPONSES_KNOWN = new Set(Object.keys(ResponsesBody.properties));
const RESPONSES_REFUSED: Readonly<Record<string, string>> = {
  conversation: `Conversations are not supported (${NOTHING_STORED}); send the whole conversation as 'input'.`,
  background: `Background responses are not supported (${NOTHING_STORED}).`,
  metadata: `metadata is not supported (${NOTHING_STORED}).`,
  prompt: 'Stored prompt templates are not supported by this server.',
  reasoning: 'reasoning is not supported by this server yet.',
  service_tier: REFUSED.service_tier as string,
  max_tool_calls: 'max_tool_calls is not supported: Parley runs no tools, every call goes back to you.',
  top_logprobs: 'Log probabilities are not supported on /v1/responses; use /v1/chat/completions.',
  stream_options: 'stream_options is not supported on /v1/responses.',
  prompt_cache_key: REFUSED.prompt_cache_key as string,
  safety_identifier: REFUSED.safety_identifier as string,
};

/** The first field of the body Parley would not pass on, as a 400 naming it; null values count as unset. */
export function unsupportedField(body: object): OpenAIApiError | undefined {
  return firstUnsupported(body, KNOWN, REFUSED);
}

export function unsupportedResponsesField(body: object): OpenAIApiError | undefined {
  return firstUnsupported(body, RESPONSES_KNOWN, RESPONSES_REFUSED);
}

function firstUnsupported(
  body: object,
  known: ReadonlySet<string>,
  refused: Readonly<Record<string, string>>,
): OpenAIApiError | undefined {
  for (const [field, value] of Object.entries(body)) {
    if (known.has(field) || value === null || value === undefined) continue;
    const reason =
      refused[field] ??
      'Parley does not pass this field to providers; docs/openai-api.md lists the supported ones.';
    return invalidRequest(`Unsupported parameter: '${field}'. ${reason}`, field, 'unsupported_parameter');
  }
  return undefined;
}
