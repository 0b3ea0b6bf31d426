import type { FakeServer } from './fake-server.js';
import { startFakeOpenAI } from './openai.js';

/**
 * A generic OpenAI-compatible server (vLLM, llama.cpp server, LM Studio...): the OpenAI wire
 * protocol under a base path of its own, so a test proves the endpoint's baseURL is honored.
 */
export function startFakeOpenAICompatible(basePath = '/custom/v1'): Promise<FakeServer> {
  return startFakeOpenAI({ basePath });
}
