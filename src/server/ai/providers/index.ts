import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { DEFAULT_IMAGE_LIMITS, type ImageLimits, type RegisteredModel } from '../model-registry.js';
import {
  type InputOf,
  inputByName,
  sameInput,
  TEXT_IMAGE,
  TEXT_IMAGE_PDF,
  TEXT_ONLY,
} from './model-input.js';

/**
 * Every model provider Parley can be configured with, one row each: which settings turn it on, the
 * models it offers by default, what its models read (text, images, PDFs) and the largest image it
 * takes, how error sentences name it, the hosts it talks to, and the file that builds its AI SDK models. `models.ts` loops over this table and `chat/model-errors.ts` reads its
 * wording here, so adding a provider is one row plus its file in this folder. The rows hold no SDK:
 * each file (and its SDK) is imported only when the provider is configured, since together the SDKs
 * were a noticeable part of start-up time and idle memory.
 */

type Env = Record<string, string | undefined>;

/** Config fields of a given type, so a row can only name a field that exists and has that type. */
type FieldOf<T> = { [K in keyof Config]-?: Config[K] extends T ? K : never }[keyof Config];

/** A model a provider is known to serve: its display name and context window. */
export interface KnownModel {
  id: string;
  name: string;
  contextWindow: number;
  /** Offered when the provider's model-list setting is unset (in table order; the first is the default default). */
  default?: true;
}

export interface ProviderDescriptor {
  /** Prefix of its model ids (`openai/gpt-4o`), `provider` in `GET /api/models`, its circuit breaker's name. */
  readonly id: string;
  /** How sentences shown to users name it ("The OpenAI API key was rejected"). */
  readonly name: string;
  /** The Config fields it reads; it is configured when `enabledBy` is set. */
  readonly config: {
    readonly enabledBy: FieldOf<string | undefined>;
    readonly apiKey?: FieldOf<string | undefined>;
    readonly baseUrl?: FieldOf<string | undefined>;
    readonly models?: FieldOf<readonly string[] | undefined>;
  };
  /** The setting a rejected key points the user at; none when Parley reads no key for it. */
  readonly keySetting?: string;
  /** Models it is known to serve; others get their id as name and an unknown context window. */
  readonly models: readonly KnownModel[];
  /**
   * What a model of this provider reads natively, by model id (without the provider prefix). Text
   * only means attachments reach it as extracted text or not at all. MODELS_FILE models can
   * override it per model (`input:`).
   */
  readonly input: InputOf;
  /** The largest image it takes; the lead's resizer shrinks bigger ones before the call. */
  readonly imageLimits: ImageLimits;
  /** API hosts (and their subdomains): a failed call to one of them is attributed to this provider. */
  readonly hosts: readonly string[];
  /**
   * Remote providers get timeouts, retries, a circuit breaker and fallbacks around each model, and
   * their models can be fallbacks; the in-process model has none of that and comes after them.
   */
  readonly remote: boolean;
  /** Its model ids are prefixed by names from the settings (MODELS_FILE endpoints), not by `id`. */
  readonly namespacesFromSettings?: true;
  /** Imports its file (and SDK); called only when it is configured. */
  readonly load: () => Promise<ProviderFactory>;
}

/** What a provider's file gets: its row, the values of the row's settings, and the rest of the config. */
export interface ProviderInput {
  descriptor: ProviderDescriptor;
  apiKey: string | undefined;
  baseURL: string | undefined;
  /** Model ids from its model-list setting; undefined when unset. */
  models: readonly string[] | undefined;
  config: Config;
  logger: Logger;
  /** Resolves MODELS_FILE `apiKeyEnv` (only config.ts reads process.env, so the caller passes it). */
  env: Env;
}

export interface ProviderModels {
  models: RegisteredModel[];
  /** Its model list could not be read now: a reference to one of its models is a warning, not an error. */
  unlisted?: boolean;
}

export type ProviderFactory = (input: ProviderInput) => ProviderModels | Promise<ProviderModels>;

