import type { Logger } from 'pino';
import type { ConversationDto } from '../../shared/api-schemas.js';
import { TITLE_REQUEST_OPENING } from '../ai/demo-model.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import { ModelTimeoutError, ModelUnavailableError } from '../ai/resilience.js';
import { generateShortText } from '../ai/stream-model.js';
import { hasRoom } from '../auth/effective-limits.js';
import { type GroupLimits, modelNotAllowed } from '../auth/group-limits.js';
import type { RunLimiter } from '../auth/run-limiter.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Data } from '../store/repositories.js';
import type { ConversationRow } from '../store/schema.js';
import { usageEvent } from '../usage/usage-event.js';
import type { ChatService } from './chat-service.js';
import { describeModelError } from './model-errors.js';
import { titleFrom } from './title.js';

/**
 * Titles written by a model: right after a conversation's first message (in the background; the
 * first words stand meanwhile, and stay when anything fails) and on request (the row menu's
 * "Regenerate title"). Every write is a compare-and-set against the title it replaces, so a rename
 * that lands meanwhile always wins. The call is small and bounded (the first 2,000 characters in,
 * a few tokens out, 20 s), counted in the user's quota as usage `source: title`.
 */

/** What the title model reads of the first message. */
export const TITLE_INPUT_CHARS = 2_000;
/** Enough for six words in any language; a title is never a reply. */
export const TITLE_MAX_OUTPUT_TOKENS = 32;
export const TITLE_TIMEOUT_MS = 20_000;
/** Background title calls under way on this instance at most; past it a new chat keeps its first words. */
const MAX_PENDING = 100;
/** Regenerate requests one user may have waiting on the model at once (across conversations). */
const MAX_REGENERATING_PER_USER = 3;
const MAX_TITLE = 60;

/** The title request's instructions; the opening sentence is how the demo model knows one. */
export const TITLE_SYSTEM_PROMPT = `${TITLE_REQUEST_OPENING} Reply with a short title (at most 6 words) for the conversation that starts with the user's message. Write the title only, in the language of the message: no quotes, no markdown, no punctuation at the end.`;

/**
 * A model's answer as a title: its first line, without markdown, quotes, a "Title:" label or
 * trailing punctuation, whitespace collapsed, at most 60 characters (cut on a word). Empty when
 * nothing usable is left (the caller keeps the title it has).
 */
