import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FilePart,
  LanguageModelV3Prompt,
} from '@ai-sdk/provider';
import { modelLike } from '../model-like.js';

/**
 * ollama-ai-provider-v2 (3.x) copies an image part's data into the message's `images` as it is. The
 * AI SDK hands it bytes (a Uint8Array), which JSON turns into `{"0":137,"1":80,...}`, and Ollama
 * rejects or ignores that; Ollama wants base64 strings. It also drops every other file part without
 * a word, so a PDF would vanish from the prompt. This wrapper gives it base64 and refuses other files.
 */

function base64Image(part: LanguageModelV3FilePart): LanguageModelV3FilePart {
  if (!part.mediaType.startsWith('image/')) {
    throw new Error(
      `Ollama models read text and images only; ${part.filename ?? 'a file'} (${part.mediaType}) cannot be sent. Pick a model that takes PDFs.`,
    );
  }
  if (!(part.data instanceof Uint8Array)) return part;
  return {
    ...part,
    data: Buffer.from(part.data.buffer, part.data.byteOffset, part.data.byteLength).toString('base64'),
  };
}

function withBase64Images(prompt: LanguageModelV3Prompt): LanguageModelV3Prompt {
  return prompt.map((message) => {
    if (message.role !== 'user' || !message.content.some((part) => part.type === 'file')) return message;
    return {
      ...message,
      content: message.content.map((part) => (part.type === 'file' ? base64Image(part) : part)),
    };
  });
}

function fixed(options: LanguageModelV3CallOptions): LanguageModelV3CallOptions {
  return { ...options, prompt: withBase64Images(options.prompt) };
}

/** An Ollama chat model whose image parts reach `/api/chat` as base64 strings. */
export function withOllamaImages(model: LanguageModelV3): LanguageModelV3 {
  return modelLike(model, {
    doGenerate: (options) => model.doGenerate(fixed(options)),
    doStream: (options) => model.doStream(fixed(options)),
  });
}
