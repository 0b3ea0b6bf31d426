import { createOpenAI } from '@ai-sdk/openai';
import { apiRoot, listedModels } from './fixed-list.js';
/** OpenAI models, called through Chat Completions (`.chat()`): the plain provider call would use the Responses API. */
export const createOpenAIModels = (input) => {
    // baseURL is always passed: left undefined, the SDK would read OPENAI_BASE_URL from the environment itself.
    const provider = createOpenAI({
        apiKey: input.apiKey,
        baseURL: apiRoot(input.baseURL, 'https://api.openai.com/v1'),
    });
    return { models: listedModels(input, (id) => provider.chat(id)) };
};