export const PROVIDERS: readonly ProviderDescriptor[] = [
  {
    id: 'openai',
    name: 'OpenAI',
    config: {
      enabledBy: 'openaiApiKey',
      apiKey: 'openaiApiKey',
      baseUrl: 'openaiBaseUrl',
      models: 'openaiModels',
    },
    keySetting: 'OPENAI_API_KEY',
    models: [
      { id: 'gpt-4o-mini', name: 'GPT-4o mini', contextWindow: 128_000, default: true },
      { id: 'gpt-4o', name: 'GPT-4o', contextWindow: 128_000, default: true },
      { id: 'gpt-4.1', name: 'GPT-4.1', contextWindow: 1_047_576, default: true },
      { id: 'gpt-4.1-mini', name: 'GPT-4.1 mini', contextWindow: 1_047_576 },
      { id: 'gpt-4.1-nano', name: 'GPT-4.1 nano', contextWindow: 1_047_576 },
      { id: 'gpt-5', name: 'GPT-5', contextWindow: 400_000 },
      { id: 'gpt-5-mini', name: 'GPT-5 mini', contextWindow: 400_000 },
    ],
    // Chat models with vision and PDF input; older ones (gpt-4-turbo, gpt-3.5) get text only.
    input: inputByName([[/^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-5|o[134])(?![a-z0-9])/, TEXT_IMAGE_PDF]]),
    imageLimits: { maxDimension: 2048, maxBytes: 20 * 1024 * 1024 },
    hosts: ['openai.com'],
    remote: true,
    load: async () => (await import('./openai.js')).createOpenAIModels,
  },
  {
    id: 'anthropic',
    name: 'Anthropic',
    config: {
      enabledBy: 'anthropicApiKey',
      apiKey: 'anthropicApiKey',
      baseUrl: 'anthropicBaseUrl',
      models: 'anthropicModels',
    },
    keySetting: 'ANTHROPIC_API_KEY',
    models: [
      { id: 'claude-sonnet-4-5', name: 'Claude Sonnet 4.5', contextWindow: 200_000, default: true },
      { id: 'claude-haiku-4-5', name: 'Claude Haiku 4.5', contextWindow: 200_000, default: true },
      { id: 'claude-opus-4-1', name: 'Claude Opus 4.1', contextWindow: 200_000 },
      { id: 'claude-sonnet-4-0', name: 'Claude Sonnet 4', contextWindow: 200_000 },
    ],
    // Claude 3 and later read images and PDFs; claude-2 and claude-instant read text only.
    input: inputByName([[/^claude-(?!2|instant)/, TEXT_IMAGE_PDF]]),
    // The API counts the base64 text against its 5 MB: 3/4 of that in raw bytes, or a file just
    // under 5 MB would be refused after encoding.
    imageLimits: { maxDimension: 1568, maxBytes: Math.floor((5 * 1024 * 1024 * 3) / 4) },
    hosts: ['anthropic.com'],
    remote: true,
    load: async () => (await import('./anthropic.js')).createAnthropicModels,
  },
  {
    id: 'google',
    name: 'Google Gemini',
    config: {
      enabledBy: 'googleApiKey',
      apiKey: 'googleApiKey',
      baseUrl: 'googleBaseUrl',
      models: 'googleModels',
    },
    keySetting: 'GOOGLE_GENERATIVE_AI_API_KEY',
    models: [
      { id: 'gemini-2.5-flash', name: 'Gemini 2.5 Flash', contextWindow: 1_048_576, default: true },
      { id: 'gemini-2.5-pro', name: 'Gemini 2.5 Pro', contextWindow: 1_048_576, default: true },
      { id: 'gemini-2.5-flash-lite', name: 'Gemini 2.5 Flash-Lite', contextWindow: 1_048_576 },
      { id: 'gemini-2.0-flash', name: 'Gemini 2.0 Flash', contextWindow: 1_048_576 },
    ],
    input: inputByName([[/^gemini-/, TEXT_IMAGE_PDF]]),
    imageLimits: { maxDimension: 3072, maxBytes: 20 * 1024 * 1024 },
    hosts: ['generativelanguage.googleapis.com'],
    remote: true,
    load: async () => (await import('./google.js')).createGoogleModels,
  },
  {
    // Its models are the ones the server has pulled, read at startup: no built-in list, no key.
    id: 'ollama',
    name: 'Ollama',
    config: { enabledBy: 'ollamaBaseUrl', baseUrl: 'ollamaBaseUrl' },
    models: [],
    // Vision models by family name (`llava:13b`, `qwen2.5vl:7b`...); the rest read text only. The
    // 1b and 270m gemma3 sizes have no vision encoder. Ollama takes no PDFs.
    input: inputByName([
      [/^(bak)?llava/, TEXT_IMAGE],
      [/^llama3\.2-vision/, TEXT_IMAGE],
      [/^gemma3(:(?!1b\b|270m\b)|$)/, TEXT_IMAGE],
      [/^qwen2\.5-?vl/, TEXT_IMAGE],
      [/^minicpm-v/, TEXT_IMAGE],
      [/^moondream/, TEXT_IMAGE],
      [/^granite3\.2-vision/, TEXT_IMAGE],
      [/^mistral-small(3\.[1-9]|[4-9])/, TEXT_IMAGE],
    ]),
    imageLimits: { maxDimension: 1024, maxBytes: 10 * 1024 * 1024 },
    // Wherever OLLAMA_BASE_URL points (usually localhost): errors name it from the call, not the host.
    hosts: [],
    remote: true,
    load: async () => (await import('./ollama.js')).createOllamaModels,
  },
  {
    // MODELS_FILE: any number of OpenAI-compatible endpoints. Each is its own provider, named by the
    // file (ids, breakers and error sentences use the endpoint name), so this row's id and name are
    // only this table's.
    id: 'models-file',
    name: 'The model provider',
    config: { enabledBy: 'modelsFile' },
    models: [],
    // Text unless the file lists a model's `input`: Parley cannot tell what an arbitrary server reads.
    input: sameInput(TEXT_ONLY),
    imageLimits: DEFAULT_IMAGE_LIMITS,
    hosts: [],
    remote: true,
    namespacesFromSettings: true,
    load: async () => (await import('./openai-compatible.js')).createModelsFileModels,
  },
  {
    // LOCAL_MODEL_PATH: a GGUF file run in this process by node-llama-cpp. Its failures are not
    // provider calls (no breaker, no HTTP status): they are shown as the error itself says.
    id: 'local',
    name: 'The local model',
    config: { enabledBy: 'localModelPath' },
    models: [],
    // node-llama-cpp runs it as a text model here (no vision projector is loaded).
    input: sameInput(TEXT_ONLY),
    imageLimits: DEFAULT_IMAGE_LIMITS,
    hosts: [],
    remote: false,
    load: async () => (await import('./local.js')).createLocalModels,
  },
];

