import type { Logger } from 'pino';
import type { MessageDto } from '../../shared/api-schemas.js';
import { runStart } from '../../shared/run-events.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import type { GroupLimits } from '../auth/group-limits.js';
import type { RunLimiter } from '../auth/run-limiter.js';
import type { ChatService } from '../chat/chat-service.js';
import { attachmentText, fileIdsOf, messagePartsOf, storedParts } from '../chat/message-parts.js';
import { fitToContext, historyCharsFor, toModelMessages } from '../chat/prompt.js';
import { messageDto, toolsOf } from '../chat/serialize.js';
import { titleFrom } from '../chat/title.js';
import type { TitleWriter } from '../chat/title-writer.js';
import { AppError, notFound } from '../errors.js';
import type { FileService } from '../files/file-service.js';
import { type ModelReader, promptAttachments, requireReadable } from '../files/prompt-attachments.js';
import { newId } from '../ids.js';
import type { ControlBus } from '../realtime/control-bus.js';
import { isSecondStreamingReply } from '../store/messages-repo.js';
import type { Data, Repositories } from '../store/repositories.js';
import type { ConversationRow, FileRow, MessageRow, RunKind } from '../store/schema.js';
import { type RunTools, toolsForRun } from '../tools/run-tools.js';
import type { ToolCatalog } from '../tools/tool-catalog.js';
import type { ActiveRun, RunManager } from './run-manager.js';
import { claimReplyForContinue, claimReplyForResume, openRun } from './run-status.js';
import { closeWaitingReply, STOPPED_REASON } from './waiting-replies.js';

export interface TurnServiceDeps {
  store: Data;
  /** Attachments: tie a message's files to it, and read them for the prompt. */
  files: Pick<FileService, 'attach' | 'blobs' | 'fitted'>;
  /** Conversations: access (requireConversation), model names, and the title after a first reply. */
  chat: ChatService;
  limiter: RunLimiter;
  /** Reaches runs on other instances (stop). */
  control: ControlBus;
  /** False while shared realtime state (Redis) is unreachable: new runs are refused then. */
  realtimeHealthy: () => boolean;
  runs: RunManager;
  models: ModelRegistry;
  logger: Logger;
  instanceId: string;
  /** LOG_MESSAGE_CONTENT: include message text in logs (off by default: logs are not for content). */
  logMessageContent?: boolean;
  /** The tools conversations may enable (MCP_FILE); none: replies never call tools. */
  tools?: Pick<ToolCatalog, 'list' | 'callTool'>;
  /** MAX_TOOL_STEPS. */
  maxToolSteps?: number;
  /** The tools the user's groups allow (none given: no restriction). */
  groups?: Pick<GroupLimits, 'allowedTools'>;
  /** The model's title after a conversation's first message (none: the first words stay). */
  titles?: Pick<TitleWriter, 'afterFirstMessage'>;
}

export interface StartedRun {
  run: ActiveRun;
  conversationId: string;
  userMessage: MessageDto | null;
  assistantMessage: MessageDto;
}

const now = () => new Date().toISOString();

/** What one kind of turn (send, regenerate, continue) adds to the one path (startTurn). */
interface TurnPlan {
  kind: RunKind;
  conversation: ConversationRow;
  model: string;
  /** Queue for a free run slot rather than refuse (the synchronous seed API). */
  waitForSlot?: boolean;
  /** The API token the request came with: its daily budget is checked, its usage recorded. */
  apiTokenId?: string;
  /** In the turn's transaction: write or claim the reply (and a new user message, if any). */
  write(
    trx: Repositories,
    model: string,
    at: string,
  ): Promise<{ reply: MessageRow; userMessage?: MessageRow }>;
  /** After the commit, before the run starts. */
  committed?(written: { reply: MessageRow; userMessage?: MessageRow }): void;
}

/**
 * How many messages of a branch (newest kept) go to the model. Bounds the cost of a turn in a
 * very long conversation; trimming to each model's context window refines this per model.
 */
const PROMPT_HISTORY_MESSAGES = 200;

/** Waiting replies a stop closes at once (a conversation has one or two in practice). */
const MAX_WAITING_STOPPED = 20;

