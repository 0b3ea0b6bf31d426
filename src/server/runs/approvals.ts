import type { Logger } from 'pino';
import type { Static } from 'typebox';
import type { ApprovalResult } from '../../shared/api-schemas.js';
import type { MessagePartDto, ToolPartDto } from '../../shared/message-parts.js';
import type { ChatService } from '../chat/chat-service.js';
import { AppError } from '../errors.js';
import type { Data } from '../store/repositories.js';
import type { ConversationRow, MessageRow } from '../store/schema.js';
import { recordApprovals } from './run-status.js';
import { ReplyChanged, type TurnService } from './turns.js';
import { closeWaitingReply, EXPIRED_REASON } from './waiting-replies.js';

type ApprovalResultDto = Static<typeof ApprovalResult>;

/**
 * A person's answers to tool calls that wait for approval. A reply paused on them is `waiting`
 * with its calls in `approval-requested`; each answer is written into its parts with a
 * compare-and-set (parallel answers each land once, or re-read), and the answer that closes the
 * last open call claims the reply and starts the `resume` run, on whichever instance received it.
 * Nothing waits in memory, so a pending approval survives restarts. Unanswered ones expire after
 * TOOL_APPROVAL_TIMEOUT_S: a sweep denies them and ends the reply `stopped` (waiting-replies.ts),
 * with no model call in the background; `continue` picks it up.
 */

export interface Answer {
  toolCallId: string;
  approved: boolean;
  reason?: string;
}

export interface ApprovalServiceDeps {
  store: Data;
  chat: Pick<ChatService, 'requireConversation'>;
  turns: Pick<TurnService, 'resume'>;
  logger: Logger;
  /** TOOL_APPROVAL_TIMEOUT_S in ms. */
  timeoutMs: number;
}

/** How many waiting replies of one conversation are searched for a call (a handful in practice). */
const MAX_WAITING_SCAN = 20;
/** How many recent messages are searched to tell "answered already" from "no such call". */
const RECENT_SCAN = 50;
/** Compare-and-set rounds before a burst of answers to one reply is told to try again. */
const MAX_ROUNDS = 5;
/** Expired replies resumed per sweep (the rest wait for the next). */
const SWEEP_BATCH = 20;

const now = () => new Date().toISOString();

function toolPart(parts: readonly MessagePartDto[], toolCallId: string): ToolPartDto | undefined {
  return parts.find(
    (part): part is ToolPartDto => part.type === 'dynamic-tool' && part.toolCallId === toolCallId,
  );
}

function partsOfRow(row: MessageRow): MessagePartDto[] {
  return row.parts ? (JSON.parse(row.parts) as MessagePartDto[]) : [];
}

