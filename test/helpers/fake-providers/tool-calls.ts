import type http from 'node:http';
import type { FakeReply, FakeScript, RecordedRequest } from './fake-server.js';
import { sse } from './fake-server.js';

/**
 * Tool calling on the fake providers' wires: a model step that calls tools, in each provider's own
 * streaming format, and readers of what the next request sends back (the calls and their results),
 * so a test can check that a tool result came back in the provider's own shape.
 *
 *   OpenAI Chat Completions: `delta.tool_calls` (first chunk: index, id, type, function.name,
 *     arguments ""; then argument fragments), finish_reason "tool_calls"; results come back as an
 *     assistant message with `tool_calls`, then `role: "tool"` messages with the `tool_call_id`.
 *   Anthropic Messages: `content_block_start` of a `tool_use` block (id, name, input {}),
 *     `input_json_delta` partial_json fragments, `content_block_stop`, stop_reason "tool_use";
 *     results come back as an assistant `tool_use` block, then a user `tool_result` block.
 *   Gemini: a `functionCall` part {name, args} (arguments are never streamed in pieces); results
 *     come back as a model `functionCall` part, then a user `functionResponse` part.
 */

export type ToolProtocol = 'openai' | 'anthropic' | 'google';

export interface ScriptedToolCall {
  /** The call id the provider gives (Gemini has none on the wire: the SDK makes one up). */
  id: string;
  /** The tool's name as the model was told it (`everything__echo`). */
  name: string;
  /** The arguments' JSON text in the pieces it streams in (joined, it must parse for Gemini). */
  fragments: string[];
}

export interface ToolStep {
  /** Anthropic only: a thinking block (with its signature) before everything else. */
  thinking?: { text: string[]; signature: string };
  /** Text the model writes before its calls, one piece per frame. */
  text?: string[];
  calls: ScriptedToolCall[];
  usage: { inputTokens: number; outputTokens: number };
}

type Writer = (res: http.ServerResponse, frames: string[]) => Promise<void>;

const writeFrames: Writer = async (res, frames) => {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  for (const frame of frames) {
    await new Promise<void>((resolve) => res.write(frame, () => resolve()));
  }
  res.end();
};

function openaiFrames(step: ToolStep, request: RecordedRequest): string[] {
  const id = `chatcmpl-tools${request.receivedAt}`;
  const created = Math.floor(request.receivedAt / 1000);
  const model = String(request.body?.model ?? 'unknown');
  const chunk = (choices: unknown[], extra: object = {}) =>
    sse({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_fake',
      choices,
      ...extra,
    });
  const frames = [
    chunk([{ index: 0, delta: { role: 'assistant', content: null, refusal: null }, finish_reason: null }]),
    ...(step.text ?? []).map((content) => chunk([{ index: 0, delta: { content }, finish_reason: null }])),
  ];
  step.calls.forEach((call, index) => {
    frames.push(
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
            ],
          },
          finish_reason: null,
        },
      ]),
      ...call.fragments.map((fragment) =>
        chunk([
          {
            index: 0,
            delta: { tool_calls: [{ index, function: { arguments: fragment } }] },
            finish_reason: null,
          },
        ]),
      ),
    );
  });
  frames.push(chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]));
  if (request.body?.stream_options?.include_usage) {
    frames.push(
      chunk([], {
        usage: {
          prompt_tokens: step.usage.inputTokens,
          completion_tokens: step.usage.outputTokens,
          total_tokens: step.usage.inputTokens + step.usage.outputTokens,
        },
      }),
    );
  }
  frames.push(sse('[DONE]'));
  return frames;
}