/**
 * Which replies `continue` can pick up: cut off by a crash, a stop, an error or the length limit.
 * A quick check before admission; the claim itself is claimReplyForContinue (run-status.ts: the same rule, atomic).
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

/** A resume lost the compare-and-set on the reply's parts: another answer changed it first. */
export class ReplyChanged extends AppError {
  constructor() {
    super('conflict', 'This reply changed meanwhile; read it again.');
  }
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

/**
 * The placeholder title of an untitled conversation, in the transaction of a message: the first
 * words of its first user message. Compare-and-set on "still untitled", so a rename always wins.
 * Undefined when not written.
 */
async function writePlaceholderTitle(
  trx: Repositories,
  conversation: ConversationRow,
): Promise<ConversationRow | undefined> {
  const first = await trx.messages.firstUserMessage(conversation.id);
  if (!first) return undefined;
  return trx.conversations.replaceTitle(
    conversation.user_id,
    conversation.id,
    null,
    titleFrom(first.content),
  );
}

/** A message's content and files, refused (400) when empty or unstorable; its file ids. */
function checkContent(input: { content: string; files?: string[] }): string[] {
  const fileIds = input.files ?? [];
  if (input.content.trim() === '' && fileIds.length === 0) {
    throw new AppError('validation_error', 'Message content cannot be empty.');
  }
  if (input.content.includes('\u0000')) {
    // PostgreSQL cannot store it, and no person types it: refuse rather than alter the text.
    throw new AppError('validation_error', 'Message content cannot contain a NUL character (\\u0000).');
  }
  return fileIds;
}

/**
 * Starting a turn (send, regenerate, continue) as one path: admit (limits, quota), commit the
 * rows (reply `streaming`, run `running`) in one transaction, build the prompt, hand the run to
 * the run manager. Also stop and "which run does a stream follow". Every query is scoped by user.
 */
export class TurnService {
  constructor(private readonly deps: TurnServiceDeps) {}

  private get repos() {
    return this.deps.store.repos;
  }

  /** Commit the user message, a pending reply and the run in one transaction, then start the run. */
  async sendMessage(
    userId: string,
    conversationId: string,
    input: { content: string; model?: string; parentId?: string | null; files?: string[] },
    options: { log?: Logger; waitForSlot?: boolean; apiTokenId?: string } = {},
  ): Promise<StartedRun> {
    const fileIds = checkContent(input);
    const log = options.log ?? this.deps.logger;
    const conversation = await this.deps.chat.requireConversation(userId, conversationId, 'write');
    let titled: ConversationRow | undefined;
    return this.startTurn(userId, {
      kind: 'reply',
      conversation,
      model: this.deps.chat.checkModel(input.model) ?? conversation.model,
      waitForSlot: options.waitForSlot,
      apiTokenId: options.apiTokenId,
      write: async (trx, model, at) => {
        let parentId: string | null = null;
        if (input.parentId === null) {
          parentId = null;
        } else if (input.parentId !== undefined) {
          const parent = await trx.messages.findMessageInConversation(conversationId, input.parentId);
          if (!parent) throw notFound('Parent message');
          parentId = parent.id;
        } else {
          parentId = (await trx.messages.newestMessage(conversationId))?.id ?? null;
        }
        const turn = await this.insertUserTurn(
          trx,
          conversation,
          { userId, parentId, content: input.content, fileIds },
          model,
          at,
        );
        // An untitled conversation gets its placeholder title with the message, whatever becomes
        // of the reply; the title model's replaces it later (in the background).
        if (conversation.title === null) titled = await writePlaceholderTitle(trx, conversation);
        return turn;
      },
      committed: ({ userMessage }) => {
        log.info(
          {
            conversationId,
            messageId: userMessage?.id,
            length: input.content.length,
            files: fileIds.length,
            ...(this.deps.logMessageContent ? { content: input.content } : {}),
          },
          'user message received',
        );
        if (titled) {
          const placeholder = titled.title ?? '';
          // Announced first, then the title model's call (a rename meanwhile wins).
          void this.deps.chat
            .announceUpdated(titled)
            .catch(() => log.warn({ conversationId }, 'title change not announced'))
            .finally(() =>
              this.deps.titles?.afterFirstMessage(userId, conversationId, placeholder, options.apiTokenId),
            );
        }
      },
    });
  }

