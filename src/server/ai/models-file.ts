import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { ModelInputKind } from '../../shared/message-parts.js';
import {
  checkSettingsFile,
  fieldPath,
  SettingsProblem as Problem,
  parseSettingsText,
  readSettingsFile,
} from '../settings-file.js';
import type { ModelPrice } from './prices.js';
import { reservedNamespaces } from './providers/index.js';
import { MIN_BUDGET_TOKENS, REASONING_EFFORTS, type ReasoningSetting } from './reasoning-options.js';

/**
 * MODELS_FILE: extra OpenAI-compatible endpoints (vLLM, llama.cpp server, LM Studio, OpenRouter,
 * Groq...), in YAML or JSON. Checked once at startup; anything wrong stops Parley with one line
 * naming the setting, the file and the problem.
 *
 *   endpoints:
 *     - name: groq                      # ids become groq/<model id>
 *       baseURL: https://api.groq.com/openai/v1
 *       apiKeyEnv: GROQ_API_KEY         # or apiKey: ... (the file then holds a secret)
 *       headers: { X-Title: Parley }
 *       models:
 *         - id: llama-3.3-70b-versatile
 *           name: Llama 3.3 70B
 *           contextWindow: 131072
 *           input: [text, image]         # what it reads natively: text, image, pdf (default: text)
 *           fallbacks: [openai/gpt-4o-mini]
 *         - id: deepseek-reasoner
 *           reasoning: { effort: high }  # sent as reasoning_effort
 *           price: { input: 0.55, output: 2.19 }  # USD per million tokens, for usage reports
 *   models:                             # settings for models of any provider, by registry id
 *     - id: anthropic/claude-sonnet-4-5
 *       reasoning: { budgetTokens: 8000 }  # or { effort: low | medium | high }
 *     - id: openai/gpt-4o
 *       price: { input: 2.5, output: 10 }  # overrides the built-in list price (prices.ts)
 */

type Env = Record<string, string | undefined>;

/** The values `input` takes, in the order a model's list is shown. */
const INPUT_KINDS = ['text', 'image', 'pdf'] as const satisfies readonly ModelInputKind[];

/** How hard a reasoning model thinks: an effort, or (Anthropic, Gemini) a budget of thinking tokens. */
const ReasoningSchema = Type.Object(
  {
    effort: Type.Optional(Type.Enum(REASONING_EFFORTS)),
    budgetTokens: Type.Optional(Type.Integer({ minimum: MIN_BUDGET_TOKENS })),
  },
  { additionalProperties: false },
);

/** USD per million tokens, input (prompt) and output (completion); turns usage into cost. */
const PriceSchema = Type.Object(
  {
    input: Type.Number({ minimum: 0 }),
    output: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const ModelSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.String({ minLength: 1 })),
    contextWindow: Type.Optional(Type.Integer({ minimum: 1 })),
    /** What the model reads natively; text is implied (every model reads the prompt). */
    input: Type.Optional(Type.Array(Type.Enum(INPUT_KINDS))),
    /** Registry ids (`openai/gpt-4o-mini`), or ids of the same endpoint, tried in order. */
    fallbacks: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Reasoning effort, sent as `reasoning_effort` (DeepSeek, vLLM, OpenRouter...). */
    reasoning: Type.Optional(ReasoningSchema),
    price: Type.Optional(PriceSchema),
  },
  { additionalProperties: false },
);

/** Settings for a model of any configured provider, by its registry id (`anthropic/claude-sonnet-4-5`). */
const ModelSettingsSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    reasoning: Type.Optional(ReasoningSchema),
    price: Type.Optional(PriceSchema),
  },
  { additionalProperties: false },
);

const EndpointSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9-]+$' }),
    baseURL: Type.String({ minLength: 1 }),
    apiKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Name of an environment variable holding the key, so the file itself holds no secret. */
    apiKeyEnv: Type.Optional(Type.String({ minLength: 1 })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    models: Type.Array(ModelSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

const ModelsFileSchema = Type.Object(
  {
    // Required unless the file holds `models` settings only (checked below, with the same words).
    endpoints: Type.Optional(Type.Array(EndpointSchema, { minItems: 1 })),
    models: Type.Optional(Type.Array(ModelSettingsSchema)),
  },
  { additionalProperties: false },
);

export type ModelsFileModel = Static<typeof ModelSchema>;

/**
 * A model's setting from the file, by registry id, with where the file says it (`models[0]`,
 * `endpoints[1].models[0]`) so a later check can name the field.
 */
export interface ModelSetting {
  id: string;
  at: string;
  reasoning?: ReasoningSetting;
  /** USD per million tokens (overrides the built-in list price). */
  price?: ModelPrice;
}

/** The whole file, checked: its endpoints, and every model setting (the endpoints' own included). */
export interface ModelsFileSettings {
  endpoints: ModelsFileEndpoint[];
  settings: ModelSetting[];
}

/** One endpoint, checked, with its key resolved (apiKeyEnv looked up). */
export interface ModelsFileEndpoint {
  name: string;
  baseURL: string;
  apiKey: string | undefined;
  headers: Record<string, string> | undefined;
  models: ModelsFileModel[];
}

/** Endpoint names that would collide with the built-in providers' id namespaces. */
const RESERVED_NAMES = reservedNamespaces();

const ARTICLE: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  array: 'a list',
  object: 'an object',
  boolean: 'true or false',
};

/** The value a JSON pointer from a schema error points at, to quote it back. */
function valueAt(value: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((at, key) => (at as Record<string, unknown> | null | undefined)?.[key], value);
}

/** The first schema error, as a sentence about the file's own field names. */
function schemaProblem(value: unknown): string | undefined {
  const error = Value.Errors(ModelsFileSchema, value)[0];
  if (!error) return undefined;
  const at = fieldPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const missing = (params.requiredProperties as string[] | undefined)?.[0] ?? '?';
      return `${at ? `${at}.` : ''}${missing} is required`;
    }
    case 'boolean':
    case 'additionalProperties': {
      const extra =
        error.keyword === 'boolean'
          ? at
          : `${at ? `${at}.` : ''}${(params.additionalProperties as string[])[0]}`;
      return `${extra} is not a known field`;
    }
    case 'type':
      if (!at) return 'the file must hold an object with an endpoints list';
      return `${at} must be ${ARTICLE[String(params.type)] ?? String(params.type)}`;
    case 'pattern':
      return `${at} must be lowercase letters, digits and dashes`;
    case 'minItems':
    case 'minLength':
      return `${at} must not be empty`;
    case 'minimum':
      return `${at} must be at least ${String(params.limit)}`;
    case 'enum': {
      const allowed = (params.allowedValues as unknown[] | undefined)?.map(String).join(', ') ?? '';
      return `${at} is ${JSON.stringify(valueAt(value, error.instancePath))}; expected one of ${allowed}`;
    }
    default:
      return `${at || 'the file'} ${error.message}`;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A reasoning setting sets one of effort and budgetTokens. */
function checkReasoning(reasoning: ReasoningSetting, at: string): void {
  if (reasoning.effort === undefined && reasoning.budgetTokens === undefined) {
    throw new Problem(`${at} must set effort (${REASONING_EFFORTS.join(', ')}) or budgetTokens`);
  }
  if (reasoning.effort !== undefined && reasoning.budgetTokens !== undefined) {
    throw new Problem(`${at} sets both effort and budgetTokens; keep one`);
  }
}

function checkEndpoints(file: Static<typeof ModelsFileSchema>, env: Env): ModelsFileEndpoint[] {
  const seen = new Map<string, number>();
  return (file.endpoints ?? []).map((endpoint, i) => {
    const at = `endpoints[${i}]`;
    if (RESERVED_NAMES.has(endpoint.name)) {
      throw new Problem(`${at}.name "${endpoint.name}" is reserved for a built-in provider`);
    }
    const earlier = seen.get(endpoint.name);
    if (earlier !== undefined) {
      throw new Problem(`${at}.name "${endpoint.name}" is already used by endpoints[${earlier}]`);
    }
    seen.set(endpoint.name, i);
    if (!isHttpUrl(endpoint.baseURL)) throw new Problem(`${at}.baseURL must be an http(s) URL`);
    if (endpoint.apiKey !== undefined && endpoint.apiKeyEnv !== undefined) {
      throw new Problem(`${at} sets both apiKey and apiKeyEnv; keep one`);
    }
    let apiKey = endpoint.apiKey;
    if (endpoint.apiKeyEnv !== undefined) {
      apiKey = env[endpoint.apiKeyEnv]?.trim() || undefined;
      if (apiKey === undefined) {
        throw new Problem(`${at}.apiKeyEnv names ${endpoint.apiKeyEnv}, which is not set`);
      }
    }
    const ids = new Set<string>();
    endpoint.models.forEach((model, j) => {
      if (ids.has(model.id)) throw new Problem(`${at}.models[${j}].id "${model.id}" is listed twice`);
      ids.add(model.id);
      if (model.reasoning) {
        const where = `${at}.models[${j}].reasoning`;
        checkReasoning(model.reasoning, where);
        // An endpoint speaks Chat Completions, whose only reasoning knob is reasoning_effort.
        if (model.reasoning.effort === undefined) {
          throw new Problem(
            `${where}.budgetTokens is not supported by OpenAI-compatible endpoints; use effort (${REASONING_EFFORTS.join(', ')})`,
          );
        }
      }
    });
    const models = endpoint.models.map((model) =>
      model.input
        ? { ...model, input: INPUT_KINDS.filter((kind) => kind === 'text' || model.input?.includes(kind)) }
        : model,
    );
    return {
      name: endpoint.name,
      baseURL: endpoint.baseURL.replace(/\/+$/, ''),
      apiKey,
      headers: endpoint.headers,
      models,
    };
  });
}

/**
 * Every model setting, by registry id: the endpoints' models' own (`<endpoint>/<id>`), then the
 * `models` list's. Which provider a `models` id belongs to, and whether it takes the setting, is
 * known only once the providers are built: the registry checks that (models.ts).
 */
function collectSettings(
  file: Static<typeof ModelsFileSchema>,
  endpoints: ModelsFileEndpoint[],
): ModelSetting[] {
  const settings: ModelSetting[] = endpoints.flatMap((endpoint, i) =>
    endpoint.models.flatMap((model, j) =>
      model.reasoning || model.price
        ? [
            {
              id: `${endpoint.name}/${model.id}`,
              at: `endpoints[${i}].models[${j}]`,
              ...(model.reasoning ? { reasoning: model.reasoning } : {}),
              ...(model.price ? { price: { ...model.price } } : {}),
            },
          ]
        : [],
    ),
  );
  (file.models ?? []).forEach((model, k) => {
    const at = `models[${k}]`;
    if (!model.reasoning && !model.price) throw new Problem(`${at} must set reasoning or price`);
    if (model.reasoning) checkReasoning(model.reasoning, `${at}.reasoning`);
    const earlier = settings.find((setting) => setting.id === model.id);
    if (earlier) throw new Problem(`${at}.id "${model.id}" already has settings at ${earlier.at}`);
    settings.push({
      id: model.id,
      at,
      ...(model.reasoning ? { reasoning: model.reasoning } : {}),
      ...(model.price ? { price: { ...model.price } } : {}),
    });
  });
  return settings;
}

function checkFile(text: string, filePath: string, env: Env): ModelsFileSettings {
  const value = parseSettingsText(text, filePath);
  const problem = schemaProblem(value);
  if (problem) throw new Problem(problem);
  const file = value as Static<typeof ModelsFileSchema>;
  // A file of `models` settings alone is fine; an empty one is not.
  if (file.endpoints === undefined && (file.models ?? []).length === 0) {
    throw new Problem('endpoints is required (or a models list of model settings)');
  }
  const endpoints = checkEndpoints(file, env);
  return { endpoints, settings: collectSettings(file, endpoints) };
}

/**
 * Check a MODELS_FILE's text. `env` resolves `apiKeyEnv` (only config.ts reads process.env, so the
 * caller passes it). Throws a ConfigError with a one-line message.
 */
export function parseModelsFile(text: string, filePath: string, env: Env = {}): ModelsFileEndpoint[] {
  return parseModelsFileSettings(text, filePath, env).endpoints;
}

/** Check a MODELS_FILE's text, keeping its model settings too. */
export function parseModelsFileSettings(text: string, filePath: string, env: Env = {}): ModelsFileSettings {
  return checkSettingsFile('MODELS_FILE', filePath, () => checkFile(text, filePath, env));
}

/** Read and check MODELS_FILE (a path relative to the working directory). */
export async function loadModelsFile(filePath: string, env: Env = {}): Promise<ModelsFileEndpoint[]> {
  return parseModelsFile(await readSettingsFile('MODELS_FILE', filePath), filePath, env);
}

/** Read and check MODELS_FILE, keeping its model settings too (what the registry applies). */
export async function loadModelsFileSettings(filePath: string, env: Env = {}): Promise<ModelsFileSettings> {
  return parseModelsFileSettings(await readSettingsFile('MODELS_FILE', filePath), filePath, env);
}