/** Id prefixes no MODELS_FILE endpoint may take: the built-in demo's and every fixed provider's. */
export function reservedNamespaces(table: readonly ProviderDescriptor[] = PROVIDERS): Set<string> {
  return new Set([
    'demo',
    'parley',
    ...table.filter((row) => !row.namespacesFromSettings).map((row) => row.id),
  ]);
}

/** The row for a provider id; SDK provider ids look like "openai.chat", so the first segment counts. */
export function providerById(id: string): ProviderDescriptor | undefined {
  const namespace = id.toLowerCase().split('.')[0] ?? '';
  return PROVIDERS.find((row) => row.id === namespace && !row.namespacesFromSettings);
}

/**
 * The image limits of a provider, by the `provider` a model lists (`openai`, or a MODELS_FILE
 * endpoint's name, which gets the defaults like the demo and local models).
 */
export function imageLimitsFor(providerId: string): ImageLimits {
  return { ...(providerById(providerId)?.imageLimits ?? DEFAULT_IMAGE_LIMITS) };
}

/** The row whose API lives at this host name (or a subdomain of one of its hosts). */
export function providerByHost(hostname: string): ProviderDescriptor | undefined {
  return PROVIDERS.find((row) =>
    row.hosts.some((host) => hostname === host || hostname.endsWith(`.${host}`)),
  );
}