export function cleanTitle(raw: string): string {
  const withoutThinking = raw.slice(0, 4_000).replace(/<think>[\s\S]*?(<\/think>|$)/gi, '');
  const line =
    withoutThinking
      .split(/\r?\n/)
      .map((part) => part.trim())
      .find((part) => part !== '') ?? '';
  const quotes = `"'“”‘’«»„\``;
  let text = line
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^(?:#+\s*|>+\s*|[-*+]\s+|\d+[.)]\s+)+/, '')
    .replace(/[*_~`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  for (let i = 0; i < 3; i++) {
    text = text
      .replace(/^(?:title|conversation title)\s*[:：-]\s*/i, '')
      .replace(new RegExp(`^[${quotes}\\s]+|[${quotes}\\s]+$`, 'g'), '')
      .replace(/[\s.,;:!?¡¿。、，．…·\-–—]+$/u, '')
      .trim();
  }
  if (text.length <= MAX_TITLE) return text;
  const cut = text.slice(0, MAX_TITLE);
  const lastSpace = cut.lastIndexOf(' ');
  return (lastSpace > 20 ? cut.slice(0, lastSpace) : cut).replace(/[\s.,;:!?…\-–—]+$/u, '').trim();
}

/**
 * TITLE_MODEL checked against the registry (at start-up): a model id, `off` (null: the first words
 * only), or unset (undefined: each conversation's own model). An unknown id is a one-line error
 * naming the setting, like DEFAULT_MODEL's.
 */
export function titleModelSetting(
  config: Pick<Config, 'titleModel'>,
  models: Pick<ModelRegistry, 'has' | 'list'>,
): string | null | undefined {
  const wanted = config.titleModel;
  if (wanted === undefined) return undefined;
  if (wanted.toLowerCase() === 'off') return null;
  if (!models.has(wanted)) {
    throw new Error(
      `Invalid setting TITLE_MODEL=${JSON.stringify(wanted)}: expected off or one of ${models
        .list()
        .map((model) => model.id)
        .join(', ')}.`,
    );
  }
  return wanted;
}

/**
 * A title the model could not write: said to the caller of the regenerate route as it is (these
 * messages name the model and what went wrong, never a secret), with its status.
 */
export class TitleModelError extends AppError {
  override name = 'TitleModelError';
}

export interface TitleWriterDeps {
  store: Data;
  models: ModelRegistry;
  chat: Pick<ChatService, 'requireConversation' | 'writeTitle'>;
  groups: Pick<GroupLimits, 'allowedModels' | 'standing'>;
  /** An API token's own daily budget, checked like a reply's. */
  limiter: Pick<RunLimiter, 'checkTokenBudget'>;
  config: Pick<Config, 'titleModel'>;
  logger: Logger;
  /** TITLE_TIMEOUT_MS unless a test wants it shorter. */
  timeoutMs?: number;
}

export class TitleWriter {
  /** undefined: the conversation's model; null: off. */
  private readonly titleModel: string | null | undefined;
  /** Conversations whose title is being written here: one writer at a time (the route's 409). */
  private readonly claims = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  /** Regenerate requests under way, per user. */
  private readonly regenerating = new Map<string, number>();
  private readonly shutdown = new AbortController();

  constructor(private readonly deps: TitleWriterDeps) {
    this.titleModel = titleModelSetting(deps.config, deps.models);
  }

  /**
   * After a conversation's first message was accepted and `placeholder` (its first words) written:
   * ask the title model in the background and replace the placeholder, unless the user renamed
   * it meanwhile. Never throws; a failure keeps the placeholder and is logged (without the text).
   */
  afterFirstMessage(userId: string, conversationId: string, placeholder: string, apiTokenId?: string): void {
    if (this.titleModel === null || this.shutdown.signal.aborted) return;
    if (this.pending.size >= MAX_PENDING || this.claims.has(conversationId)) return;
    this.claims.add(conversationId);
    const task = this.writeInBackground(userId, conversationId, placeholder, apiTokenId).finally(() => {
      this.claims.delete(conversationId);
      this.pending.delete(task);
    });
    this.pending.add(task);
  }

  /**
   * Regenerate a conversation's title from its first user message, now (bounded by the timeout).
   * 404: not the caller's; 409: a title is being written already, or a rename landed meanwhile;
   * 403/429: the model is not allowed or the quota is used up; 502/503: the model failed.
   */
  async regenerate(
    userId: string,
    conversationId: string,
    options: { apiTokenId?: string } = {},
  ): Promise<ConversationDto> {
    const conversation = await this.deps.chat.requireConversation(userId, conversationId, 'write');
    if (this.claims.has(conversationId)) {
      throw new AppError(
        'conflict',
        'A title for this conversation is being written right now; wait a moment.',
      );
    }
    if (this.shutdown.signal.aborted) {
      throw new AppError('unavailable', 'The server is restarting; try again in a moment.', {
        retryAfterSeconds: 5,
      });
    }
    const mine = this.regenerating.get(userId) ?? 0;
    if (mine >= MAX_REGENERATING_PER_USER) {
      throw new AppError(
        'rate_limited',
        `You have ${MAX_REGENERATING_PER_USER} titles being written already; wait for one to finish.`,
        { retryAfterSeconds: 5 },
      );
    }
    this.claims.add(conversationId);
    this.regenerating.set(userId, mine + 1);
    try {
      // The title as read now: what the new one replaces, unless the user renames it first.
      const expected = conversation.title;
      const first = await this.deps.store.repos.messages.firstUserMessage(conversationId);
      if (!first || first.content.trim() === '') {
        throw new AppError('conflict', 'This conversation has no message to write a title from yet.');
      }
      const title =
        this.titleModel === null
          ? titleFrom(first.content)
          : await this.ask(userId, conversation, first.content, this.deadline(), options.apiTokenId);
      const written = await this.deps.chat.writeTitle(conversation, expected, title);
      if (!written) {
        throw new AppError('conflict', 'The conversation was renamed meanwhile; its new name was kept.');
      }
      return written;
    } finally {
      this.claims.delete(conversationId);
      const left = (this.regenerating.get(userId) ?? 1) - 1;
      if (left > 0) this.regenerating.set(userId, left);
      else this.regenerating.delete(userId);
    }
  }

  /** Abort the calls under way (shutdown) and wait for them to end. */
  async stop(): Promise<void> {
    this.shutdown.abort(new DOMException('Server shutting down', 'AbortError'));
    await Promise.allSettled([...this.pending]);
  }

  private deadline(): AbortSignal {
    return AbortSignal.any([
      this.shutdown.signal,
      AbortSignal.timeout(this.deps.timeoutMs ?? TITLE_TIMEOUT_MS),
    ]);
  }

  private async writeInBackground(
    userId: string,
    conversationId: string,
    placeholder: string,
    apiTokenId: string | undefined,
  ): Promise<void> {
    const log = this.deps.logger;
    let model: string | undefined;
    try {
      const conversation = await this.deps.chat.requireConversation(userId, conversationId, 'write');
      // Renamed before the call even started: nothing to do.
      if (conversation.title !== placeholder) return;
      model = this.modelFor(conversation);
      const first = await this.deps.store.repos.messages.firstUserMessage(conversationId);
      if (!first || first.content.trim() === '') return;
      const title = await this.ask(userId, conversation, first.content, this.deadline(), apiTokenId);
      if (this.shutdown.signal.aborted || title === placeholder) return;
      const written = await this.deps.chat.writeTitle(conversation, placeholder, title);
      if (!written)
        log.debug({ conversationId }, 'title not written: the conversation was renamed meanwhile');
    } catch (err) {
      if (this.shutdown.signal.aborted) return;
      // Never the message text: the reason's code and sentence name the model, not the content.
      log.warn(
        {
          conversationId,
          model,
          code: err instanceof AppError ? err.code : undefined,
          reason: err instanceof Error ? err.message : String(err),
        },
        'model title not written; the first words stay',
      );
    }
  }

  private modelFor(conversation: ConversationRow): string {
    return this.titleModel ?? conversation.model;
  }

  /** Ask the title model; a clean title, or an AppError saying why not (checks, quota, the model). */
  private async ask(
    userId: string,
    conversation: ConversationRow,
    firstMessage: string,
    signal: AbortSignal,
    apiTokenId?: string,
  ): Promise<string> {
    const modelId = this.modelFor(conversation);
    const registered = this.deps.models.get(modelId);
    if (!registered) {
      throw new TitleModelError(
        'unavailable',
        `The model ${modelId} is not configured on this server any more.`,
      );
    }
    const allowed = await this.deps.groups.allowedModels(userId);
    if (allowed && !allowed.has(modelId)) throw modelNotAllowed(modelId);
    const { daily, monthly } = await this.deps.groups.standing(userId);
    if (!hasRoom(daily) || !hasRoom(monthly)) {
      throw new AppError('quota_exceeded', 'Your token quota is used up; the title was not changed.');
    }
    await this.deps.limiter.checkTokenBudget(apiTokenId);

    const started = performance.now();
    let inputTokens = 0;
    let outputTokens = 0;
    let failure: unknown;
    let text = '';
    try {
      // Retries and breakers belong to the provider layer (the registry wraps every model).
      const result = await generateShortText({
        model: registered.model,
        system: TITLE_SYSTEM_PROMPT,
        prompt: firstMessage.slice(0, TITLE_INPUT_CHARS),
        maxOutputTokens: TITLE_MAX_OUTPUT_TOKENS,
        abortSignal: signal,
      });
      ({ text, inputTokens, outputTokens } = result);
    } catch (caught) {
      failure = caught;
    }
    const spent = { inputTokens, outputTokens, failed: failure !== undefined, started, apiTokenId };
    await this.record(userId, modelId, spent).catch((err) =>
      this.deps.logger.error({ err, conversationId: conversation.id }, 'could not record the title usage'),
    );
    if (failure !== undefined) throw this.failed(modelId, failure, signal);
    const title = cleanTitle(text);
    if (title === '') {
      throw new TitleModelError('model_error', `The model ${modelId} answered without a usable title.`);
    }
    return title;
  }

  /** Why the call failed, as the regenerate route says it. */
  private failed(modelId: string, error: unknown, signal: AbortSignal): AppError {
    if (this.shutdown.signal.aborted) {
      return new AppError('unavailable', 'The server is restarting; try again in a moment.', {
        retryAfterSeconds: 5,
      });
    }
    if (signal.aborted) {
      const seconds = Math.round((this.deps.timeoutMs ?? TITLE_TIMEOUT_MS) / 1000);
      return new TitleModelError(
        'unavailable',
        `The model ${modelId} did not write a title within ${seconds}s.`,
        {
          cause: error,
          retryAfterSeconds: 5,
        },
      );
    }
    const description = describeModelError(error).slice(0, 300);
    if (error instanceof ModelUnavailableError || error instanceof ModelTimeoutError) {
      return new TitleModelError('unavailable', `The title was not changed: ${description}`, {
        cause: error,
        retryAfterSeconds: error instanceof ModelUnavailableError ? Math.ceil(error.retryInMs / 1000) : 5,
      });
    }
    return new TitleModelError(
      'model_error',
      `The model ${modelId} could not write a title: ${description}`,
      {
        cause: error,
      },
    );
  }

  /** The title's tokens: in the user's quota and the usage report (`source: title`), like a reply's. */
  private async record(
    userId: string,
    modelId: string,
    spent: {
      inputTokens: number;
      outputTokens: number;
      failed: boolean;
      started: number;
      apiTokenId: string | undefined;
    },
  ): Promise<void> {
    const { inputTokens, outputTokens, failed, started, apiTokenId } = spent;
    const at = new Date();
    await this.deps.store.transaction(async (trx) => {
      await trx.usage.addTokenUsage(userId, inputTokens + outputTokens, at);
      if (apiTokenId) await trx.tokens.addApiTokenUsage(apiTokenId, inputTokens + outputTokens);
      await trx.usageEvents.insertUsageEvent(
        usageEvent(this.deps.models, {
          userId,
          modelId,
          source: 'title',
          inputTokens,
          outputTokens,
          apiTokenId,
          // Not streamed: the whole answer's time stands for the first token's.
          ttftMs: failed ? null : performance.now() - started,
          failed,
          at,
        }),
      );
    });
  }
}
