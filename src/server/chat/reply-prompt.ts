import type { AssistantContent, ModelMessage, ToolContent } from 'ai';
import type { MessagePartDto, ToolPartDto } from '../../shared/message-parts.js';
import { modelToolName } from '../tools/run-tools.js';

/**
 * The reply a run is writing (or continues, or resumes), as the model must read it back: per step,
 * an assistant message with its text and tool calls, then a tool message with their results.
 * Files the model made are not sent back, nor is reasoning unless the provider sealed it.
 */
export function replyMessages(parts: readonly MessagePartDto[]): ModelMessage[] {
  const messages: ModelMessage[] = [];
  let content: Exclude<AssistantContent, string> = [];
  let results: ToolContent = [];
  const flush = () => {
    if (content.length > 0) {
      const onlyText = content.every((part) => part.type === 'text');
      messages.push({
        role: 'assistant',
        // Plain text stays a string: the cheap prompt path (stream-model.ts) takes it as is.
        content: onlyText ? content.map((part) => (part.type === 'text' ? part.text : '')).join('') : content,
      });
    }
    if (results.length > 0) messages.push({ role: 'tool', content: results });
    content = [];
    results = [];
  };
  for (const part of parts) {
    if (part.type === 'step-start') flush();
    else if (part.type === 'text' && part.text !== '') content.push({ type: 'text', text: part.text });
    // Sealed reasoning goes back as the provider sent it (Anthropic refuses a tool turn without it).
    else if (part.type === 'reasoning' && part.providerMetadata) {
      content.push({ type: 'reasoning', text: part.text, providerOptions: part.providerMetadata as never });
    } else if (part.type === 'dynamic-tool') {
      const toolName = modelToolName(part.toolName);
      content.push({ type: 'tool-call', toolCallId: part.toolCallId, toolName, input: part.input ?? {} });
      results.push({ type: 'tool-result', toolCallId: part.toolCallId, toolName, output: resultOf(part) });
    }
  }
  flush();
  return messages;
}

/** What the model reads for a call; one without an outcome was cut off (a crash, a stop). */
function resultOf(part: ToolPartDto) {
  switch (part.state) {
    case 'output-available':
      return { type: 'text' as const, value: part.output ?? '' };
    case 'output-error':
      return { type: 'error-text' as const, value: part.errorText ?? 'The tool call failed.' };
    case 'output-denied':
      return {
        type: 'execution-denied' as const,
        ...(part.approval?.reason ? { reason: part.approval.reason } : {}),
      };
    default:
      return { type: 'error-text' as const, value: 'The tool call did not finish (it was interrupted).' };
  }
}