export class ApprovalService {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  /** Replies being resumed by an answer on this instance (one entry per reply, while it lasts). */
  private readonly resuming = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: ApprovalServiceDeps) {}

  private get repos() {
    return this.deps.store.repos;
  }

  /** `POST /api/conversations/:id/approvals`. */
  async answer(
    userId: string,
    conversationId: string,
    answer: Answer,
    /** The API token the answer came with: the resumed run counts against its budget. */
    options: { apiTokenId?: string } = {},
  ): Promise<ApprovalResultDto> {
    const conversation = await this.deps.chat.requireConversation(userId, conversationId, 'write');
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const reply = await this.waitingReplyWith(conversation.id, answer.toolCallId);
      if (!reply) throw await this.notWaiting(conversation.id, answer.toolCallId);
      if (this.expired(reply)) {
        await closeWaitingReply(this.deps.store, reply, EXPIRED_REASON);
        throw new AppError(
          'approval_expired',
          `This approval request expired after ${Math.round(this.deps.timeoutMs / 1000)} s; the call was denied.`,
        );
      }
      const result = await this.apply(userId, conversation, reply, [answer], options);
      if (result) return { ...result, toolCallId: answer.toolCallId, approved: answer.approved };
    }
    throw new AppError('conflict', 'Many answers reached this reply at once; try again.');
  }

  /** Expire what waited too long, every `intervalMs` (each instance; the compare-and-set picks one). */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.sweeping = this.sweeping
        .then(() => this.sweep())
        .then(
          () => {},
          (err: unknown) => this.deps.logger.error({ err }, 'approval sweep failed; will retry'),
        );
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Deny every open call of replies that waited past the timeout, ending them `stopped`. */
  async sweep(): Promise<number> {
    const before = new Date(Date.now() - this.deps.timeoutMs).toISOString();
    const expired = await this.repos.messages.expiredWaitingReplies(before, SWEEP_BATCH);
    let closed = 0;
    for (const reply of expired) {
      if (await closeWaitingReply(this.deps.store, reply, EXPIRED_REASON)) closed++;
    }
    if (closed > 0) this.deps.logger.info({ replies: closed }, 'tool approvals expired');
    return closed;
  }

  private expired(reply: MessageRow): boolean {
    return Date.parse(reply.updated_at) + this.deps.timeoutMs < Date.now();
  }

  /**
   * Write the answers into the reply's parts. While calls stay open the reply keeps waiting;
   * the answer that closes the last one resumes it. Undefined: the compare-and-set lost (re-read).
   */
  private async apply(
    userId: string,
    conversation: ConversationRow,
    reply: MessageRow,
    answers: readonly Answer[],
    options: { apiTokenId?: string } = {},
  ): Promise<Pick<ApprovalResultDto, 'runId' | 'messageId'> | undefined> {
    const expected = reply.parts;
    if (!expected) return undefined;
    const parts = JSON.parse(expected) as MessagePartDto[];
    for (const answer of answers) {
      const part = toolPart(parts, answer.toolCallId);
      if (part?.state !== 'approval-requested') {
        throw new AppError('already_decided', `The call ${answer.toolCallId} was answered already.`);
      }
      part.state = 'approval-responded';
      part.approval = {
        id: part.toolCallId,
        approved: answer.approved,
        ...(answer.reason ? { reason: answer.reason } : {}),
      };
    }
    const answered = JSON.stringify(parts);
    const stillOpen = parts.some(
      (part) => part.type === 'dynamic-tool' && part.state === 'approval-requested',
    );
    if (stillOpen) {
      const recorded = await this.deps.store.transaction((trx) =>
        recordApprovals(trx, reply.id, expected, answered, now()),
      );
      return recorded ? { runId: null, messageId: reply.id } : undefined;
    }
    // A burst of answers to one reply on this instance: one resumes it, the others wait for that
    // and read the reply again (answered: a 409). Without this each would take a run slot before
    // losing the compare-and-set, and the user could be told they have too many replies running.
    const inFlight = this.resuming.get(reply.id);
    if (inFlight) {
      await inFlight.catch(() => undefined);
      return undefined;
    }
    const resuming = this.deps.turns.resume(userId, conversation, reply, expected, answered, options);
    this.resuming.set(reply.id, resuming);
    try {
      const started = await resuming;
      return { runId: started.run.id, messageId: reply.id };
    } catch (error) {
      if (error instanceof ReplyChanged) return undefined;
      throw error;
    } finally {
      this.resuming.delete(reply.id);
    }
  }

  /** The conversation's waiting reply that holds the call, if any. */
  private async waitingReplyWith(
    conversationId: string,
    toolCallId: string,
  ): Promise<MessageRow | undefined> {
    const waiting = await this.repos.messages.waitingReplies(conversationId, MAX_WAITING_SCAN);
    return waiting.find((row) => toolPart(partsOfRow(row), toolCallId) !== undefined);
  }

  /** Why no waiting reply holds the call: answered already (409), or no such call (404). */
  private async notWaiting(conversationId: string, toolCallId: string): Promise<AppError> {
    const recent = await this.repos.messages.messagesBefore(conversationId, RECENT_SCAN);
    const part = recent.map((row) => toolPart(partsOfRow(row), toolCallId)).find(Boolean);
    // Only a call that asked for approval was ever answerable.
    if (part?.approval) {
      return part.approval?.reason === EXPIRED_REASON
        ? new AppError('approval_expired', 'This approval request expired; the call was denied.')
        : new AppError('already_decided', `The call ${toolCallId} was answered already.`);
    }
    return new AppError('not_found', `No tool call ${toolCallId} waits for approval in this conversation.`);
  }
}
