import { createAnthropic } from '@ai-sdk/anthropic';
import { apiRoot, listedModels } from './fixed-list.js';
/**
 * Anthropic models through the Messages API. Anthropic's own SDKs take the origin
 * (https://api.anthropic.com) while the AI SDK wants `.../v1`; apiRoot accepts both, so a value
 * copied from another tool works.
 */
export const createAnthropicModels = (input) => {
    const provider = createAnthropic({
        apiKey: input.apiKey,
        baseURL: apiRoot(input.baseURL, 'https://api.anthropic.com/v1'),
    });
    return { models: listedModels(input, (id) => provider.messages(id)) };
};
