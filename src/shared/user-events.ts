import type { ConversationDto } from './api-schemas.js';
import type { RunEndStatus } from './run-events.js';

/**
 * A user's live events (`GET /api/events`): what happened to their conversations and runs, on any
 * instance, so their other tabs and devices stay in sync. The server publishes `UserEvent`s on
 * the event bus; the stream adds `ready` each time a subscription starts (a client refreshes what
 * it may have missed while disconnected).
 */

export type UserEvent =
  | { type: 'conversation.created'; conversation: ConversationDto }
  | { type: 'conversation.updated'; conversation: ConversationDto }
  | { type: 'conversation.deleted'; conversationId: string }
  /** A folder was created, renamed or deleted (its conversations then unfiled): refetch both lists. */
  | { type: 'folders.changed' }
  | { type: 'run.started'; conversationId: string; runId: string; messageId: string }
  | { type: 'run.finished'; conversationId: string; runId: string; messageId: string; status: RunEndStatus };

/** Sent first on every `/api/events` stream: the subscription is live. */
export interface ReadyEvent {
  type: 'ready';
}

/** One `data:` line of `/api/events`. */
export type LiveEvent = UserEvent | ReadyEvent;
