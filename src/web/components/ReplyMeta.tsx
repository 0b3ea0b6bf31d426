import type { Message } from '../api.js';
import { isToolPart } from '../stream-parts.js';

/** "3 steps · 2 tool calls" for a reply that used tools; '' for one that did not. */
export function stepSummary(parts: Message['parts']): string {
  const calls = (parts ?? []).filter(isToolPart).length;
  if (calls === 0) return '';
  const steps = Math.max(1, (parts ?? []).filter((part) => part.type === 'step-start').length);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(steps, 'step')} · ${plural(calls, 'tool call')}`;
}

/** Which model wrote a reply, and its steps and tool calls when it used tools: small and muted. */
export function ReplyMeta({ message, modelName }: { message: Message; modelName: string }) {
  if (!message.model) return null;
  const steps = stepSummary(message.parts);
  return (
    <span className="msg-meta" title={message.model}>
      <span className="sr-only">Written by </span>
      {modelName}
      {steps && <span className="msg-meta-steps"> · {steps}</span>}
    </span>
  );
}
