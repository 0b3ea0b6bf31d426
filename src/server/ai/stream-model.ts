import type {
  LanguageModelV3,
  LanguageModelV3FunctionTool,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3ToolChoice,
} from '@ai-sdk/provider';
import type { LanguageModel, ModelMessage } from 'ai';

export interface ModelCall {
  model: LanguageModel;
  system: string | undefined;
  messages: ModelMessage[];
  abortSignal: AbortSignal;
  maxOutputTokens?: number;
  /** Sampling temperature (the conversation's setting); unset: the provider's default. */
  temperature?: number;
  /** Tools the model may call this step (none: a plain reply). */
  tools?: LanguageModelV3FunctionTool[];
  toolChoice?: LanguageModelV3ToolChoice;
}

/**
 * Chat history is plain text, whose provider prompt is simple to build; the SDK's general
 * conversion validates every message with a schema first, which costs milliseconds on a long
 * history. Anything else (files, tool parts) goes through the SDK.
 */
function textOnlyPrompt(
  system: string | undefined,
  messages: ModelMessage[],
): LanguageModelV3Prompt | undefined {
  const prompt: LanguageModelV3Prompt = system ? [{ role: 'system', content: system }] : [];
  for (const message of messages) {
    if (typeof message.content !== 'string') return undefined;
    if (message.role === 'system') prompt.push({ role: 'system', content: message.content });
    else if (message.role === 'user' || message.role === 'assistant') {
      prompt.push({ role: message.role, content: [{ type: 'text', text: message.content }] });
    } else return undefined;
  }
  return prompt;
}

async function sdkPrompt(model: LanguageModelV3, call: ModelCall): Promise<LanguageModelV3Prompt> {
  // Imported on first use: most prompts are plain text, and the SDK is slow to load.
  const { convertToLanguageModelPrompt, standardizePrompt } = await import('ai/internal');
  const standardized = await standardizePrompt({ system: call.system, messages: call.messages });
  return convertToLanguageModelPrompt({
    prompt: standardized,
    supportedUrls: await model.supportedUrls,
    download: undefined,
    abortSignal: call.abortSignal,
  });
}

/**
 * Call a model's stream directly through the AI SDK provider interface (LanguageModelV3), with a
 * plain-text prompt built here or the SDK's own prompt validation and conversion. `streamText`
 * adds multi-step tool loops, output parsing and several stream transforms per chunk that Parley
 * does not use; measured on this machine they cost about 30 µs per token (7 ms for a 240-token reply, against 0.2 ms here), which
 * is most of Parley's CPU per streamed token.
 */
export async function streamModel(call: ModelCall): Promise<ReadableStream<LanguageModelV3StreamPart>> {
  if (typeof call.model === 'string' || call.model.specificationVersion !== 'v3') {
    throw new Error('Only AI SDK v3 language models can be streamed.');
  }
  const model = call.model as LanguageModelV3;
  const prompt = textOnlyPrompt(call.system, call.messages) ?? (await sdkPrompt(model, call));
  const { stream } = await model.doStream({
    prompt,
    abortSignal: call.abortSignal,
    ...(call.maxOutputTokens !== undefined ? { maxOutputTokens: call.maxOutputTokens } : {}),
    ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
    ...(call.tools && call.tools.length > 0 ? { tools: call.tools, toolChoice: call.toolChoice } : {}),
  });
  return stream;
}

export interface ShortTextCall {
  model: LanguageModel;
  system: string;
  prompt: string;
  maxOutputTokens: number;
  abortSignal: AbortSignal;
}

/**
 * One short non-streamed answer (a conversation's title) through the provider interface's
 * `doGenerate`, for the same reason as `streamModel`: `generateText` validates the prompt with a
 * schema and runs its step machinery, which was most of the SDK's CPU for a title (0.9 ms against
 * 0.5 ms here, measured against the bench's stub). Its reasoning, if any, is left out of the text.
 */
export async function generateShortText(
  call: ShortTextCall,
): Promise<{ text: string; inputTokens: number; outputTokens: number }> {
  if (typeof call.model === 'string' || call.model.specificationVersion !== 'v3') {
    throw new Error('Only AI SDK v3 language models can be called.');
  }
  const result = await (call.model as LanguageModelV3).doGenerate({
    prompt: [
      { role: 'system', content: call.system },
      { role: 'user', content: [{ type: 'text', text: call.prompt }] },
    ],
    maxOutputTokens: call.maxOutputTokens,
    abortSignal: call.abortSignal,
  });
  return {
    text: result.content.map((part) => (part.type === 'text' ? part.text : '')).join(''),
    inputTokens: result.usage.inputTokens.total ?? 0,
    outputTokens: result.usage.outputTokens.total ?? 0,
  };
}
