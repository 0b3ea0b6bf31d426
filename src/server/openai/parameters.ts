import { ChatCompletionBody } from '../../shared/openai-schemas.js';
import { invalidRequest, type OpenAIApiError } from './errors.js';

/**
 * Which top-level fields of a chat completion request Parley honours. A gateway that silently
 * drops a parameter changes what the caller asked for (JSON mode ignored, a seed not applied), so
 * every field outside the schema is refused by name, with the reason where there is one.
 */

/** The fields the schema validates and request.ts passes on. */
const KNOWN = new Set(Object.keys(ChatCompletionBody.properties));

const TOOLS = 'Tools (function calling) are not supported by this server yet.';

/** Fields OpenAI defines that Parley does not pass on, and why. */
const REFUSED: Readonly<Record<string, string>> = {
  tool_choice: TOOLS,
  parallel_tool_calls: TOOLS,
  functions: TOOLS,
  function_call: TOOLS,
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

/** The first field of the body Parley would not pass on, as a 400 naming it; null values count as unset. */
export function unsupportedField(body: object): OpenAIApiError | undefined {
  for (const [field, value] of Object.entries(body)) {
    if (KNOWN.has(field) || value === null || value === undefined) continue;
    const reason =
      REFUSED[field] ??
      'Parley does not pass this field to providers; docs/openai-api.md lists the supported ones.';
    return invalidRequest(`Unsupported parameter: '${field}'. ${reason}`, field, 'unsupported_parameter');
  }
  return undefined;
}
