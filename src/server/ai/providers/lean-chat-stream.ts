import { getResponseMetadata, mapOpenAICompatibleFinishReason } from '@ai-sdk/openai-compatible/internal';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3FinishReason,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
  SharedV3Warning,
} from '@ai-sdk/provider';
import { APICallError, InvalidResponseDataError } from '@ai-sdk/provider';
import {
  combineHeaders,
  extractResponseHeaders,
  generateId,
  isAbortError,
  postJsonToApi,
  type ResponseHandler,
  StreamingToolCallTracker,
  safeParseJSON,
} from '@ai-sdk/provider-utils';
import { createParser } from 'eventsource-parser';
import { modelLike } from '../model-like.js';
import { isNetworkError } from '../resilience.js';

/**
 * A lean reader for OpenAI-compatible chat-completion streams (vLLM, llama.cpp, LM Studio,
 * OpenRouter, Groq... through MODELS_FILE).
 *
 * Why: the AI SDK's stream runs every token through a TextDecoderStream, an EventSource parser
 * stream, a JSON transform with a zod validation of the chunk, and the provider's own transform:
 * four web-stream hops and a schema walk per token. Measured on this machine against the bench's
 * stub (60-token replies): 2.4–2.7 ms of CPU per reply through the SDK against 1.0 ms for a plain
 * fetch with one parse per chunk. Here one web stream is read, events are cut by the same parser
 * the SDK uses (eventsource-parser), and a chunk of the common shape (one choice, a text or
 * reasoning delta) is checked by hand; any other chunk (tool calls, usage, content arrays, errors)
 * is validated by the SDK model's own chunk schema, so it is judged exactly as before.
 *
 * What is not on the token path is still the SDK's: the request body (the model's `getArgs`), the
 * HTTP call and its errors (`postJsonToApi` with the model's error handler), tool-call assembly
 * (`StreamingToolCallTracker`), usage and finish-reason mapping. A call with options Parley never
 * sends (provider options, response formats, raw chunks...) goes to the SDK's own `doStream`.
 */

/** The parts of the SDK's chat model this reader reuses (not in its typings; checked at wrap time). */
interface SdkChatModel extends LanguageModelV3 {
  readonly config: {
    provider: string;
    url(options: { modelId: string; path: string }): string;
    headers(): Record<string, string | undefined>;
    fetch?: typeof fetch;
    includeUsage?: boolean;
    metadataExtractor?: unknown;
  };
  readonly chunkSchema: Parameters<typeof safeParseJSON>[0]['schema'];
  readonly failedResponseHandler: ResponseHandler<APICallError>;
  readonly providerOptionsName: string;
  getArgs(options: LanguageModelV3CallOptions): Promise<{
    args: Record<string, unknown>;
    warnings: SharedV3Warning[];
    metadataKey?: string;
  }>;
  transformRequestBody(args: Record<string, unknown>, warnings: SharedV3Warning[]): Record<string, unknown>;
  convertUsage(usage: unknown): LanguageModelV3Usage;
}

function isSdkChatModel(model: LanguageModelV3): model is SdkChatModel {
  const candidate = model as Partial<SdkChatModel>;
  return (
    typeof candidate.getArgs === 'function' &&
    typeof candidate.transformRequestBody === 'function' &&
    typeof candidate.convertUsage === 'function' &&
    typeof candidate.failedResponseHandler === 'function' &&
    candidate.chunkSchema !== undefined &&
    typeof candidate.config?.url === 'function' &&
    typeof candidate.config?.headers === 'function' &&
    candidate.config.metadataExtractor === undefined
  );
}

/** Options the lean path handles; any other set option sends the call to the SDK's own stream. */
const LEAN_OPTIONS = new Set([
  'prompt',
  'abortSignal',
  'maxOutputTokens',
  'temperature',
  'tools',
  'toolChoice',
]);

