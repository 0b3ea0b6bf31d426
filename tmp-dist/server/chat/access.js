import { notFound } from '../errors.js';
/** Today's policy: a conversation is its owner's alone. */
export const ownerOnly = {
    canRead: (conversation, userId) => conversation.user_id === userId,
    canWrite: (conversation, userId) => conversation.user_id === userId,
};
export const canRead = ownerOnly.canRead;
export const canWrite = ownerOnly.canWrite;
function allows(policy, conversation, userId, access) {
    return access === 'read' ? policy.canRead(conversation, userId) : policy.canWrite(conversation, userId);
}
/** The conversation when the policy grants `access` to it, else undefined (missing or refused alike). */
export async function accessibleConversation(repos, policy, userId, id, access) {
    const row = await repos.conversations.conversationById(id);
    return row && allows(policy, row, userId, access) ? row : undefined;
}
/** The conversation, or a 404 when it does not exist or the policy refuses `access`. */
export async function requireConversation(repos, policy, userId, id, access) {
    const row = await accessibleConversation(repos, policy, userId, id, access);
    if (!row)
        throw notFound('Conversation');
    return row;
}
/** A message and its conversation, checked through the conversation; a 404 "Message" when refused. */
export async function requireMessage(repos, policy, userId, id, access) {
    const message = await repos.messages.messageById(id);
    const conversation = message
        ? await accessibleConversation(repos, policy, userId, message.conversation_id, access)
        : undefined;
    if (!message || !conversation)
        throw notFound('Message');
    return { message, conversation };
}
