import type { FinishReason, LanguageModelUsage } from 'ai';
import type { Logger } from 'pino';
import type { ModelRegistry } from '../ai/model-registry.js';
import type { RunLimiter } from '../auth/run-limiter.js';
import type { AccessPolicy } from '../chat/access.js';
import { describeModelError } from '../chat/model-errors.js';
import { estimateTokens } from '../chat/prompt.js';
import { conversationDto } from '../chat/serialize.js';
import type { EventBus } from '../realtime/event-bus.js';
import type { Data } from '../store/repositories.js';
import type { MessageStatus } from '../store/schema.js';
import { modelFailed, modelNotFound, type OpenAIApiError } from './errors.js';
import { type HistoryTarget, recordExchange, resolveHistoryTarget } from './history.js';
import type { CompletionCall } from './request.js';

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
}

export interface CompletionServiceDeps {
  store: Data;
  models: ModelRegistry;
  limiter: RunLimiter;
  bus: EventBus;
  logger: Logger;
  /** Who may write to a conversation named by X-Parley-Conversation (owner only by default). */
  policy?: AccessPolicy;
}

/**
 * The provider's counts. When a client hangs up before the end the provider reports none, so the
 * tokens are estimated: hanging up early must not be a way around the token quota. A failed call
 * counts only what the provider reported.
 */
function countTokens(
  call: CompletionCall,
  status: CompletionResult['status'],
  text: string,
  usage: LanguageModelUsage | undefined,
): TokenUsage {
  if (status !== 'stopped') {
    return { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 };
  }
  const promptText = call.messages
    .map((message) =>
      typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
    )
    .join('\n');
  return {
    inputTokens: usage?.inputTokens ?? estimateTokens(promptText),
    outputTokens: usage?.outputTokens ?? (text === '' ? 0 : estimateTokens(text)),
  };
}

export class CompletionService {
  constructor(private readonly deps: CompletionServiceDeps) {}

  /** Throws a 404 OpenAI error for a model that is not in the registry. */
  requireModel(modelId: string): void {
    if (!this.deps.models.has(modelId)) throw modelNotFound(modelId);
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
      history?: HistoryTarget;
      log?: Logger;
      /** The API token the call came with: usage is counted for it as well as for the user. */
      apiTokenId?: string;
    },
  ): Promise<CompletionResult> {
    const log = options.log ?? this.deps.logger;
    const registered = this.deps.models.get(call.modelId);
    if (!registered) throw modelNotFound(call.modelId);
    const release = await this.deps.limiter.admit(userId);
    const startedAt = new Date().toISOString();
    const started = performance.now();

    let text = '';
    let finishReason: FinishReason | null = null;
    let usage: LanguageModelUsage | undefined;
    let failure: unknown;
    let failed = false;
    try {
      // The SDK is loaded on the first call of this API, not at start-up.
      const { streamText } = await import('ai');
      const result = streamText({
        model: registered.model,
        messages: call.messages,
        // The client owns the whole prompt, system messages included.
        allowSystemInMessages: true,
        ...call.settings,
        abortSignal: options.signal,
        // Retries and breakers belong to the provider layer (the registry wraps every model).
        maxRetries: 0,
        // Errors arrive as stream parts, handled below; the default prints them to stderr.
        onError: () => {},
      });
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') {
          if (part.text === '') continue;
          text += part.text;
          await options.onDelta(part.text);
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
    const counted = countTokens(call, status, text, usage);
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
      error: description === null ? null : modelFailed(description, failure),
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
  ): Promise<void> {
    if (apiTokenId) {
      await this.deps.store.repos.tokens.addApiTokenUsage(apiTokenId, usage.inputTokens + usage.outputTokens);
    }
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
