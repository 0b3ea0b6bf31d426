import type { FinishReason, LanguageModelUsage, ModelMessage } from 'ai';
import type { Logger } from 'pino';
import type { ModelRegistry } from '../ai/model-registry.js';
import type { RunLimiter } from '../auth/run-limiter.js';
import type { AccessPolicy } from '../chat/access.js';
import { describeModelError } from '../chat/model-errors.js';
import { estimateTokens } from '../chat/prompt.js';
import { conversationDto } from '../chat/serialize.js';
import type { ModelReader } from '../files/prompt-attachments.js';
import { fetchRemoteImage } from '../files/remote-fetch.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Data } from '../store/repositories.js';
import type { MessageStatus } from '../store/schema.js';
import { usageEvent } from '../usage/usage-event.js';
import { type AttachmentLimits, attachmentLimits } from './attachment-limits.js';
import { type FetchImage, requireReadableParts, resolvePrompt } from './attachments.js';
import { modelNotFound, type OpenAIApiError } from './errors.js';
import { type HistoryTarget, recordExchange, resolveHistoryTarget } from './history.js';
import { type CallTarget, providerCall, requireSupportedByProvider } from './provider-call.js';
import type { CompletionCall } from './request.js';
import { type ToolCallEvent, type ToolCallResult, ToolCallTracker } from './tool-calls.js';
import { toToolSet } from './tools.js';
import { upstreamFailure } from './upstream-errors.js';

/**
 * One chat completion for an OpenAI client. Unlike a chat run (which lives on the server and
 * outlives the request), the client owns this one: it is aborted when the HTTP client goes away.
 * The prompt is the client's message list, not stored history, and the sampling settings are the
 * client's; that is why this does not go through RunManager. What it shares with runs is what
 * makes Parley a gateway: the same RunLimiter admission (rate, concurrency, quotas), the same
 * per-user token counters, the same model registry (retries, breakers) and error descriptions.
 */

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface CompletionResult {
  status: Extract<MessageStatus, 'complete' | 'stopped' | 'error'>;
  text: string;
  finishReason: FinishReason | null;
  usage: TokenUsage;
  /** Set when status is `error`. */
  error: OpenAIApiError | null;
  /** What the provider reported when log probabilities were asked for (OpenAI's entries). */
  logprobs: unknown;
  /** The tools the model called, in order; the client runs them. */
  toolCalls: ToolCallResult[];
}

export interface CompletionServiceDeps {
  store: Data;
  models: ModelRegistry;
  limiter: RunLimiter;
  bus: EventBus;
  logger: Logger;
  /** Who may write to a conversation named by X-Parley-Conversation (owner only by default). */
  policy?: AccessPolicy;
  /**
   * Images and files in requests: MAX_FILE_MB (`maxFileBytes`, as uploads), the count and total
   * per request, and the downloader of image URLs (SSRF-guarded; tests give it a wider policy).
   */
  attachments?: Partial<AttachmentLimits> & { fetchImage?: FetchImage };
}

/** What a stopped call's estimate counts for one image or file: providers charge roughly this much. */
const ATTACHMENT_TOKEN_ESTIMATE = 1_000;

/** The prompt's text (tool calls and results too), and its attachments at a flat rate, for an estimate of its tokens. */
function estimatePromptTokens(messages: ModelMessage[]): number {
  let text = '';
  let attachments = 0;
  for (const message of messages) {
    if (typeof message.content === 'string') {
      text += `${message.content}\n`;
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text') text += `${part.text}\n`;
      else if (part.type === 'tool-call') text += `${JSON.stringify(part.input)}\n`;
      else if (part.type === 'tool-result') text += `${JSON.stringify(part.output)}\n`;
      else attachments += 1;
    }
  }
  return estimateTokens(text) + attachments * ATTACHMENT_TOKEN_ESTIMATE;
}

/**
 * The provider's counts. When a client hangs up before the end the provider reports none, so the
 * tokens are estimated: hanging up early must not be a way around the token quota. A failed call
 * counts only what the provider reported.
 */
function countTokens(
  messages: ModelMessage[],
  status: CompletionResult['status'],
  text: string,
  usage: LanguageModelUsage | undefined,
): TokenUsage {
  if (status !== 'stopped') {
    return { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 };
  }
  return {
    inputTokens: usage?.inputTokens ?? estimatePromptTokens(messages),
    outputTokens: usage?.outputTokens ?? (text === '' ? 0 : estimateTokens(text)),
  };
}

