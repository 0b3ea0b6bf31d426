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
 * At most how many characters of history can matter for a model: estimateTokens counts about 4
 * characters a token, so a branch longer than this cannot fit the window anyway. Unknown windows
 * are not limited here (the message count still bounds them).
 */
export function historyCharsFor(contextWindow: number | null): number | undefined {
  return contextWindow ? contextWindow * 4 : undefined;
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
