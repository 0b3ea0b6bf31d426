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
