import type { Logger } from 'pino';
import type { ConversationDto, MessageDto } from '../../shared/api-schemas.js';
import { runStart } from '../../shared/run-events.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import type { RunLimiter } from '../auth/run-limiter.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { ControlBus } from '../realtime/control-bus.js';
import type { EventBus } from '../realtime/event-bus.js';
import {
  type ConversationCursor,
  deleteConversation,
  findConversation,
  findDefaultConversation,
  insertConversation,
  listConversations,
  touchConversation,
  updateConversation,
} from '../store/conversations-repo.js';
import type { Store } from '../store/database.js';
import {
  branchTo,
  claimForContinue,
  findMessage,
  findMessageInConversation,
  firstUserMessage,
  insertMessage,
  isSecondStreamingReply,
  messagesBefore,
  newestMessage,
} from '../store/messages-repo.js';
import { activeRunsOf, findRun, insertRun, latestRun, runningRuns } from '../store/runs-repo.js';
import type { ConversationRow, MessageRow, RunKind } from '../store/schema.js';
import { fitToContext, historyCharsFor, toModelMessages } from './prompt.js';
import type { ActiveRun, RunManager, RunOutcome } from './run-manager.js';
import { conversationDto, messageDto } from './serialize.js';
import { titleFrom } from './title.js';

export interface ChatServiceDeps {
  store: Store;
  limiter: RunLimiter;
  /** Reaches runs on other instances (stop). */
  control: ControlBus;
  /** False while shared realtime state (Redis) is unreachable: new runs are refused then. */
  realtimeHealthy: () => boolean;
  runs: RunManager;
  bus: EventBus;
  models: ModelRegistry;
  logger: Logger;
  instanceId: string;
  /** LOG_MESSAGE_CONTENT: include message text in logs (off by default: logs are not for content). */
  logMessageContent?: boolean;
}

export interface StartedRun {
  run: ActiveRun;
  conversationId: string;
  userMessage: MessageDto | null;
  assistantMessage: MessageDto;
}

const now = () => new Date().toISOString();

/**
 * How many messages of a branch (newest kept) go to the model. Bounds the cost of a turn in a
 * very long conversation; trimming to each model's context window refines this per model.
 */
const PROMPT_HISTORY_MESSAGES = 200;

function encodeCursor(cursor: ConversationCursor): string {
  return Buffer.from(JSON.stringify([cursor.updatedAt, cursor.id])).toString('base64url');
}

function decodeCursor(raw: string): ConversationCursor {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (typeof updatedAt === 'string' && typeof id === 'string') return { updatedAt, id };
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_error', 'The cursor is not valid: pass nextCursor from a previous page.');
}

/**
 * Which replies `continue` can pick up: cut off by a crash, a stop, an error or the length limit.
 * A quick check before admission; the claim itself is claimForContinue (the same rule, atomic).
 */
function isContinuable(message: MessageRow): boolean {
  return (
    message.role === 'assistant' &&
    (message.status === 'interrupted' ||
      message.status === 'stopped' ||
      message.status === 'error' ||
      (message.status === 'complete' && message.finish_reason === 'length'))
  );
}

function notContinuable(message: MessageRow | undefined): AppError {
  return new AppError(
    'not_continuable',
    message?.status === 'streaming'
      ? 'This reply is still being written.'
      : 'Only an interrupted, stopped, failed or cut-off reply can be continued.',
  );
}

/** The database refused a second streaming reply to one user message: say so as a 409. */
function oneReplyAtATime(error: unknown): never {
  if (isSecondStreamingReply(error)) {
    throw new AppError(
      'conflict',
      'Another reply to this message is still being written; wait for it or stop it first.',
    );
  }
  throw error;
}

