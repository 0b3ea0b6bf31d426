import { notFound } from '../errors.js';
import type { Repositories } from '../store/repositories.js';
import type { ConversationRow, MessageRow } from '../store/schema.js';

/**
 * Who may read or write a conversation: the one access policy. Every route that names a
 * conversation, message or run loads it by id and asks the policy here (requireConversation,
 * requireMessage); no read query carries its own `user_id` filter. Shared conversations would
 * change `canRead`/`canWrite` (and add a membership table), nothing else on the read side.
 *
 * A refusal answers 404, never 403: whether someone else's conversation exists is not told.
 *
 * Two places stay owner-scoped by design, because they answer "which are mine", not "may I":
 * the conversation list (store/conversations-repo listConversations) and search (its FTS index
 * carries an owner token, store/search-repo). The repositories' writes (update and delete of a
 * conversation, continue's claim, import's rollback) also keep their `user_id` filter as a second
 * wall behind this policy: today only owners write, so a missed check still changes nothing.
 * Membership would relax those filters together with `canWrite`.
 */

export type Access = 'read' | 'write';

/** The principal is a user id (guests and API tokens act as a user too). */
export interface AccessPolicy {
  canRead(conversation: ConversationRow, userId: string): boolean;
  canWrite(conversation: ConversationRow, userId: string): boolean;
}

/** Today's policy: a conversation is its owner's alone. */
export const ownerOnly: AccessPolicy = {
  canRead: (conversation, userId) => conversation.user_id === userId,
  canWrite: (conversation, userId) => conversation.user_id === userId,
};

export const canRead = ownerOnly.canRead;
export const canWrite = ownerOnly.canWrite;

function allows(policy: AccessPolicy, conversation: ConversationRow, userId: string, access: Access) {
  return access === 'read' ? policy.canRead(conversation, userId) : policy.canWrite(conversation, userId);
}

/** The conversation when the policy grants `access` to it, else undefined (missing or refused alike). */
export async function accessibleConversation(
  repos: Repositories,
  policy: AccessPolicy,
  userId: string,
  id: string,
  access: Access,
): Promise<ConversationRow | undefined> {
  const row = await repos.conversations.conversationById(id);
  return row && allows(policy, row, userId, access) ? row : undefined;
}

/** The conversation, or a 404 when it does not exist or the policy refuses `access`. */
export async function requireConversation(
  repos: Repositories,
  policy: AccessPolicy,
  userId: string,
  id: string,
  access: Access,
): Promise<ConversationRow> {
  const row = await accessibleConversation(repos, policy, userId, id, access);
  if (!row) throw notFound('Conversation');
  return row;
}

/** A message and its conversation, checked through the conversation; a 404 "Message" when refused. */
export async function requireMessage(
  repos: Repositories,
  policy: AccessPolicy,
  userId: string,
  id: string,
  access: Access,
): Promise<{ message: MessageRow; conversation: ConversationRow }> {
  const message = await repos.messages.messageById(id);
  const conversation = message
    ? await accessibleConversation(repos, policy, userId, message.conversation_id, access)
    : undefined;
  if (!message || !conversation) throw notFound('Message');
  return { message, conversation };
}