  /**
   * A new conversation with its first message: admitted (limits, quota) before anything is
   * written, then the conversation, the message, the pending reply and the run commit together.
   * A refused first send (429, 403, 400) leaves no empty conversation behind.
   */
  async startConversation(
    userId: string,
    input: { content: string; model?: string; tools?: string[]; files?: string[] },
    options: { log?: Logger; apiTokenId?: string } = {},
  ): Promise<StartedRun> {
    const fileIds = checkContent(input);
    const conversation = await this.deps.chat.newConversationRow(userId, {
      // The placeholder title (the first words) is there at once, in the created event.
      title: titleFrom(input.content),
      ...(input.model !== undefined ? { model: input.model } : {}),
      ...(input.tools !== undefined ? { tools: input.tools } : {}),
    });
    return this.startTurn(userId, {
      kind: 'reply',
      conversation,
      model: conversation.model,
      apiTokenId: options.apiTokenId,
      write: async (trx, model, at) => {
        await trx.conversations.insertConversation(conversation);
        return this.insertUserTurn(
          trx,
          conversation,
          { userId, parentId: null, content: input.content, fileIds },
          model,
          at,
        );
      },
      committed: () => {
        const { title } = conversation;
        // The placeholder is the first words (above); the title model's replaces it in the
        // background, announced after the conversation itself.
        void this.deps.chat.announceCreated(userId, conversation).finally(() => {
          if (title !== null)
            this.deps.titles?.afterFirstMessage(userId, conversation.id, title, options.apiTokenId);
        });
      },
    });
  }

  /** A new sibling reply to the same user message; the old reply stays in the tree. */
  async regenerate(
    userId: string,
    messageId: string,
    input: { model?: string },
    options: { apiTokenId?: string } = {},
  ): Promise<StartedRun> {
    const { message, conversation } = await this.deps.chat.requireMessage(userId, messageId, 'write');
    const parentId = message.role === 'assistant' ? message.parent_id : message.id;
    if (!parentId) throw new AppError('conflict', 'This message has no user message to reply to.');
    return this.startTurn(userId, {
      kind: 'regenerate',
      apiTokenId: options.apiTokenId,
      conversation,
      model: this.deps.chat.checkModel(input.model) ?? conversation.model,
      // The unique index on streaming replies claims the parent: of parallel regenerates (or a
      // regenerate while a reply to it streams) one inserts, the others get a 409 and free their slot.
      write: async (trx, model, at) => ({
        reply: await this.insertPendingReply(trx, conversation, parentId, model, at),
      }),
    });
  }

  /** Pick up a reply that was interrupted, stopped, failed or cut off, appending to its text. */
  async continueMessage(
    userId: string,
    messageId: string,
    input: { model?: string },
    options: { apiTokenId?: string } = {},
  ): Promise<StartedRun> {
    const { message, conversation } = await this.deps.chat.requireMessage(userId, messageId, 'write');
    if (!isContinuable(message)) throw notContinuable(message);
    return this.startTurn(userId, {
      kind: 'continue',
      apiTokenId: options.apiTokenId,
      conversation,
      model: this.deps.chat.checkModel(input.model) ?? message.model ?? conversation.model,
      // Claim the reply (continuable → streaming) with the run in one transaction: of parallel
      // requests one wins; the others get a 409, free their slot and never call the model.
      write: async (trx, _model, at) => {
        const claimed = await claimReplyForContinue(trx, userId, message.id, at);
        if (!claimed) throw notContinuable(await trx.messages.messageById(message.id));
        return { reply: claimed };
      },
    });
  }

  /**
   * Resume a reply that waited for approvals, now that the last one is answered: claims it
   * (waiting → streaming, only if its parts are still `expectedParts`) with the answered parts, in
   * the transaction that opens the `resume` run. A 409 `conflict` when another answer changed the
   * reply first (the caller reads it again).
   */
  async resume(
    userId: string,
    conversation: ConversationRow,
    reply: MessageRow,
    expectedParts: string,
    answeredParts: string,
    options: { apiTokenId?: string } = {},
  ): Promise<StartedRun> {
    return this.startTurn(userId, {
      kind: 'resume',
      apiTokenId: options.apiTokenId,
      conversation,
      model: reply.model ?? conversation.model,
      write: async (trx, _model, at) => {
        const claimed = await claimReplyForResume(trx, reply.id, expectedParts, answeredParts, at);
        if (!claimed) throw new ReplyChanged();
        return { reply: claimed };
      },
    });
  }