function anthropicFrames(step: ToolStep, request: RecordedRequest): string[] {
  const event = (type: string, data: object) => sse({ type, ...data }, type);
  const frames = [
    event('message_start', {
      message: {
        id: `msg_tools${request.receivedAt}`,
        type: 'message',
        role: 'assistant',
        model: String(request.body?.model ?? 'unknown'),
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: step.usage.inputTokens,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 1,
        },
      },
    }),
  ];
  let index = 0;
  if (step.thinking) {
    frames.push(
      event('content_block_start', {
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      }),
      ...step.thinking.text.map((thinking) =>
        event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } }),
      ),
      event('content_block_delta', {
        index,
        delta: { type: 'signature_delta', signature: step.thinking.signature },
      }),
      event('content_block_stop', { index }),
    );
    index += 1;
  }
  if (step.text) {
    frames.push(
      event('content_block_start', { index, content_block: { type: 'text', text: '' } }),
      ...step.text.map((text) =>
        event('content_block_delta', { index, delta: { type: 'text_delta', text } }),
      ),
      event('content_block_stop', { index }),
    );
    index += 1;
  }
  for (const call of step.calls) {
    frames.push(
      event('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
      }),
      event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }),
      ...call.fragments.map((partial_json) =>
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } }),
      ),
      event('content_block_stop', { index }),
    );
    index += 1;
  }
  frames.push(
    event('message_delta', {
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { output_tokens: step.usage.outputTokens },
    }),
    event('message_stop', {}),
  );
  return frames;
}

function googleFrames(step: ToolStep, request: RecordedRequest): string[] {
  const modelVersion = /models\/([^/:]+):/.exec(request.path)?.[1] ?? 'unknown';
  const responseId = `tools${request.receivedAt}`;
  const frame = (parts: unknown[], last: boolean) =>
    sse({
      candidates: [
        { content: { parts, role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 },
      ],
      usageMetadata: last
        ? {
            promptTokenCount: step.usage.inputTokens,
            candidatesTokenCount: step.usage.outputTokens,
            totalTokenCount: step.usage.inputTokens + step.usage.outputTokens,
          }
        : { promptTokenCount: step.usage.inputTokens, totalTokenCount: step.usage.inputTokens },
      modelVersion,
      responseId,
    });
  return [
    ...(step.text ?? []).map((text) => frame([{ text }], false)),
    frame(
      step.calls.map((call) => ({
        functionCall: { name: call.name, args: JSON.parse(call.fragments.join('')) },
      })),
      true,
    ),
  ];
}

const FRAMES: Record<ToolProtocol, (step: ToolStep, request: RecordedRequest) => string[]> = {
  openai: openaiFrames,
  anthropic: anthropicFrames,
  google: googleFrames,
};

/** A streamed model step that calls tools, in the protocol's own wire format. */
export function toolCallReply(protocol: ToolProtocol, step: ToolStep): FakeReply {
  return { raw: (_req, res, request) => writeFrames(res, FRAMES[protocol](step, request)) };
}

/** The names of the tools a request offers the model, in the protocol's own format. */
export function offeredTools(protocol: ToolProtocol, body: unknown): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: provider request bodies are walked freely
  const b = body as any;
  switch (protocol) {
    case 'openai':
      return (b?.tools ?? []).map((tool: { function?: { name?: string } }) => tool.function?.name);
    case 'anthropic':
      return (b?.tools ?? []).map((tool: { name?: string }) => tool.name);
    case 'google':
      return (b?.tools ?? []).flatMap((tool: { functionDeclarations?: { name: string }[] }) =>
        (tool.functionDeclarations ?? []).map((declaration) => declaration.name),
      );
  }
}