/** One SSE event larger than this (a runaway line from a broken server) ends the stream with an error. */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/**
 * Tool-call arguments of one reply, all calls together, past which the stream ends with an error:
 * the arguments are held until each call is complete, and a broken upstream could stream them
 * without end in events that are each small.
 */
const MAX_TOOL_ARGUMENT_CHARS = 8 * 1024 * 1024;

/**
 * The SDK's chat model with its `doStream` replaced by the lean reader; the model itself when it
 * is not the SDK class this was written against (a later SDK would then simply run as before).
 */
export function withLeanChatStream(model: LanguageModelV3): LanguageModelV3 {
  if (!isSdkChatModel(model)) return model;
  const sdk = model;
  return modelLike(sdk, {
    doGenerate: (options) => sdk.doGenerate(options),
    doStream: (options) => {
      const lean = Object.entries(options).every(
        ([key, value]) => value === undefined || LEAN_OPTIONS.has(key),
      );
      return lean ? leanStream(sdk, options) : sdk.doStream(options);
    },
  });
}

async function leanStream(
  sdk: SdkChatModel,
  options: LanguageModelV3CallOptions,
): Promise<LanguageModelV3StreamResult> {
  const { args, warnings, metadataKey } = await sdk.getArgs({ ...options });
  const body = sdk.transformRequestBody(
    {
      ...args,
      stream: true,
      stream_options: sdk.config.includeUsage ? { include_usage: true } : undefined,
    },
    warnings,
  );
  const url = sdk.config.url({ path: '/chat/completions', modelId: sdk.modelId });
  const rawBody: ResponseHandler<{ body: ReadableStream<Uint8Array>; status: number }> = async ({
    response,
  }) => {
    if (response.body === null)
      throw new InvalidResponseDataError({ data: undefined, message: 'Empty response body.' });
    return {
      value: { body: response.body, status: response.status },
      responseHeaders: extractResponseHeaders(response),
    };
  };
  const { responseHeaders, value } = await postJsonToApi({
    url,
    headers: combineHeaders(sdk.config.headers(), options.headers),
    body,
    failedResponseHandler: sdk.failedResponseHandler,
    successfulResponseHandler: rawBody,
    abortSignal: options.abortSignal,
    fetch: sdk.config.fetch,
  });
  const readFailed = (cause: unknown) =>
    isAbortError(cause)
      ? cause
      : new APICallError({
          message: 'Failed to process successful response',
          cause,
          url,
          requestBodyValues: body,
          statusCode: value.status,
          responseHeaders,
          isRetryable: isNetworkError(cause),
        });
  const parts = new ChatChunkReader(sdk, metadataKey ?? sdk.providerOptionsName);
  return {
    stream: partsOf(value.body, parts, warnings, readFailed),
    request: { body },
    response: { headers: responseHeaders },
  };
}

/** One web stream: read the body, cut events, map chunks to parts, several parts per read. */
function partsOf(
  body: ReadableStream<Uint8Array>,
  reader: ChatChunkReader,
  warnings: SharedV3Warning[],
  readFailed: (cause: unknown) => unknown,
): ReadableStream<LanguageModelV3StreamPart> {
  const bytes = body.getReader();
  const decoder = new TextDecoder();
  let pending: string[] = [];
  let tooLarge = false;
  const parser = createParser({
    onEvent: (event) => {
      if (event.data !== '[DONE]') pending.push(event.data);
    },
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') tooLarge = true;
    },
    maxBufferSize: MAX_EVENT_CHARS,
  });
  return new ReadableStream<LanguageModelV3StreamPart>(
    {
      start(controller) {
        controller.enqueue({ type: 'stream-start', warnings });
      },
      async pull(controller) {
        // Read until a read yields at least one part: a network chunk may end mid-event.
        for (;;) {
          let next: ReadableStreamReadResult<Uint8Array>;
          try {
            next = await bytes.read();
          } catch (error) {
            controller.error(readFailed(error));
            return;
          }
          if (next.done) {
            for (const part of reader.finish()) controller.enqueue(part);
            controller.close();
            return;
          }
          parser.feed(decoder.decode(next.value, { stream: true }));
          if (tooLarge) {
            controller.error(
              new InvalidResponseDataError({ data: undefined, message: 'A stream event exceeded 16 MiB.' }),
            );
            void bytes.cancel().catch(() => {});
            return;
          }
          if (pending.length === 0) continue;
          const events = pending;
          pending = [];
          let enqueued = false;
          for (const data of events) {
            for (const part of await reader.chunk(data)) {
              controller.enqueue(part);
              enqueued = true;
            }
          }
          if (enqueued) return;
        }
      },
      cancel(reason) {
        return bytes.cancel(reason);
      },
    },
    // Parts are read one at a time by the run; no queue beyond what one network read produced.
    { highWaterMark: 0 },
  );
}