  /**
   * The one path of every turn: admit (a run slot, quota), then in one transaction write the
   * turn's messages (`plan.write`: the reply ends up `streaming`) and the run row (`running`),
   * then build the prompt and start the run. The slot is given back if any step before the run
   * starts fails, and when the run ends.
   */
  private async startTurn(userId: string, plan: TurnPlan): Promise<StartedRun> {
    const { conversation, kind, model } = plan;
    // Every turn needs a model the user's groups include, read now: a resume after an approval
    // calls the model again, so a model taken away meanwhile is refused like a removed tool.
    await this.deps.chat.requireAllowedModel(userId, model);
    const release = await this.admit(userId, { waitForSlot: plan.waitForSlot, apiTokenId: plan.apiTokenId });
    const at = now();
    const written = await this.releaseOnError(release, () =>
      this.deps.store
        .transaction(async (trx) => {
          const turn = await plan.write(trx, model, at);
          // The prompt's branch and its files, read in the transaction: a file the model cannot
          // read refuses the turn here (a 400), and nothing of it is written.
          const branch = await this.promptBranch(trx, turn.reply, kind, model);
          const files = await this.filesOf(trx, conversation.id, branch);
          requireReadable(this.readerFor(model), files.values());
          const runId = newId();
          await this.insertRunRow(trx, runId, conversation, userId, turn.reply.id, kind, model, at);
          await trx.conversations.touchConversation(conversation.id, at);
          return { ...turn, runId, branch, files };
        })
        .catch(oneReplyAtATime),
    );
    plan.committed?.(written);
    const { reply, userMessage, runId, branch, files } = written;
    const run = await this.startRun(conversation, userId, release, runId, reply, kind, model, branch, files, {
      apiTokenId: plan.apiTokenId,
    });
    return {
      run,
      conversationId: conversation.id,
      userMessage: userMessage ? messageDto(userMessage) : null,
      assistantMessage: messageDto(reply),
    };
  }