/** Conversations, messages and runs for one user at a time: every query is scoped by user id. */
export class ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

  private get db() {
    return this.deps.store.db;
  }

  /**
   * A conversation as the API shows it. Its active run is read from the store, not from this
   * process's runs, so every instance reports the run whichever instance streams it.
   */
  private async dto(row: ConversationRow): Promise<ConversationDto> {
    return (await this.dtos([row]))[0] as ConversationDto;
  }

  /** Many conversations (a page of the list) with their active runs, in one query. */
  private async dtos(rows: ConversationRow[]): Promise<ConversationDto[]> {
    const active = await activeRunsOf(
      this.db,
      rows.map((row) => row.id),
      now(),
    );
    return rows.map((row) => {
      const run = active.get(row.id);
      return conversationDto(row, run ? { id: run.id, messageId: run.message_id } : null);
    });
  }

  private checkModel(model: string | undefined): string | undefined {
    if (model !== undefined && !this.deps.models.has(model)) {
      throw new AppError(
        'unknown_model',
        `Unknown model "${model}". GET /api/models lists the models you can use.`,
      );
    }
    return model;
  }

  async requireConversation(userId: string, id: string): Promise<ConversationRow> {
    const row = await findConversation(this.db, userId, id);
    if (!row) throw notFound('Conversation');
    return row;
  }

  async createConversation(
    userId: string,
    input: { title?: string; model?: string; systemPrompt?: string },
    isDefault = false,
  ): Promise<ConversationDto> {
    const at = now();
    const row = await insertConversation(this.db, {
      id: newId(),
      user_id: userId,
      title: input.title?.trim() || null,
      model: this.checkModel(input.model) ?? this.deps.models.defaultModel,
      system_prompt: input.systemPrompt ?? null,
      is_default: isDefault ? 1 : 0,
      created_at: at,
      updated_at: at,
    });
    const dto = await this.dto(row);
    this.deps.bus.publish(userId, { type: 'conversation.created', conversation: dto });
    return dto;
  }

  async listConversations(
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: ConversationDto[]; nextCursor: string | null }> {
    const rows = await listConversations(
      this.db,
      userId,
      limit + 1,
      cursor ? decodeCursor(cursor) : undefined,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.dtos(page),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ updatedAt: last.updated_at, id: last.id }) : null,
    };
  }

  async getConversation(userId: string, id: string): Promise<ConversationDto> {
    return this.dto(await this.requireConversation(userId, id));
  }

  async updateConversation(
    userId: string,
    id: string,
    patch: { title?: string; model?: string; systemPrompt?: string | null },
  ): Promise<ConversationDto> {
    await this.requireConversation(userId, id);
    this.checkModel(patch.model);
    const row = await updateConversation(this.db, userId, id, {
      ...(patch.title !== undefined ? { title: patch.title.trim() || null } : {}),
      ...(patch.model !== undefined ? { model: patch.model } : {}),
      ...(patch.systemPrompt !== undefined ? { system_prompt: patch.systemPrompt } : {}),
      updated_at: now(),
    });
    if (!row) throw notFound('Conversation');
    const dto = await this.dto(row);
    this.deps.bus.publish(userId, { type: 'conversation.updated', conversation: dto });
    return dto;
  }

  async deleteConversation(userId: string, id: string): Promise<void> {
    await this.requireConversation(userId, id);
    await this.deps.runs.stop(userId, id);
    if (!(await deleteConversation(this.db, userId, id))) throw notFound('Conversation');
    this.deps.bus.publish(userId, { type: 'conversation.deleted', conversationId: id });
  }

  async listMessages(
    userId: string,
    conversationId: string,
    limit: number,
    before?: string,
  ): Promise<{ items: MessageDto[]; nextCursor: string | null }> {
    await this.requireConversation(userId, conversationId);
    const rows = await messagesBefore(this.db, conversationId, limit + 1, before);
    const page = rows.slice(0, limit).reverse();
    return {
      items: page.map(messageDto),
      nextCursor: rows.length > limit && page[0] ? page[0].id : null,
    };
  }

  /** Commit the user message, a pending reply and the run in one transaction, then start the run. */
  async sendMessage(
    userId: string,
    conversationId: string,
    input: { content: string; model?: string; parentId?: string | null },
    options: { log?: Logger; waitForSlot?: boolean } = {},
  ): Promise<StartedRun> {
    if (input.content.trim() === '') {
      throw new AppError('validation_error', 'Message content cannot be empty.');
    }
    if (input.content.includes('\u0000')) {
      // PostgreSQL cannot store it, and no person types it: refuse rather than alter the text.
      throw new AppError('validation_error', 'Message content cannot contain a NUL character (\\u0000).');
    }
    const log = options.log ?? this.deps.logger;
    const conversation = await this.requireConversation(userId, conversationId);
    const model = this.checkModel(input.model) ?? conversation.model;
    const release = await this.admit(userId, { waitForSlot: options.waitForSlot });
    const at = now();
    const ids = { user: newId(), assistant: newId(), run: newId() };

    const { userMessage, assistantMessage } = await this.releaseOnError(release, () =>
      this.db.transaction().execute(async (trx) => {
        let parentId: string | null = null;
        if (input.parentId === null) {
          parentId = null;
        } else if (input.parentId !== undefined) {
          const parent = await findMessageInConversation(trx, conversationId, input.parentId);
          if (!parent) throw notFound('Parent message');
          parentId = parent.id;
        } else {
          parentId = (await newestMessage(trx, conversationId))?.id ?? null;
        }
        const userMessage = await insertMessage(trx, {
          id: ids.user,
          conversation_id: conversationId,
          user_id: userId,
          parent_id: parentId,
          role: 'user',
          content: input.content,
          status: 'complete',
          created_at: at,
          updated_at: at,
        });
        const assistantMessage = await this.insertPendingReply(
          trx,
          conversation,
          ids.assistant,
          ids.user,
          model,
          at,
        );
        await this.insertRunRow(trx, ids.run, conversation, userId, ids.assistant, 'reply', model, at);
        await touchConversation(trx, conversationId, at);
        return { userMessage, assistantMessage };
      }),
    );

    log.info(
      {
        conversationId,
        messageId: userMessage.id,
        length: input.content.length,
        ...(this.deps.logMessageContent ? { content: input.content } : {}),
      },
      'user message received',
    );
    const run = await this.startRun(
      conversation,
      userId,
      release,
      ids.run,
      assistantMessage,
      userMessage.id,
      'reply',
      model,
      '',
    );
    return {
      run,
      conversationId,
      userMessage: messageDto(userMessage),
      assistantMessage: messageDto(assistantMessage),
    };
  }

  /** A new sibling reply to the same user message; the old reply stays in the tree. */
  async regenerate(userId: string, messageId: string, input: { model?: string }): Promise<StartedRun> {
    const message = await findMessage(this.db, userId, messageId);
    if (!message) throw notFound('Message');
    const parentId = message.role === 'assistant' ? message.parent_id : message.id;
    if (!parentId) throw new AppError('conflict', 'This message has no user message to reply to.');
    const conversation = await this.requireConversation(userId, message.conversation_id);
    const model = this.checkModel(input.model) ?? conversation.model;
    const release = await this.admit(userId);
    const at = now();
    const ids = { assistant: newId(), run: newId() };
    // The unique index on streaming replies claims the parent: of parallel regenerates (or a
    // regenerate while a reply to it streams) one inserts, the others get a 409 and free their slot.
    const assistantMessage = await this.releaseOnError(release, () =>
      this.db
        .transaction()
        .execute(async (trx) => {
          const reply = await this.insertPendingReply(trx, conversation, ids.assistant, parentId, model, at);
          await this.insertRunRow(trx, ids.run, conversation, userId, ids.assistant, 'regenerate', model, at);
          await touchConversation(trx, conversation.id, at);
          return reply;
        })
        .catch(oneReplyAtATime),
    );
    const run = await this.startRun(
      conversation,
      userId,
      release,
      ids.run,
      assistantMessage,
      parentId,
      'regenerate',
      model,
      '',
    );
    return {
      run,
      conversationId: conversation.id,
      userMessage: null,
      assistantMessage: messageDto(assistantMessage),
    };
  }

  /** Pick up a reply that was interrupted, stopped, failed or cut off, appending to its text. */
  async continueMessage(userId: string, messageId: string, input: { model?: string }): Promise<StartedRun> {
    const message = await findMessage(this.db, userId, messageId);
    if (!message) throw notFound('Message');
    if (!isContinuable(message)) throw notContinuable(message);
    const conversation = await this.requireConversation(userId, message.conversation_id);
    const model = this.checkModel(input.model) ?? message.model ?? conversation.model;
    const release = await this.admit(userId);
    const at = now();
    const runId = newId();
    // Claim the reply (continuable → streaming) and record the run in one transaction: of parallel
    // requests one wins; the others get a 409, free their slot and never call the model.
    const pending = await this.releaseOnError(release, () =>
      this.db
        .transaction()
        .execute(async (trx) => {
          const claimed = await claimForContinue(trx, userId, message.id, at);
          if (!claimed) throw notContinuable(await findMessage(trx, userId, message.id));
          await this.insertRunRow(trx, runId, conversation, userId, message.id, 'continue', model, at);
          await touchConversation(trx, conversation.id, at);
          return claimed;
        })
        .catch(oneReplyAtATime),
    );
    const run = await this.startRun(
      conversation,
      userId,
      release,
      runId,
      pending,
      message.parent_id,
      'continue',
      model,
      pending.content,
      pending.output_tokens ?? 0,
    );
    return { run, conversationId: conversation.id, userMessage: null, assistantMessage: messageDto(pending) };
  }

  /**
   * Stop every active run of the conversation, on whatever instance it runs: local ones directly,
   * others through the control channel; waits (a few seconds at most) until they are saved.
   */
  async stop(userId: string, conversationId: string): Promise<string[]> {
    await this.requireConversation(userId, conversationId);
    const running = await runningRuns(this.db, conversationId);
    const stoppedHere = new Set((await this.deps.runs.stop(userId, conversationId)).map((run) => run.id));
    const elsewhere = running.filter((run) => !stoppedHere.has(run.id));
    if (elsewhere.length > 0) {
      await this.deps.control.send({ type: 'stop', userId, conversationId });
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && (await runningRuns(this.db, conversationId)).length > 0) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    return [...new Set([...stoppedHere, ...running.map((run) => run.id)])];
  }

  /**
   * Which run a stream request should follow: the named one, else the conversation's active run,
   * else (when the client is resuming) the most recent one, whose log outlives it for a while.
   */
  async streamableRun(
    userId: string,
    conversationId: string,
    runId: string | undefined,
    after: number | undefined,
  ): Promise<string | undefined> {
    await this.requireConversation(userId, conversationId);
    if (runId !== undefined) {
      const run = await findRun(this.db, userId, runId);
      if (!run || run.conversation_id !== conversationId) throw notFound('Run');
      return run.id;
    }
    // From the store: the run may stream on another instance (its log is shared).
    const active = (await activeRunsOf(this.db, [conversationId], now())).get(conversationId);
    if (active) return active.id;
    if (after !== undefined) return (await latestRun(this.db, conversationId))?.id;
    return undefined;
  }

  /** The last `limit` messages of the default conversation, oldest first (the seed's history). */
  async history(userId: string, limit: number): Promise<MessageRow[]> {
    const conversation = await findDefaultConversation(this.db, userId);
    if (!conversation) return [];
    return (await messagesBefore(this.db, conversation.id, limit)).reverse();
  }

  /** The conversation the seed endpoints act on, created on first use. */
  async defaultConversation(userId: string): Promise<ConversationRow> {
    const existing = await findDefaultConversation(this.db, userId);
    if (existing) return existing;
    const dto = await this.createConversation(userId, { title: 'Chat' }, true);
    return this.requireConversation(userId, dto.id);
  }

  private async insertPendingReply(
    trx: Store['db'],
    conversation: ConversationRow,
    id: string,
    parentId: string,
    model: string,
    at: string,
  ): Promise<MessageRow> {
    return insertMessage(trx, {
      id,
      conversation_id: conversation.id,
      user_id: conversation.user_id,
      parent_id: parentId,
      role: 'assistant',
      content: '',
      status: 'streaming',
      model,
      created_at: at,
      updated_at: at,
    });
  }

  private async insertRunRow(
    trx: Store['db'],
    id: string,
    conversation: ConversationRow,
    userId: string,
    messageId: string,
    kind: RunKind,
    model: string,
    at: string,
  ): Promise<void> {
    await insertRun(trx, {
      id,
      conversation_id: conversation.id,
      user_id: userId,
      message_id: messageId,
      kind,
      status: 'running',
      model,
      instance_id: this.deps.instanceId,
      started_at: at,
      lease_until: this.deps.runs.leaseUntil(),
    });
  }

  /** Admit a new run (limits, quota), unless shared realtime state is down: then a clear 503. */
  private async admit(userId: string, options: { waitForSlot?: boolean } = {}): Promise<() => void> {
    if (this.deps.runs.draining) {
      throw new AppError('unavailable', 'The server is restarting; try again in a moment.', {
        retryAfterSeconds: 5,
      });
    }
    if (!this.deps.realtimeHealthy()) {
      throw new AppError(
        'unavailable',
        'Replies cannot start right now: Redis is unreachable. Try again shortly.',
        {
          retryAfterSeconds: 5,
        },
      );
    }
    return this.deps.limiter.admit(userId, options);
  }

  /** Run `work`; if it throws, give the admitted run slot back first. */
  private async releaseOnError<T>(release: () => void, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      release();
      throw error;
    }
  }

  private async startRun(
    conversation: ConversationRow,
    userId: string,
    release: () => void,
    runId: string,
    reply: MessageRow,
    userMessageId: string | null,
    kind: RunKind,
    model: string,
    prefix: string,
    prefixOutputTokens = 0,
  ): Promise<ActiveRun> {
    const contextWindow = this.deps.models.get(model)?.info.contextWindow ?? null;
    const branch = await this.releaseOnError(release, () =>
      branchTo(
        this.db,
        kind === 'continue' ? reply.id : (reply.parent_id ?? reply.id),
        PROMPT_HISTORY_MESSAGES,
        historyCharsFor(contextWindow),
      ),
    );
    const system = conversation.system_prompt ?? undefined;
    // The newest part of the branch that fits the model's context window (system prompt kept).
    const prompt = fitToContext(
      toModelMessages(kind === 'continue' ? branch : branch.filter((row) => row.id !== reply.id)),
      system,
      contextWindow,
    );
    return this.deps.runs.start(
      {
        runId,
        userId,
        conversationId: conversation.id,
        messageId: reply.id,
        kind,
        modelId: model,
        system,
        prompt,
        prefix,
        prefixOutputTokens,
      },
      runStart({
        runId,
        conversationId: conversation.id,
        userMessageId,
        assistantMessageId: reply.id,
        kind,
        model,
      }),
      (outcome) => {
        release();
        return this.afterRun(conversation, userId, outcome);
      },
    );
  }

  /** After the first reply, give an untitled conversation a short title. */
  private async afterRun(conversation: ConversationRow, userId: string, outcome: RunOutcome): Promise<void> {
    if (outcome.status !== 'complete') return;
    const current = await findConversation(this.db, userId, conversation.id);
    if (!current || current.title !== null) return;
    const first = await firstUserMessage(this.db, conversation.id);
    if (!first) return;
    const row = await updateConversation(this.db, userId, conversation.id, {
      title: titleFrom(first.content),
    });
    if (row)
      this.deps.bus.publish(userId, { type: 'conversation.updated', conversation: await this.dto(row) });
  }
}
