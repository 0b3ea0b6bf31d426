import type { ModelMessage } from 'ai';
import type { MessageRow } from '../store/schema.js';

/**
 * Turn a branch of stored messages (root first) into what the model sees. Empty assistant
 * messages (a reply that failed before its first token) carry nothing and are left out. The
 * conversation's system prompt goes separately (the AI SDK's `system` option), never as a message.
 */
export function toModelMessages(branch: MessageRow[]): ModelMessage[] {
  const messages: ModelMessage[] = [];
  for (const row of branch) {
    if (row.role === 'assistant') {
      if (row.content !== '') messages.push({ role: 'assistant', content: row.content });
    } else if (row.role === 'user') {
      messages.push({ role: 'user', content: row.content });
    }
  }
  return messages;
}

/** A rough token count (about 4 characters a token in English); enough to stay under a window. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

/**
 * Keep the newest messages that fit the model's context window, leaving room for the reply.
 * The system prompt is always kept, and so is the last message (the question being answered).
 */
export function fitToContext(
  messages: ModelMessage[],
  system: string | undefined,
  contextWindow: number | null,
): ModelMessage[] {
  if (!contextWindow) return messages;
  const reserveForReply = Math.min(4096, Math.floor(contextWindow / 4));
  let budget = contextWindow - reserveForReply - (system ? estimateTokens(system) : 0);
  const kept: ModelMessage[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as ModelMessage;
    const cost = estimateTokens(
      typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
    );
    if (kept.length > 0 && cost > budget) break;
    kept.unshift(message);
    budget -= cost;
  }
  return kept;
}
