import type { ModelMessage } from 'ai';
import type { MessageRow } from '../store/schema.js';

/**
 * Turn a branch of stored messages (root first) into what the model sees. Empty assistant
 * messages (a reply that failed before its first token) carry nothing and are left out.
 */
export function toModelMessages(branch: MessageRow[], systemPrompt: string | null): ModelMessage[] {
  const messages: ModelMessage[] = [];
  if (systemPrompt) messages.push({ role: 'system', content: systemPrompt });
  for (const row of branch) {
    if (row.role === 'assistant') {
      if (row.content !== '') messages.push({ role: 'assistant', content: row.content });
    } else if (row.role === 'user') {
      messages.push({ role: 'user', content: row.content });
    } else {
      messages.push({ role: 'system', content: row.content });
    }
  }
  return messages;
}