/** A call and its result as the next request sends them back, whatever the protocol. */
export interface ReturnedCall {
  id: string | undefined;
  name: string;
  input: unknown;
}
export interface ReturnedResult {
  id: string | undefined;
  name: string | undefined;
  /** The result's payload as sent (a string, content blocks, or Gemini's response object). */
  output: unknown;
}
export interface ToolExchange {
  calls: ReturnedCall[];
  results: ReturnedResult[];
  /** Why the history does not have the shape the protocol requires; undefined when it does. */
  problem: string | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: provider request bodies are walked freely
type Json = any;

function openaiExchange(body: Json): ToolExchange {
  const messages: Json[] = body?.messages ?? [];
  const at = messages.findIndex((m) => m.role === 'assistant' && Array.isArray(m.tool_calls));
  if (at < 0) return { calls: [], results: [], problem: 'no assistant message with tool_calls' };
  const calls: ReturnedCall[] = messages[at].tool_calls.map((call: Json) => ({
    id: call.id,
    name: call.function?.name,
    input: safeJson(call.function?.arguments),
  }));
  const results: ReturnedResult[] = [];
  for (const message of messages.slice(at + 1)) {
    if (message.role !== 'tool') break;
    results.push({ id: message.tool_call_id, name: undefined, output: message.content });
  }
  const problem =
    results.length === 0
      ? 'no role "tool" message right after the assistant tool_calls'
      : calls.some((call) => !results.some((result) => result.id === call.id))
        ? 'a tool_call_id does not match the assistant tool_calls'
        : undefined;
  return { calls, results, problem };
}

function anthropicExchange(body: Json): ToolExchange {
  const messages: Json[] = body?.messages ?? [];
  const at = messages.findIndex(
    (m) =>
      m.role === 'assistant' &&
      Array.isArray(m.content) &&
      m.content.some((b: Json) => b.type === 'tool_use'),
  );
  if (at < 0) return { calls: [], results: [], problem: 'no assistant message with a tool_use block' };
  const calls: ReturnedCall[] = messages[at].content
    .filter((block: Json) => block.type === 'tool_use')
    .map((block: Json) => ({ id: block.id, name: block.name, input: block.input }));
  const next = messages[at + 1];
  const results: ReturnedResult[] =
    next?.role === 'user' && Array.isArray(next.content)
      ? next.content
          .filter((block: Json) => block.type === 'tool_result')
          .map((block: Json) => ({ id: block.tool_use_id, name: undefined, output: block.content }))
      : [];
  const problem =
    results.length === 0
      ? 'no user message with tool_result blocks right after the tool_use'
      : calls.some((call) => !results.some((result) => result.id === call.id))
        ? 'a tool_use_id does not match the tool_use blocks'
        : undefined;
  return { calls, results, problem };
}

function googleExchange(body: Json): ToolExchange {
  const contents: Json[] = body?.contents ?? [];
  const at = contents.findIndex(
    (c) => c.role === 'model' && (c.parts ?? []).some((p: Json) => p.functionCall !== undefined),
  );
  if (at < 0) return { calls: [], results: [], problem: 'no model content with a functionCall part' };
  const calls: ReturnedCall[] = contents[at].parts
    .filter((part: Json) => part.functionCall)
    .map((part: Json) => ({
      id: part.functionCall.id,
      name: part.functionCall.name,
      input: part.functionCall.args,
    }));
  const next = contents[at + 1];
  const results: ReturnedResult[] = (next?.parts ?? [])
    .filter((part: Json) => part.functionResponse)
    .map((part: Json) => ({
      id: part.functionResponse.id,
      name: part.functionResponse.name,
      output: part.functionResponse.response,
    }));
  const problem =
    next?.role !== 'user' || results.length === 0
      ? 'no user content with a functionResponse part right after the functionCall'
      : calls.some((call) => !results.some((result) => result.name === call.name))
        ? 'a functionResponse name does not match the functionCall'
        : undefined;
  return { calls, results, problem };
}

function safeJson(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The tool calls and results a request sends back, read in the protocol's own format. */
export function toolExchange(protocol: ToolProtocol, body: unknown): ToolExchange {
  switch (protocol) {
    case 'openai':
      return openaiExchange(body);
    case 'anthropic':
      return anthropicExchange(body);
    case 'google':
      return googleExchange(body);
  }
}

/**
 * A step that must follow a tool call: it answers `reply` when the request carries the calls and
 * their results in the protocol's format (and `check` finds nothing wrong), else a 400 naming the
 * problem, so a wrong history fails the run with a readable error as well as the test's own checks.
 */
export function afterToolResults(
  protocol: ToolProtocol,
  reply: FakeReply,
  check: (exchange: ToolExchange) => string | undefined = () => undefined,
): FakeScript {
  return (request) => {
    const exchange = toolExchange(protocol, request.body);
    const problem = exchange.problem ?? check(exchange);
    if (problem) return { status: 400, error: { message: `fake ${protocol}: ${problem}` } };
    return reply;
  };
}
