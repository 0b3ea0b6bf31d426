import type { JSONSchema7 } from '@ai-sdk/provider';
import type { ToolChoice, ToolSet } from 'ai';
import { invalidRequest } from './errors.js';

/**
 * Function tools as both OpenAI APIs send them, checked and bounded before anything goes
 * upstream. Parley never runs these tools: the model's calls go back to the client, which runs
 * them and sends the results in its next request, exactly as against OpenAI. So the tools are
 * passed to the model without `execute`, and one request is one model step.
 */

export interface FunctionToolSpec {
  name: string;
  description: string | undefined;
  /** A JSON schema of type object (an empty one when the client sent none, as OpenAI reads it). */
  parameters: Record<string, unknown>;
  strict: boolean | undefined;
}

/** `tool_choice` in the AI SDK's terms. */
export type ToolChoiceSpec = ToolChoice<ToolSet>;

export interface ToolRequest {
  tools: FunctionToolSpec[];
  choice: ToolChoiceSpec | undefined;
  /** `parallel_tool_calls`; undefined leaves it to the provider (parallel calls allowed). */
  parallel: boolean | undefined;
}

/** One tool's schema, serialized: enough for any real function, small next to the 1 MB of text. */
export const MAX_TOOL_SCHEMA_CHARS = 32 * 1024;
/** All tools of a request together (names, descriptions, schemas). */
export const MAX_TOOLS_CHARS = 256 * 1024;
/** Nesting of a schema: the SDKs and providers walk schemas recursively. */
export const MAX_SCHEMA_DEPTH = 32;

/** Depth of a JSON value (objects and arrays), stopping as soon as it passes `limit`. */
function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || typeof value !== 'object' || value === null) return depth;
  let deepest = depth;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit, depth + 1));
    if (deepest > limit) break;
  }
  return deepest;
}

/** Checks the list (unique names, bounded schemas of type object) and fills absent schemas. */
export function checkTools(
  tools: Array<Omit<FunctionToolSpec, 'parameters'> & { parameters: Record<string, unknown> | undefined }>,
  param: (index: number) => string,
): FunctionToolSpec[] {
  const seen = new Set<string>();
  let total = 0;
  return tools.map((tool, index) => {
    if (seen.has(tool.name)) {
      throw invalidRequest(
        `Duplicate tool name '${tool.name}': every tool needs a name of its own.`,
        `${param(index)}.name`,
        'invalid_value',
      );
    }
    seen.add(tool.name);
    const parameters = tool.parameters ?? { type: 'object', properties: {} };
    const where = `${param(index)}.parameters`;
    if (parameters.type !== undefined && parameters.type !== 'object') {
      throw invalidRequest(
        `Invalid value for '${where}': a function's parameters must be a JSON schema of type 'object'.`,
        where,
        'invalid_value',
      );
    }
    const size = JSON.stringify(parameters).length;
    if (size > MAX_TOOL_SCHEMA_CHARS) {
      throw invalidRequest(
        `The schema of tool '${tool.name}' is ${size} characters; at most ${MAX_TOOL_SCHEMA_CHARS} are accepted.`,
        where,
        'invalid_value',
      );
    }
    if (depthOf(parameters, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH) {
      throw invalidRequest(
        `The schema of tool '${tool.name}' is nested more than ${MAX_SCHEMA_DEPTH} levels deep.`,
        where,
        'invalid_value',
      );
    }
    total += size + tool.name.length + (tool.description?.length ?? 0);
    if (total > MAX_TOOLS_CHARS) {
      throw invalidRequest(
        `The tools of this request add up to more than ${MAX_TOOLS_CHARS} characters.`,
        param(index),
        'invalid_value',
      );
    }
    return { ...tool, parameters };
  });
}

/**
 * The client's tool choice, checked against its tools as OpenAI does: a named function must be
 * one of them, and `required` or a name without tools is a contradiction.
 */
export function checkChoice(
  choice: 'none' | 'auto' | 'required' | { name: string } | undefined,
  tools: FunctionToolSpec[],
  param: string,
): ToolChoiceSpec | undefined {
  if (choice === undefined || choice === 'auto' || choice === 'none') {
    return tools.length === 0 ? undefined : choice;
  }
  if (tools.length === 0) {
    throw invalidRequest(`'${param}' is only allowed when 'tools' are specified.`, param, 'invalid_value');
  }
  if (choice === 'required') return 'required';
  if (!tools.some((tool) => tool.name === choice.name)) {
    throw invalidRequest(
      `Invalid value for '${param}': no tool named '${choice.name}' in 'tools'.`,
      param,
      'invalid_value',
    );
  }
  return { type: 'tool', toolName: choice.name };
}

/**
 * The tools for the AI SDK: JSON schemas as they are (no validation of the model's arguments:
 * they go back to the client, which judges them as it would OpenAI's), and no `execute`.
 */
export function toToolSet(
  tools: FunctionToolSpec[],
  jsonSchema: (schema: JSONSchema7) => ToolSet[string]['inputSchema'],
): ToolSet {
  const set: ToolSet = {};
  for (const tool of tools) {
    set[tool.name] = {
      ...(tool.description !== undefined ? { description: tool.description } : {}),
      inputSchema: jsonSchema(tool.parameters as JSONSchema7),
      ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
    };
  }
  return set;
}
