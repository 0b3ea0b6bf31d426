import type { Conversation, RunAccepted } from '../api.js';

/**
 * A conversation created on the home page hands its first run to the conversation page it opens
 * (the home page's view unmounts on navigation; the new page picks the run up without a request).
 */
export interface RunHandoff {
  conversation: Conversation;
  accepted: RunAccepted;
}

const handoffs = new Map<string, RunHandoff>();

export function giveHandoff(handoff: RunHandoff): void {
  handoffs.set(handoff.conversation.id, handoff);
}

/** The handoff waiting for this conversation, left in place (read while the view first renders). */
export function peekHandoff(conversationId: string | null): RunHandoff | undefined {
  return conversationId ? handoffs.get(conversationId) : undefined;
}

/** The handoff for this conversation, once. */
export function takeHandoff(conversationId: string): RunHandoff | undefined {
  const handoff = handoffs.get(conversationId);
  handoffs.delete(conversationId);
  return handoff;
}