/** A chunk whose only content is text (or reasoning) in one choice: checked by hand, no schema walk. */
interface TextChunk {
  id?: string | null;
  created?: number | null;
  model?: string | null;
  choices: [{ delta?: TextDelta | null; finish_reason?: string | null }];
  usage?: null;
}

interface TextDelta {
  role?: 'assistant' | '' | null;
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  refusal?: unknown;
}

const TEXT_DELTA_KEYS = new Set(['role', 'content', 'reasoning_content', 'reasoning', 'refusal']);
const optional = (value: unknown, type: 'string' | 'number') => value == null || typeof value === type;

/** The common chunk shape, or undefined (then the SDK's schema decides). */
function asTextChunk(value: unknown): TextChunk | undefined {
  if (typeof value !== 'object' || value === null || 'error' in value) return undefined;
  const chunk = value as Record<string, unknown>;
  if (chunk.usage != null || !optional(chunk.id, 'string') || !optional(chunk.model, 'string'))
    return undefined;
  if (!optional(chunk.created, 'number') || !Array.isArray(chunk.choices) || chunk.choices.length !== 1)
    return undefined;
  const choice = chunk.choices[0] as Record<string, unknown> | null;
  if (typeof choice !== 'object' || choice === null || !optional(choice.finish_reason, 'string'))
    return undefined;
  const delta = choice.delta as Record<string, unknown> | null | undefined;
  if (delta != null) {
    if (typeof delta !== 'object' || Array.isArray(delta)) return undefined;
    for (const key in delta) if (!TEXT_DELTA_KEYS.has(key)) return undefined;
    if (delta.role != null && delta.role !== 'assistant' && delta.role !== '') return undefined;
    if (!optional(delta.content, 'string') || !optional(delta.reasoning_content, 'string')) return undefined;
    if (!optional(delta.reasoning, 'string')) return undefined;
  }
  return chunk as unknown as TextChunk;
}

type ToolCallDelta = {
  index?: number | null;
  id?: string | null;
  function: { name?: string | null; arguments?: string | null };
  extra_content?: { google?: { thought_signature?: string | null } | null } | null;
};

interface FullChunk {
  id?: string | null;
  created?: number | null;
  model?: string | null;
  choices: {
    delta?: (Omit<TextDelta, 'content'> & { content?: unknown; tool_calls?: ToolCallDelta[] | null }) | null;
    finish_reason?: string | null;
  }[];
  usage?: unknown;
}

/**
 * What the SDK's transform does with each chunk, part for part: response metadata first, text and
 * reasoning blocks opened and closed around their deltas, tool calls assembled by the SDK's tracker
 * (a call's arguments are held until its name arrives), and at the end the finish reason and usage.
 */
