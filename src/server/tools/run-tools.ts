import type { LanguageModelV3FunctionTool } from '@ai-sdk/provider';
import type { Role } from '../store/schema.js';
import type { ToolCatalog } from './tool-catalog.js';
import type { ToolCallOutcome } from './tool-output.js';

/**
 * The tools one run may call: the conversation's choice, cut to what the user's role may use and
 * what is connected now. Providers want tool names like `^[a-zA-Z0-9_-]{1,64}$`, so a tool id
 * (`<server>/<tool>`) is sent as its model name (`<server>__<tool>`) and mapped back here.
 */

export interface RunTool {
  /** `<server>/<tool>`, as conversations and stored parts name it. */
  id: string;
  /** The name the model sees and calls. */
  modelName: string;
  server: string;
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
  requiresApproval: boolean;
}

const MAX_MODEL_NAME = 64;

/** A tool id as a model may see it: `everything/echo` → `everything__echo` (stable, so history matches). */
export function modelToolName(id: string): string {
  return id
    .replace('/', '__')
    .replace(/[^a-zA-Z0-9_-]/g, '_')
    .slice(0, MAX_MODEL_NAME);
}

export class RunTools {
  private readonly byModel = new Map<string, RunTool>();

  constructor(
    readonly tools: readonly RunTool[],
    private readonly call: (
      tool: RunTool,
      input: Record<string, unknown>,
      signal: AbortSignal,
    ) => Promise<ToolCallOutcome>,
  ) {
    // Two ids that map to one model name: the first keeps it, so a call is never sent to the wrong tool.
    for (const tool of tools) if (!this.byModel.has(tool.modelName)) this.byModel.set(tool.modelName, tool);
  }

  get size(): number {
    return this.byModel.size;
  }

  /** What the model is told it may call. */
  definitions(): LanguageModelV3FunctionTool[] {
    return [...this.byModel.values()].map((tool) => ({
      type: 'function',
      name: tool.modelName,
      description: tool.description,
      inputSchema: tool.inputSchema as LanguageModelV3FunctionTool['inputSchema'],
    }));
  }

  /** The tool a model's call names, if the run may use it. */
  find(modelName: string): RunTool | undefined {
    return this.byModel.get(modelName);
  }

  /** The tool with this id, if the run may use it (an approved call is checked again when it runs). */
  byId(id: string): RunTool | undefined {
    return this.tools.find((tool) => tool.id === id);
  }

  execute(tool: RunTool, input: Record<string, unknown>, signal: AbortSignal): Promise<ToolCallOutcome> {
    return this.call(tool, input, signal);
  }
}

/**
 * The run's tools: the enabled ids a role (and the user's groups: `allowed`, null for no
 * restriction) may use, among tools of servers that are ready now.
 */
export function toolsForRun(
  catalog: Pick<ToolCatalog, 'list' | 'callTool'>,
  role: Role,
  enabled: readonly string[],
  allowed: ReadonlySet<string> | null = null,
): RunTools {
  const wanted = new Set(enabled);
  const tools: RunTool[] = [];
  if (wanted.size > 0) {
    for (const server of catalog.list(role, allowed)) {
      if (server.state !== 'ready') continue;
      for (const tool of server.tools) {
        if (!wanted.has(tool.id)) continue;
        tools.push({
          id: tool.id,
          modelName: modelToolName(tool.id),
          server: server.name,
          tool: tool.name,
          description: tool.description,
          inputSchema: tool.inputSchema,
          requiresApproval: tool.requiresApproval,
        });
      }
    }
  }
  return new RunTools(tools, (tool, input, signal) =>
    catalog.callTool(role, tool.server, tool.tool, input, signal, allowed),
  );
}
