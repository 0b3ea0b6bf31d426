import { createOllama } from 'ollama-ai-provider-v2';
import type { Logger } from 'pino';
import type { RegisteredModel } from '../model-registry.js';

export interface OllamaSettings {
  /** The Ollama server, e.g. http://localhost:11434 (a trailing `/api` is accepted too). */
  baseURL: string;
  logger: Logger;
  /** How long to wait for the model list at startup. */
  timeoutMs?: number;
}

interface OllamaTag {
  name: string;
  details?: { parameter_size?: string };
}

/** Ollama's own docs give the server origin, the provider package wants `.../api`: accept either. */
function apiBase(baseURL: string): string {
  return `${baseURL.replace(/\/+$/, '').replace(/\/api$/, '')}/api`;
}

function isTagList(body: unknown): body is { models: OllamaTag[] } {
  const models = (body as { models?: unknown } | null)?.models;
  return Array.isArray(models) && models.every((m) => typeof (m as OllamaTag)?.name === 'string');
}

function displayName(tag: OllamaTag): string {
  const name = tag.name.replace(/:latest$/, '');
  const size = tag.details?.parameter_size;
  return size ? `${name} (${size})` : name;
}

/**
 * The models an Ollama server has pulled (`GET /api/tags`), called through its native `/api/chat`
 * (NDJSON). An unreachable server must not stop Parley from starting: it logs a warning and adds
 * no models (a restart picks them up once Ollama is running).
 */
export async function createOllamaModels(settings: OllamaSettings): Promise<RegisteredModel[]> {
  const base = apiBase(settings.baseURL);
  let tags: OllamaTag[];
  try {
    const response = await fetch(`${base}/tags`, {
      signal: AbortSignal.timeout(settings.timeoutMs ?? 5_000),
    });
    if (!response.ok) throw new Error(`GET ${base}/tags answered HTTP ${response.status}`);
    const body: unknown = await response.json();
    if (!isTagList(body)) throw new Error(`GET ${base}/tags did not return a model list`);
    tags = body.models;
  } catch (error) {
    settings.logger.warn(
      { err: error, ollamaBaseUrl: settings.baseURL },
      'Ollama is not reachable; its models are not offered until Parley restarts',
    );
    return [];
  }
  if (tags.length === 0) {
    settings.logger.warn(
      { ollamaBaseUrl: settings.baseURL },
      'Ollama has no models pulled (ollama pull <model>)',
    );
  }

  const provider = createOllama({ baseURL: base });
  return tags.map((tag) => ({
    info: {
      id: `ollama/${tag.name}`,
      provider: 'ollama',
      name: displayName(tag),
      // /api/tags does not say; /api/show would, at one request per model on every start.
      contextWindow: null,
      available: true,
    },
    model: provider.chat(tag.name),
  }));
}
