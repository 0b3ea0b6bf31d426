import { DEFAULT_IMAGE_LIMITS } from '../model-registry.js';
import { inputByName, sameInput, TEXT_IMAGE, TEXT_IMAGE_PDF, TEXT_ONLY, } from './model-input.js';
export const PROVIDERS = [
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
export function reservedNamespaces(table = PROVIDERS) {
    return new Set([
        'demo',
        'parley',
        ...table.filter((row) => !row.namespacesFromSettings).map((row) => row.id),
    ]);
}
/** The row for a provider id; SDK provider ids look like "openai.chat", so the first segment counts. */
export function providerById(id) {
    const namespace = id.toLowerCase().split('.')[0] ?? '';
    return PROVIDERS.find((row) => row.id === namespace && !row.namespacesFromSettings);
}
/**
 * The image limits of a provider, by the `provider` a model lists (`openai`, or a MODELS_FILE
 * endpoint's name, which gets the defaults like the demo and local models).
 */
export function imageLimitsFor(providerId) {
    return { ...(providerById(providerId)?.imageLimits ?? DEFAULT_IMAGE_LIMITS) };
}
/** The row whose API lives at this host name (or a subdomain of one of its hosts). */
export function providerByHost(hostname) {
    return PROVIDERS.find((row) => row.hosts.some((host) => hostname === host || hostname.endsWith(`.${host}`)));
}
