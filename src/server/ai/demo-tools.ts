import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
} from '@ai-sdk/provider';

/**
 * The demo model's tool calls, deterministic so the whole tool path (approvals included) can be
 * tried and tested without keys: a user message `use <tool> with <json>` calls that tool (named by
 * its id `<server>/<tool>` or its bare name, among the tools the call offers) with that JSON; when
 * the prompt ends with tool results, the demo says what they were.
 */

const USE = /^\s*use\s+(\S+)\s+with\s+(\{[\s\S]*\})\s*$/i;

/** A tool's id back from the name models see (`everything__echo` → `everything/echo`). */
const toolIdOf = (modelName: string) => modelName.replace('__', '/');

export interface DemoToolCall {
  toolCallId: string;
  toolName: string;
  input: string;
}

/** The call a fresh reply to `use <tool> with {...}` makes, if the tool is offered. */
export function plannedToolCall(
  options: LanguageModelV3CallOptions,
  question: string,
): DemoToolCall | undefined {
  const last = options.prompt.at(-1);
  if (last?.role !== 'user' || options.toolChoice?.type === 'none') return undefined;
  const match = USE.exec(question);
  if (!match) return undefined;
  const [, wanted = '', json = '{}'] = match;
  const tool = (options.tools ?? []).find(
    (candidate) =>
      candidate.type === 'function' &&
      (toolIdOf(candidate.name) === wanted ||
        candidate.name === wanted ||
        candidate.name.endsWith(`__${wanted}`)),
  );
  if (!tool) return undefined;
  try {
    JSON.parse(json);
  } catch {
    return undefined;
  }
  // Stable per prompt position, so a test can name it; unique within the reply.
  return { toolCallId: `call_demo_${options.prompt.length}`, toolName: tool.name, input: json };
}

/** The demo's answer when the prompt ends with tool results: one sentence per result. */
export function toolResultsReply(prompt: LanguageModelV3Prompt): string | undefined {
  const last = prompt.at(-1);
  if (last?.role !== 'tool') return undefined;
  const lines: string[] = [];
  for (const part of last.content) {
    if (part.type !== 'tool-result') continue;
    const name = toolIdOf(part.toolName);
    const output = part.output;
    if (output.type === 'text' || output.type === 'json') {
      const value = output.type === 'text' ? output.value : JSON.stringify(output.value);
      lines.push(`The tool ${name} returned: ${value}`);
    } else if (output.type === 'execution-denied') {
      lines.push(
        `The call to ${name} was denied${output.reason ? ` (${output.reason})` : ''}, so I answer without it.`,
      );
    } else if (output.type === 'error-text' || output.type === 'error-json') {
      const value = output.type === 'error-text' ? output.value : JSON.stringify(output.value);
      lines.push(`The tool ${name} failed: ${value}`);
    }
  }
  return lines.join('\n\n');
}

/** The stream parts of one tool call, its arguments in two deltas as providers stream them. */
export function toolCallParts(call: DemoToolCall): LanguageModelV3StreamPart[] {
  const half = Math.ceil(call.input.length / 2);
  return [
    { type: 'tool-input-start', id: call.toolCallId, toolName: call.toolName },
    { type: 'tool-input-delta', id: call.toolCallId, delta: call.input.slice(0, half) },
    { type: 'tool-input-delta', id: call.toolCallId, delta: call.input.slice(half) },
    { type: 'tool-input-end', id: call.toolCallId },
    { type: 'tool-call', toolCallId: call.toolCallId, toolName: call.toolName, input: call.input },
  ];
}
