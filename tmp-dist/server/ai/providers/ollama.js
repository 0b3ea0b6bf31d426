import { createOllama } from 'ollama-ai-provider-v2';
import { withOllamaImages } from './ollama-images.js';
/** How long to wait for the model list at startup. */
const LIST_TIMEOUT_MS = 5_000;
/** Ollama's own docs give the server origin, the provider package wants `.../api`: accept either. */
function apiBase(baseURL) {
    return `${baseURL.replace(/\/+$/, '').replace(/\/api$/, '')}/api`;
}
function isTagList(body) {
    const models = body?.models;
    return Array.isArray(models) && models.every((m) => typeof m?.name === 'string');
}
function displayName(tag) {
    const name = tag.name.replace(/:latest$/, '');
    const size = tag.details?.parameter_size;
    return size ? `${name} (${size})` : name;
}
/**
 * The models an Ollama server has pulled (`GET /api/tags`), called through its native `/api/chat`
 * (NDJSON). An unreachable server must not stop Parley from starting: it logs a warning and adds
 * no models (a restart picks them up once Ollama is running).
 */
export const createOllamaModels = async ({ descriptor, baseURL, logger }) => {
    // OLLAMA_BASE_URL enables the row, so it is set: the server, e.g. http://localhost:11434 (or .../api).
    if (!baseURL)
        return { models: [], unlisted: true };
    const base = apiBase(baseURL);
    let tags;
    try {
        const response = await fetch(`${base}/tags`, {
            signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
        });
        if (!response.ok)
            throw new Error(`GET ${base}/tags answered HTTP ${response.status}`);
        const body = await response.json();
        if (!isTagList(body))
            throw new Error(`GET ${base}/tags did not return a model list`);
        tags = body.models;
    }
    catch (error) {
        logger.warn({ err: error, ollamaBaseUrl: baseURL }, 'Ollama is not reachable; its models are not offered until Parley restarts');
        return { models: [], unlisted: true };
    }
    if (tags.length === 0) {
        logger.warn({ ollamaBaseUrl: baseURL }, 'Ollama has no models pulled (ollama pull <model>)');
    }
    const provider = createOllama({ baseURL: base });
    const models = tags.map((tag) => ({
        info: {
            id: `${descriptor.id}/${tag.name}`,
            provider: descriptor.id,
            name: displayName(tag),
            // /api/tags does not say; /api/show would, at one request per model on every start.
            contextWindow: null,
            input: descriptor.input(tag.name),
            available: true,
        },
        model: withOllamaImages(provider.chat(tag.name)),
    }));
    // With no models (down, or nothing pulled yet) a DEFAULT_MODEL or fallback naming one is only warned about.
    return { models, unlisted: models.length === 0 };
};
