import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { RegisteredModel } from '../model-registry.js';
import { loadModelsFile, type ModelsFileEndpoint } from '../models-file.js';
import type { ProviderFactory } from './index.js';
import { withLeanChatStream } from './lean-chat-stream.js';

/**
 * The models of one MODELS_FILE endpoint (vLLM, llama.cpp server, LM Studio, OpenRouter, Groq...):
 * ids are `<endpoint name>/<model id>`. `fallbacks` are kept as written; the registry resolves them.
 */
export function createOpenAICompatibleModels(endpoint: ModelsFileEndpoint): RegisteredModel[] {
  const provider = createOpenAICompatible({
    name: endpoint.name,
    baseURL: endpoint.baseURL,
    apiKey: endpoint.apiKey,
    headers: endpoint.headers,
    // Without it most servers send no token counts in a stream, and usage could not be recorded.
    includeUsage: true,
  });
  return endpoint.models.map((model) => ({
    info: {
      id: `${endpoint.name}/${model.id}`,
      provider: endpoint.name,
      name: model.name ?? model.id,
      contextWindow: model.contextWindow ?? null,
      // The file's own list (validated, text included), else text: an arbitrary server may read nothing else.
      input: model.input ? [...model.input] : ['text'],
      available: true,
    },
    // Streams through the lean reader (lean-chat-stream.ts): the SDK's per-token pipeline was the
    // largest single cost of a turn on this path.
    model: withLeanChatStream(provider.chatModel(model.id)),
    ...(model.fallbacks ? { fallbacks: [...model.fallbacks] } : {}),
  }));
}

/** Every endpoint of MODELS_FILE, in file order; a bad file stops startup with one line. */
export const createModelsFileModels: ProviderFactory = async ({ config, env }) => {
  if (!config.modelsFile) return { models: [] };
  const endpoints = await loadModelsFile(config.modelsFile, env);
  return { models: endpoints.flatMap((endpoint) => createOpenAICompatibleModels(endpoint)) };
};
