/**
 * A tool call's outcome as the model reads it: text, bounded. Errors are values too (a failed or
 * timed-out call is something the model can react to), so nothing here throws into a run.
 */

export interface ToolCallOutcome {
  /** True when the call failed (the server said so, or it could not be made). */
  isError: boolean;
  /** What the model reads: the result's text, or a sentence saying what went wrong. */
  text: string;
  /** True when the text was cut to the output limit. */
  truncated: boolean;
}

/** 100 KB of text: more would crowd the model's context and the message row. */
export const DEFAULT_MAX_OUTPUT_CHARS = 100_000;

/** One content block of an MCP tool result, loosely: servers send what they like. */
interface ContentBlock {
  type?: unknown;
  text?: unknown;
  mimeType?: unknown;
  data?: unknown;
  uri?: unknown;
  resource?: { uri?: unknown; text?: unknown; mimeType?: unknown };
}

function describe(block: ContentBlock): string {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? block.text : '';
    case 'image':
    case 'audio': {
      const size = typeof block.data === 'string' ? Math.floor((block.data.length * 3) / 4) : 0;
      return `[${block.type}: ${String(block.mimeType ?? 'unknown type')}, ${size} bytes]`;
    }
    case 'resource':
      if (typeof block.resource?.text === 'string') return block.resource.text;
      return `[resource: ${String(block.resource?.uri ?? '')}]`;
    case 'resource_link':
      return `[link: ${String(block.uri ?? '')}]`;
    default:
      return `[${String(block.type ?? 'unknown')} content]`;
  }
}

/** Cut text to `max` characters, saying so in the text itself so the model knows it is partial. */
export function limitText(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  return {
    text: `${text.slice(0, max)}\n[output truncated: ${max} of ${text.length} characters shown]`,
    truncated: true,
  };
}

/** An MCP CallToolResult → what the model reads. */
export function toolResultText(
  result: { content?: unknown; structuredContent?: unknown; isError?: unknown; toolResult?: unknown },
  maxChars: number,
): ToolCallOutcome {
  const blocks = Array.isArray(result.content) ? (result.content as ContentBlock[]) : [];
  let text = blocks.map(describe).join('\n');
  if (text === '' && result.structuredContent !== undefined) text = JSON.stringify(result.structuredContent);
  // Servers on the 2024-10 protocol answer with `toolResult` instead of content.
  if (text === '' && result.toolResult !== undefined) text = JSON.stringify(result.toolResult);
  return { isError: result.isError === true, ...limitText(text, maxChars) };
}

/** A call that could not be made or failed on the way: a sentence for the model, never a throw. */
export function toolError(message: string): ToolCallOutcome {
  return { isError: true, text: message, truncated: false };
}
