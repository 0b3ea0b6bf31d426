import type { LanguageModelV3 } from '@ai-sdk/provider';

/**
 * A model that stands in for `model` (same provider, id and supported URLs) with its own calls:
 * how every wrapper here (resilience, fallback chains, Ollama images, the lean stream reader) is
 * built. `supportedUrls` is read through, since a provider may compute it lazily.
 */
export function modelLike(
  model: LanguageModelV3,
  calls: Pick<LanguageModelV3, 'doGenerate' | 'doStream'>,
): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    doGenerate: calls.doGenerate,
    doStream: calls.doStream,
  };
}