class ChatChunkReader {
  private out: LanguageModelV3StreamPart[] = [];
  private readonly toolCalls: StreamingToolCallTracker<ToolCallDelta>;
  private readonly pendingCalls = new Map<
    number,
    { id: string | null; args: string; extra: ToolCallDelta['extra_content'] }
  >();
  private readonly forwardedCalls = new Set<number>();
  private first = true;
  private reasoningOpen = false;
  private textOpen = false;
  private refused = false;
  private failed = false;
  private toolArgumentChars = 0;
  private rawFinishReason: string | undefined;
  private usage: unknown;

  constructor(
    private readonly sdk: SdkChatModel,
    private readonly metadataKey: string,
  ) {
    this.toolCalls = new StreamingToolCallTracker<ToolCallDelta>(
      {
        enqueue: (part) => {
          if (part) this.out.push(part);
        },
      },
      {
        generateId,
        extractMetadata: (delta) => {
          const signature = delta.extra_content?.google?.thought_signature;
          return signature ? { [metadataKey]: { thoughtSignature: signature } } : undefined;
        },
        buildToolCallProviderMetadata: (metadata) => metadata,
      },
    );
  }

  /** The parts of one event's data. */
  async chunk(data: string): Promise<LanguageModelV3StreamPart[]> {
    this.out = [];
    let parsed: unknown;
    // The SDK's parser refuses prototype keys; such a chunk (or bad JSON) takes its path.
    const plain = !data.includes('__proto__') && !data.includes('constructor');
    try {
      parsed = plain ? JSON.parse(data) : undefined;
    } catch {
      parsed = undefined;
    }
    const text = parsed === undefined ? undefined : asTextChunk(parsed);
    if (text) this.onChunk(text);
    else {
      const result = await safeParseJSON({ text: data, schema: this.sdk.chunkSchema });
      if (!result.success) this.fail(result.error);
      else if ('error' in (result.value as object)) this.fail((result.value as { error: unknown }).error);
      else this.onChunk(result.value as FullChunk);
    }
    return this.out;
  }

  private fail(error: unknown): void {
    this.failed = true;
    this.out.push({ type: 'error', error });
  }

