import type { ToolPartDto } from '../../shared/message-parts.js';
import type { RunStreamPart } from '../../shared/run-events.js';
import type { RunTool, RunTools } from '../tools/run-tools.js';
import type { ReplyBuilder } from './reply-builder.js';

/**
 * A step's tool calls, once the model has made them: each is refused (unknown tool, bad
 * arguments, past the step limit), paused for a person's approval, or run. Every outcome is a
 * part of the reply and an event on its stream; nothing here throws into the run, because the
 * model is told what went wrong and answers with that.
 */

/** A call as the model made it, its arguments parsed (or why they could not be). */
export interface ModelToolCall {
  toolCallId: string;
  /** The model's name for the tool (`<server>__<tool>`). */
  modelName: string;
  input: unknown;
  /** Set when the arguments were not a JSON object. */
  inputError?: string;
}

export interface ToolRunContext {
  reply: ReplyBuilder;
  tools: RunTools | undefined;
  signal: AbortSignal;
  emit(part: RunStreamPart): void;
  /** The reply changed: the next checkpoint writes it. */
  changed(): void;
}

/** The model's arguments (a JSON string) as the object a tool takes, or why they are not one. */
export function parseToolInput(raw: string): { input: unknown; inputError?: string } {
  if (raw.trim() === '') return { input: {} };
  try {
    const input: unknown = JSON.parse(raw);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { input, inputError: 'The arguments must be a JSON object.' };
    }
    return { input };
  } catch {
    return { input: raw, inputError: 'The arguments were not valid JSON.' };
  }
}

function fail(ctx: ToolRunContext, part: ToolPartDto, errorText: string): void {
  part.state = 'output-error';
  part.errorText = errorText;
  ctx.emit({ type: 'tool-output-error', toolCallId: part.toolCallId, errorText, dynamic: true });
  ctx.changed();
}

async function execute(
  ctx: ToolRunContext,
  tools: RunTools,
  tool: RunTool,
  part: ToolPartDto,
): Promise<void> {
  const started = performance.now();
  const outcome = await tools.execute(tool, part.input as Record<string, unknown>, ctx.signal);
  part.durationMs = Math.round(performance.now() - started);
  if (ctx.signal.aborted && outcome.isError) return fail(ctx, part, 'The call was stopped.');
  if (outcome.isError) return fail(ctx, part, outcome.text);
  part.state = 'output-available';
  part.output = outcome.text;
  ctx.emit({
    type: 'tool-output-available',
    toolCallId: part.toolCallId,
    output: outcome.text,
    dynamic: true,
  });
  ctx.changed();
}

/**
 * The calls of one step: refused, paused for approval, or run (in parallel, as the model may
 * expect of independent calls). `overLimit`: the reply used its tool steps; calls are refused.
 */
export async function runToolCalls(
  ctx: ToolRunContext,
  calls: readonly ModelToolCall[],
  overLimit: boolean,
): Promise<void> {
  const running: Promise<void>[] = [];
  for (const call of calls) {
    const part = ctx.reply.tool(call.toolCallId);
    if (!part) continue;
    const tool = ctx.tools?.find(call.modelName);
    if (!tool || !ctx.tools) fail(ctx, part, `There is no tool "${call.modelName}" in this conversation.`);
    else if (overLimit)
      fail(ctx, part, 'No more tool calls: this reply used all its tool steps. Answer now.');
    else if (call.inputError) fail(ctx, part, call.inputError);
    else if (tool.requiresApproval) {
      part.state = 'approval-requested';
      part.approval = { id: part.toolCallId };
      ctx.emit({ type: 'tool-approval-request', approvalId: part.toolCallId, toolCallId: part.toolCallId });
      ctx.changed();
    } else running.push(execute(ctx, ctx.tools, tool, part));
  }
  await Promise.all(running);
}

/** The calls of a step whose model stream failed: they never ran, and the reply says so. */
export function failUnrun(ctx: ToolRunContext, calls: readonly ModelToolCall[]): void {
  for (const call of calls) {
    const part = ctx.reply.tool(call.toolCallId);
    if (part?.state === 'input-available') fail(ctx, part, 'The model failed before this call could run.');
  }
}

/**
 * A resumed reply's answered approvals: approved calls run now (if the tool is still the run's to
 * use: the user's role or the conversation's tools may have changed since), denied ones are told.
 */
export async function runAnsweredCalls(ctx: ToolRunContext): Promise<void> {
  const running: Promise<void>[] = [];
  for (const part of ctx.reply.toolParts()) {
    if (part.state !== 'approval-responded') continue;
    if (part.approval?.approved !== true) {
      part.state = 'output-denied';
      part.approval = {
        id: part.toolCallId,
        approved: false,
        ...(part.approval?.reason ? { reason: part.approval.reason } : {}),
      };
      ctx.emit({ type: 'tool-output-denied', toolCallId: part.toolCallId });
      ctx.changed();
      continue;
    }
    const tool = ctx.tools?.byId(part.toolName);
    if (!tool || !ctx.tools)
      fail(ctx, part, `The tool "${part.toolName}" is no longer available in this conversation.`);
    else running.push(execute(ctx, ctx.tools, tool, part));
  }
  await Promise.all(running);
}