export class CompletionService {
  /** Attachments per request; the route sizes its body limit from them. */
  readonly attachmentLimits: AttachmentLimits;
  private readonly fetchImage: FetchImage;

  constructor(private readonly deps: CompletionServiceDeps) {
    this.attachmentLimits = attachmentLimits(deps.attachments);
    this.fetchImage = deps.attachments?.fetchImage ?? fetchRemoteImage;
  }

  /** Throws a 404 OpenAI error for a model that is not in the registry. */
  requireModel(modelId: string): void {
    if (!this.deps.models.has(modelId)) throw modelNotFound(modelId);
  }

  /** Throws a 400 naming the model when the request sends images to a model that reads none. */
  requireReadable(call: CompletionCall): void {
    requireReadableParts(this.readerFor(call.modelId), call.attachments);
  }

  /** Throws a 400 naming the field when the model's provider cannot honour it (logprobs). */
  requireSupported(call: CompletionCall): void {
    requireSupportedByProvider(call, this.targetOf(call.modelId));
  }

  private targetOf(modelId: string): CallTarget {
    const registered = this.deps.models.get(modelId);
    return {
      providerId: registered?.info.provider ?? 'unknown',
      // Registry models are model objects; a bare gateway id string has no provider of its own.
      sdkProvider:
        typeof registered?.model === 'object' ? registered.model.provider : String(registered?.model),
      name: registered?.info.name ?? modelId,
    };
  }

  /** What the model reads, for the attachment checks and the prompt (as turns.ts). */
  private readerFor(modelId: string): ModelReader {
    const registered = this.deps.models.get(modelId);
    return {
      name: registered?.info.name ?? modelId,
      input: registered?.info.input ?? ['text'],
      imageLimits: this.deps.models.imageLimits(modelId),
    };
  }