  private onChunk(chunk: FullChunk | TextChunk): void {
    if (this.first) {
      this.first = false;
      this.out.push({ type: 'response-metadata', ...getResponseMetadata(chunk) });
    }
    if (chunk.usage != null) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice?.finish_reason != null) this.rawFinishReason = choice.finish_reason;
    const delta = choice?.delta as FullChunk['choices'][number]['delta'];
    if (delta == null) return;
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (reasoning) this.reasoningDelta(reasoning);
    this.content(delta.content);
    if (typeof delta.refusal === 'string' && delta.refusal.length > 0) {
      this.refused = true;
      this.textDelta(delta.refusal);
    }
    if (delta.tool_calls != null && delta.tool_calls.length > 0) {
      this.closeReasoning();
      for (const call of delta.tool_calls) this.toolCallDelta(call);
    }
  }

  /** `content`: a string, or (some servers) an array of text and thinking parts. */
  private content(content: unknown): void {
    if (typeof content === 'string') {
      if (content.length > 0) this.textDelta(content);
      return;
    }
    if (!Array.isArray(content)) return;
    for (const part of content as { type?: unknown; text?: unknown; thinking?: unknown }[]) {
      if (part.type === 'text' && typeof part.text === 'string') {
        if (part.text.length > 0) this.textDelta(part.text);
      } else if (part.type === 'thinking' && Array.isArray(part.thinking)) {
        const thought = (part.thinking as { type?: unknown; text?: unknown }[])
          .filter(
            (piece) =>
              piece != null &&
              typeof piece === 'object' &&
              piece.type === 'text' &&
              typeof piece.text === 'string',
          )
          .map((piece) => piece.text as string)
          .join('');
        if (thought.length > 0) this.reasoningDelta(thought);
      }
    }
  }

  private reasoningDelta(delta: string): void {
    if (this.textOpen) {
      this.out.push({ type: 'text-end', id: 'txt-0' });
      this.textOpen = false;
    }
    if (!this.reasoningOpen) {
      this.out.push({ type: 'reasoning-start', id: 'reasoning-0' });
      this.reasoningOpen = true;
    }
    this.out.push({ type: 'reasoning-delta', id: 'reasoning-0', delta });
  }

  private textDelta(delta: string): void {
    this.closeReasoning();
    if (!this.textOpen) {
      this.out.push({ type: 'text-start', id: 'txt-0' });
      this.textOpen = true;
    }
    this.out.push({ type: 'text-delta', id: 'txt-0', delta });
  }

  private closeReasoning(): void {
    if (!this.reasoningOpen) return;
    this.out.push({ type: 'reasoning-end', id: 'reasoning-0' });
    this.reasoningOpen = false;
  }

  /** A call's arguments may stream before its name; they are held until the name arrives. */
  private toolCallDelta(call: ToolCallDelta): void {
    this.toolArgumentChars += call.function?.arguments?.length ?? 0;
    if (this.toolArgumentChars > MAX_TOOL_ARGUMENT_CHARS) {
      // Thrown in the stream's pull: the stream ends with this error.
      throw new InvalidResponseDataError({
        data: undefined,
        message: 'The tool-call arguments of a reply exceeded 8 MiB.',
      });
    }
    const { index } = call;
    if (index == null || this.forwardedCalls.has(index)) {
      this.toolCalls.processDelta(call);
      return;
    }
    let pending = this.pendingCalls.get(index);
    if (!pending) {
      pending = { id: call.id ?? null, args: '', extra: call.extra_content ?? null };
      this.pendingCalls.set(index, pending);
    } else {
      if (pending.id == null && call.id != null) pending.id = call.id;
      if (pending.extra == null && call.extra_content != null) pending.extra = call.extra_content;
    }
    if (call.function?.arguments != null) pending.args += call.function.arguments;
    const name = call.function?.name;
    if (name == null) return;
    this.toolCalls.processDelta({
      index,
      id: pending.id,
      function: { name, arguments: pending.args },
      extra_content: pending.extra ?? undefined,
    });
    this.pendingCalls.delete(index);
    this.forwardedCalls.add(index);
  }

  /** The stream's end: close open blocks, finish tool calls, then the finish part. */
  finish(): LanguageModelV3StreamPart[] {
    this.out = [];
    this.closeReasoning();
    if (this.textOpen) this.out.push({ type: 'text-end', id: 'txt-0' });
    for (const [index, pending] of this.pendingCalls) {
      this.toolCalls.processDelta({ index, id: pending.id, function: { arguments: pending.args } });
    }
    this.pendingCalls.clear();
    this.toolCalls.flush();
    let finishReason: LanguageModelV3FinishReason | undefined = this.failed
      ? { unified: 'error', raw: undefined }
      : undefined;
    if (this.rawFinishReason !== undefined) {
      finishReason = {
        unified: mapOpenAICompatibleFinishReason(this.rawFinishReason, { hasRefusal: this.refused }),
        raw: this.rawFinishReason,
      };
    }
    if (finishReason === undefined) {
      finishReason = { unified: 'error', raw: undefined };
      this.out.push({
        type: 'error',
        error: new InvalidResponseDataError({
          data: undefined,
          message: 'Response stream ended without a finish reason.',
        }),
      });
    }
    const details = (this.usage as { completion_tokens_details?: Record<string, unknown> } | undefined)
      ?.completion_tokens_details;
    const metadata: Record<string, unknown> = {};
    if (details?.accepted_prediction_tokens != null)
      metadata.acceptedPredictionTokens = details.accepted_prediction_tokens;
    if (details?.rejected_prediction_tokens != null)
      metadata.rejectedPredictionTokens = details.rejected_prediction_tokens;
    this.out.push({
      type: 'finish',
      finishReason,
      usage: this.sdk.convertUsage(this.usage),
      providerMetadata: { [this.metadataKey]: metadata } as never,
    });
    return this.out;
  }
}