  /**
   * Stop every active run of the conversation, on whatever instance it runs: local ones directly,
   * others through the control channel; waits (a few seconds at most) until they are saved.
   */
  async stop(userId: string, conversationId: string): Promise<string[]> {
    await this.deps.chat.requireConversation(userId, conversationId, 'write');
    // A reply waiting for approvals is stopped too: its open calls are denied, nothing runs.
    for (const reply of await this.repos.messages.waitingReplies(conversationId, MAX_WAITING_STOPPED)) {
      await closeWaitingReply(this.deps.store, reply, STOPPED_REASON);
    }
    const running = await this.repos.runs.runningRuns(conversationId);
    const stoppedHere = new Set((await this.deps.runs.stop(userId, conversationId)).map((run) => run.id));
    const elsewhere = running.filter((run) => !stoppedHere.has(run.id));
    if (elsewhere.length > 0) {
      await this.deps.control.send({ type: 'stop', userId, conversationId });
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline && (await this.repos.runs.runningRuns(conversationId)).length > 0) {
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
    await this.deps.chat.requireConversation(userId, conversationId, 'read');
    if (runId !== undefined) {
      // Checked through its conversation: the policy above admitted this one, and the run is in it.
      const run = await this.repos.runs.runById(runId);
      if (!run || run.conversation_id !== conversationId) throw notFound('Run');
      return run.id;
    }
    // From the store: the run may stream on another instance (its log is shared).
    const active = (await this.repos.runs.activeRunsOf([conversationId], now())).get(conversationId);
    if (active) return active.id;
    if (after !== undefined) return (await this.repos.runs.latestRun(conversationId))?.id;
    return undefined;
  }

  /** The branch the model reads: up to the reply (continue) or the message it answers. */
  private promptBranch(
    trx: Repositories,
    reply: MessageRow,
    kind: RunKind,
    model: string,
  ): Promise<MessageRow[]> {
    const contextWindow = this.deps.models.get(model)?.info.contextWindow ?? null;
    return trx.messages.branchTo(
      kind === 'continue' || kind === 'resume' ? reply.id : (reply.parent_id ?? reply.id),
      PROMPT_HISTORY_MESSAGES,
      historyCharsFor(contextWindow),
    );
  }

  /** The files the branch's messages name (this conversation's only); no query for text alone. */
  private async filesOf(
    trx: Repositories,
    conversationId: string,
    branch: MessageRow[],
  ): Promise<Map<string, FileRow>> {
    const ids = fileIdsOf(branch);
    if (ids.length === 0) return new Map();
    const rows = await trx.files.filesByIds(ids);
    return new Map(rows.filter((row) => row.conversation_id === conversationId).map((row) => [row.id, row]));
  }

  /** What the model reads, for the attachment checks and the prompt. */
  private readerFor(model: string): ModelReader {
    const registered = this.deps.models.get(model);
    return {
      name: registered?.info.name ?? model,
      input: registered?.info.input ?? ['text'],
      imageLimits: this.deps.models.imageLimits(model),
    };
  }

  /** The user's message (its files attached) and the pending reply under it, in the turn's transaction. */
  private async insertUserTurn(
    trx: Repositories,
    conversation: ConversationRow,
    message: { userId: string; parentId: string | null; content: string; fileIds: string[] },
    model: string,
    at: string,
  ): Promise<{ reply: MessageRow; userMessage: MessageRow }> {
    const files = await this.deps.files.attach(trx, message.userId, conversation.id, message.fileIds);
    const userMessage = await trx.messages.insertMessage({
      id: newId(),
      conversation_id: conversation.id,
      user_id: message.userId,
      parent_id: message.parentId,
      role: 'user',
      content: message.content,
      parts: storedParts(files, message.content),
      attachment_text: attachmentText(files),
      status: 'complete',
      created_at: at,
      updated_at: at,
    });
    const reply = await this.insertPendingReply(trx, conversation, userMessage.id, model, at);
    return { reply, userMessage };
  }

  private async insertPendingReply(
    trx: Repositories,
    conversation: ConversationRow,
    parentId: string,
    model: string,
    at: string,
  ): Promise<MessageRow> {
    return trx.messages.insertMessage({
      id: newId(),
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
    trx: Repositories,
    id: string,
    conversation: ConversationRow,
    userId: string,
    messageId: string,
    kind: RunKind,
    model: string,
    at: string,
  ): Promise<void> {
    await openRun(trx, {
      id,
      conversation_id: conversation.id,
      user_id: userId,
      message_id: messageId,
      kind,
      model,
      instance_id: this.deps.instanceId,
      started_at: at,
      lease_until: this.deps.runs.leaseUntil(),
    });
  }

  /**
   * The tools a reply may call: the conversation's, those the user's role may use (read now: a
   * role changed since the conversation enabled them counts), among servers connected now.
   */
  private async toolsFor(userId: string, conversation: ConversationRow): Promise<RunTools | undefined> {
    const enabled = toolsOf(conversation);
    if (enabled.length === 0 || !this.deps.tools) return undefined;
    const role = (await this.repos.users.findUser(userId))?.role ?? 'user';
    // The user's groups, read now like the role: a tool a group no longer allows is not offered.
    const allowed = (await this.deps.groups?.allowedTools(userId)) ?? null;
    return toolsForRun(this.deps.tools, role, enabled, allowed);
  }

  /** Admit a new run (limits, quota), unless shared realtime state is down: then a clear 503. */
  private async admit(
    userId: string,
    options: { waitForSlot?: boolean; apiTokenId?: string } = {},
  ): Promise<() => void> {
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
    kind: RunKind,
    model: string,
    branch: MessageRow[],
    files: Map<string, FileRow>,
    credential: { apiTokenId?: string } = {},
  ): Promise<ActiveRun> {
    const contextWindow = this.deps.models.get(model)?.info.contextWindow ?? null;
    const attachments =
      files.size === 0
        ? new Map()
        : await this.releaseOnError(release, () =>
            promptAttachments(files.values(), this.readerFor(model), this.deps.files),
          );
    const system = conversation.system_prompt ?? undefined;
    // The newest part of the branch that fits the model's context window (system prompt kept).
    // The reply itself is not in it: the run sends what the reply has so far (continue, resume).
    const prompt = fitToContext(
      toModelMessages(
        branch.filter((row) => row.id !== reply.id),
        attachments,
      ),
      system,
      contextWindow,
    );
    const carriesOn = kind === 'continue' || kind === 'resume';
    const tools = await this.releaseOnError(release, () => this.toolsFor(userId, conversation));
    // Within the reply's model's window: the setting may predate a switch to a smaller model.
    const maxOutputTokens =
      conversation.max_output_tokens != null && contextWindow !== null
        ? Math.min(conversation.max_output_tokens, contextWindow)
        : conversation.max_output_tokens;
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
        // A continued or resumed reply keeps what it has (and the tokens spent on it); new parts follow.
        prefixParts: carriesOn ? messagePartsOf(reply) : [],
        prefixOutputTokens: carriesOn ? (reply.output_tokens ?? 0) : 0,
        // A resumed reply's earlier steps read input too; a continued one reports its new call's.
        prefixInputTokens: kind === 'resume' ? (reply.input_tokens ?? 0) : 0,
        tools,
        maxToolSteps: this.deps.maxToolSteps,
        ...(conversation.temperature != null ? { temperature: conversation.temperature } : {}),
        ...(maxOutputTokens != null ? { maxOutputTokens } : {}),
        apiTokenId: credential.apiTokenId,
      },
      runStart({
        runId,
        conversationId: conversation.id,
        // The user message this reply answers (a continued reply's, too).
        userMessageId: reply.parent_id,
        assistantMessageId: reply.id,
        kind,
        model,
      }),
      () => {
        release();
        return Promise.resolve();
      },
    );
  }
}