  /**
   * The prompt with every attachment read, or a 4xx. After admission (see attachments.ts); the
   * slot is given back when this fails.
   */
  private async prompt(
    call: CompletionCall,
    signal: AbortSignal,
    release: () => void,
  ): Promise<ModelMessage[]> {
    try {
      return await resolvePrompt(call.prompt, {
        reader: this.readerFor(call.modelId),
        limits: this.attachmentLimits,
        fetchImage: this.fetchImage,
        signal,
      });
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Where to record the exchange (`X-Parley-Conversation`), checked before the model is called. */
  resolveHistory(
    userId: string,
    header: string | string[] | undefined,
    call: CompletionCall,
  ): Promise<HistoryTarget | undefined> {
    return resolveHistoryTarget(this.deps.store, userId, header, call.lastUserText, this.deps.policy);
  }

  /**
   * Run the completion, passing each text delta to `onDelta` (awaited: a slow client slows the
   * model instead of filling memory). Admission errors (429) are thrown; model errors are returned
   * in the result, since part of the reply may already be out.
   */
  async complete(
    userId: string,
    call: CompletionCall,
    options: {
      signal: AbortSignal;
      onDelta: (text: string) => Promise<void> | void;
      /** Each step of the model's tool calls as it streams (awaited, as `onDelta`). */
      onToolCall?: (event: ToolCallEvent) => Promise<void> | void;
      history?: HistoryTarget;
      log?: Logger;
      /** The API token the call came with: usage is counted for it as well as for the user. */
      apiTokenId?: string;
    },
  ): Promise<CompletionResult> {
    const log = options.log ?? this.deps.logger;
    const registered = this.deps.models.get(call.modelId);
    if (!registered) throw modelNotFound(call.modelId);
    const release = await this.deps.limiter.admit(userId, { apiTokenId: options.apiTokenId });
    const messages = await this.prompt(call, options.signal, release);
    const startedAt = new Date().toISOString();
    const started = performance.now();

    let text = '';
    let finishReason: FinishReason | null = null;
    let usage: LanguageModelUsage | undefined;
    let logprobs: unknown;
    let failure: unknown;
    let failed = false;
    // When the first token (text or a tool call) came: the time to first token of the usage event.
    let firstTokenAt: number | undefined;
    const tools = new ToolCallTracker(options.onToolCall);
    try {
      // The SDK is loaded on the first call of this API, not at start-up.
      const { streamText, jsonSchema } = await import('ai');
      const result = streamText({
        model: registered.model,
        messages,
        // Tools without `execute`: the calls end the step and go back to the client, which runs them.
        ...(call.tools
          ? {
              tools: toToolSet(call.tools.tools, jsonSchema),
              ...(call.tools.choice ? { toolChoice: call.tools.choice } : {}),
            }
          : {}),
        // The client owns the whole prompt, system messages included.
        allowSystemInMessages: true,
        ...call.settings,
        // Response format, log probabilities, the end-user id, and no Parley retries of a 429.
        ...providerCall(call, this.targetOf(call.modelId)),
        abortSignal: options.signal,
        // Retries and breakers belong to the provider layer (the registry wraps every model).
        maxRetries: 0,
        // Errors arrive as stream parts, handled below; the default prints them to stderr.
        onError: () => {},
      });
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          if (part.text === '') continue;
          firstTokenAt ??= performance.now();
          text += part.text;
          await options.onDelta(part.text);
        } else if (part.type === 'tool-input-start') {
          firstTokenAt ??= performance.now();
          await tools.start(part.id, part.toolName);
        } else if (part.type === 'tool-input-delta') {
          await tools.delta(part.id, part.delta);
        } else if (part.type === 'tool-call') {
          await tools.finish(part.toolCallId, part.toolName, part.input);
        } else if (part.type === 'finish-step') {
          logprobs = part.providerMetadata?.openai?.logprobs ?? logprobs;
        } else if (part.type === 'finish') {
          finishReason = part.finishReason;
          usage = part.totalUsage;
        } else if (part.type === 'error') {
          failed = true;
          failure = part.error;
        }
      }
    } catch (caught) {
      failed = true;
      failure = caught;
    } finally {
      release();
    }

    const status: CompletionResult['status'] = options.signal.aborted
      ? 'stopped'
      : failed
        ? 'error'
        : 'complete';
    const description = status === 'error' ? describeModelError(failure) : null;
    const counted = countTokens(messages, status, text, usage);
    await this.record(
      userId,
      call,
      status,
      text,
      finishReason,
      description,
      counted,
      startedAt,
      options.history,
      options.apiTokenId,
      firstTokenAt === undefined ? null : firstTokenAt - started,
    ).catch((err) => log.error({ err }, 'could not record the completion'));
    log.info(
      {
        model: call.modelId,
        status,
        inputTokens: counted.inputTokens,
        outputTokens: counted.outputTokens,
        durationMs: Math.round(performance.now() - started),
        ...(call.endUser ? { endUser: call.endUser } : {}),
        ...(options.history ? { conversationId: options.history.conversationId } : {}),
        ...(description ? { error: description } : {}),
      },
      'openai completion finished',
    );
    return {
      status,
      text,
      finishReason: status === 'complete' ? finishReason : null,
      usage: counted,
      error: description === null ? null : upstreamFailure(description, failure),
      logprobs: status === 'complete' ? logprobs : undefined,
      toolCalls: status === 'complete' ? tools.finished : [],
    };
  }

  /** Count the tokens; with history, write the exchange in the same transaction and tell the user's tabs. */
  private async record(
    userId: string,
    call: CompletionCall,
    status: CompletionResult['status'],
    text: string,
    finishReason: FinishReason | null,
    error: string | null,
    usage: TokenUsage,
    startedAt: string,
    history: HistoryTarget | undefined,
    apiTokenId: string | undefined,
    ttftMs: number | null,
  ): Promise<void> {
    if (apiTokenId) {
      await this.deps.store.repos.tokens.addApiTokenUsage(apiTokenId, usage.inputTokens + usage.outputTokens);
    }
    await this.deps.store.repos.usageEvents.insertUsageEvent(
      usageEvent(this.deps.models, {
        userId,
        modelId: call.modelId,
        source: 'api',
        ...usage,
        apiTokenId,
        ttftMs,
        failed: status === 'error',
        at: new Date(),
      }),
    );
    if (!history) {
      await this.deps.store.repos.usage.addTokenUsage(
        userId,
        usage.inputTokens + usage.outputTokens,
        new Date(),
      );
      return;
    }
    const conversation = await recordExchange(
      this.deps.store,
      history,
      {
        userId,
        model: call.modelId,
        systemText: call.systemText,
        userText: call.lastUserText ?? '',
        reply: {
          text,
          status,
          finishReason: status === 'complete' ? finishReason : null,
          error,
          ...usage,
        },
        startedAt,
      },
      this.deps.policy,
    );
    if (!conversation) return;
    this.deps.bus.publish(userId, {
      type: history.isNew ? 'conversation.created' : 'conversation.updated',
      conversation: conversationDto(conversation, null),
    });
  }
}
