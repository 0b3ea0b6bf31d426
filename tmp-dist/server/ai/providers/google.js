import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { apiRoot, listedModels } from './fixed-list.js';
/** Google Gemini models through the Generative Language API (streamGenerateContent, SSE). */
export const createGoogleModels = (input) => {
    const provider = createGoogleGenerativeAI({
        apiKey: input.apiKey,
        baseURL: apiRoot(input.baseURL, 'https://generativelanguage.googleapis.com/v1beta'),
    });
    return { models: listedModels(input, (id) => provider.chat(id)) };
};
