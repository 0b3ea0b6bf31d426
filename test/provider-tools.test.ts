import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../src/server/ai/models.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { parseConfig } from '../src/server/config.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { startFakeAnthropic } from './helpers/fake-providers/anthropic.js';
import type { FakeServer, RecordedRequest } from './helpers/fake-providers/fake-server.js';
import { startFakeGoogle } from './helpers/fake-providers/google.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';
import { startFakeOpenAICompatible } from './helpers/fake-providers/openai-compatible.js';
import {
  afterToolResults,
  offeredTools,
  type ToolProtocol,
  toolCallReply,
  toolExchange,
} from './helpers/fake-providers/tool-calls.js';
import { EVERYTHING_SERVER } from './helpers/mcp-servers.js';
import { partsOf, readSse } from './helpers/sse.js';

// Tool calling through Parley's run path, on each provider's real wire protocol (issue 16): the
// model (a fake server speaking the provider's API) calls an MCP tool (server-everything over
// stdio, from MCP_FILE); Parley runs it, streams the call and its result, sends the result back in
// the provider's own format, and stores the reply's parts.

type Env = Record<string, string>;
type Part = { type: string; [key: string]: unknown };

const ECHO = 'everything/echo';
/** What the model is told the tool is called (providers take no `/` in tool names). */
const ECHO_MODEL_NAME = 'everything__echo';
/** A tool the MCP server has but the conversation did not enable. */
const NOT_ENABLED = 'everything__get-sum';

let tmp: string;
let parley: { app: ParleyApp; store: Store; base: string };
const servers: Record<string, FakeServer> = {};

interface Case {
  name: string;
  protocol: ToolProtocol;
  server: () => FakeServer;
  model: string;
  /** Text the model writes before its call (Anthropic's usual "Let me check."). */
  preamble?: string[];
  /** The call id on the wire; Gemini sends none, so the SDK makes one up. */
  callId?: string;
}

const cases: Case[] = [
  {
    name: 'an OpenAI-compatible MODELS_FILE endpoint (chat completions)',
    protocol: 'openai',
    server: () => servers.compatible as FakeServer,
    model: 'toolhost/tool-model',
    callId: 'call_compat_1',
  },
  {
    name: 'OpenAI (chat completions)',
    protocol: 'openai',
    server: () => servers.openai as FakeServer,
    model: 'openai/gpt-4o-mini',
    callId: 'call_openai_1',
  },
  {
    name: 'Anthropic (messages)',
    protocol: 'anthropic',
    server: () => servers.anthropic as FakeServer,
    model: 'anthropic/claude-sonnet-4-5',
    preamble: ['Let me ', 'check.'],
    callId: 'toolu_01FakeEcho',
  },
  {
    name: 'Google Gemini (streamGenerateContent)',
    protocol: 'google',
    server: () => servers.google as FakeServer,
    model: 'google/gemini-2.5-flash',
  },
];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'parley-provider-tools-'));
  servers.compatible = await startFakeOpenAICompatible();
  servers.openai = await startFakeOpenAI();
  servers.anthropic = await startFakeAnthropic();
  servers.google = await startFakeGoogle();

  const modelsFile = path.join(tmp, 'models.yaml');
  await writeFile(
    modelsFile,
    [
      'endpoints:',
      '  - name: toolhost',
      `    baseURL: ${servers.compatible.baseURL}`,
      '    models:',
      '      - id: tool-model',
      'models:',
      '  - id: anthropic/claude-opus-4-1',
      '    reasoning: { budgetTokens: 2048 }',
      '',
    ].join('\n'),
  );
  // server-everything over stdio, as test/mcp.test.ts runs it; its tools run without approval here.
  const mcpFile = path.join(tmp, 'mcp.yaml');
  await writeFile(
    mcpFile,
    [
      'servers:',
      '  - name: everything',
      '    transport: stdio',
      `    command: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio]`,
      '    requireApproval: none',
      '    timeoutMs: 20000',
      '',
    ].join('\n'),
  );
  const env: Env = {
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    DEMO_DELAY_MS: '0',
    SHUTDOWN_GRACE_MS: '100',
    AUTH_MODE: 'none',
    // Provider calls are counted exactly: no title calls among them (titles.test.ts has those).
    TITLE_MODEL: 'off',
    MODELS_FILE: modelsFile,
    MCP_FILE: mcpFile,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: servers.openai.baseURL,
    OPENAI_MODELS: 'gpt-4o-mini',
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: servers.anthropic.origin,
    ANTHROPIC_MODELS: 'claude-sonnet-4-5,claude-opus-4-1',
    GOOGLE_GENERATIVE_AI_API_KEY: 'g-test',
    GOOGLE_GENERATIVE_AI_BASE_URL: servers.google.origin,
  };
  const config = parseConfig(env);
  const logger = pino({ level: 'silent' });
  const models = await createModelRegistry(config, { logger, env });
  const store = await openStore(config.databaseUrl);
  const app = await buildApp({ config, store, models, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  parley = { app, store, base: `http://127.0.0.1:${address.port}` };

  // MCP servers connect in the background: wait until the tool is listed as ready.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${parley.base}/api/tools`);
    const body = (await res.json()) as {
      servers?: { name: string; state: string; error: unknown; tools: { id: string }[] }[];
    };
    const everything = body.servers?.find((server) => server.name === 'everything');
    if (everything?.state === 'ready' && everything.tools.some((tool) => tool.id === ECHO)) break;
    if (Date.now() > deadline) throw new Error(`MCP server not ready: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  await parley?.app.close();
  await parley?.store.close();
  for (const server of Object.values(servers)) await server.close();
  await rm(tmp, { recursive: true, force: true });
});

const post = (body: unknown, stream = false) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(stream ? { accept: 'text/event-stream' } : {}) },
  body: JSON.stringify(body),
});

async function conversation(model: string, tools: string[]): Promise<string> {
  const res = await fetch(`${parley.base}/api/conversations`, post({ model, tools }));
  const body = (await res.json()) as { id: string; tools: string[] };
  expect(res.status, JSON.stringify(body)).toBe(201);
  expect(body.tools).toEqual(tools);
  return body.id;
}

/** Send a message and read the whole run stream. */
async function send(conversationId: string, content: string): Promise<Part[]> {
  const res = await fetch(
    `${parley.base}/api/conversations/${conversationId}/messages`,
    post({ content }, true),
  );
  expect(res.status).toBe(200);
  return partsOf(await readSse(res));
}

/** The chunk types in order, runs of deltas counted once (how many arrive is the wire's business). */
function shape(parts: Part[]): string[] {
  return parts
    .map((part) => part.type)
    .filter((type, i, types) => !(type.endsWith('-delta') && types[i - 1] === type));
}

async function storedReply(conversationId: string) {
  const res = await fetch(`${parley.base}/api/conversations/${conversationId}/messages`);
  expect(res.status).toBe(200);
  const { items } = (await res.json()) as {
    items: { role: string; content: string; status: string; parts: Part[] | null }[];
  };
  const reply = items.at(-1);
  expect(reply?.role).toBe('assistant');
  return reply as NonNullable<typeof reply>;
}

/** What a failing check shows: the chunks seen and the requests the fake received. */
function trace(parts: Part[], server: FakeServer, from: number): string {
  return JSON.stringify(
    { chunks: parts, requests: server.calls.slice(from).map((call: RecordedRequest) => call.body) },
    null,
    1,
  ).slice(0, 12_000);
}

describe.each(cases)('tool calls through $name', (c) => {
  it('streams the call and its result, sends the result back in the provider format, and stores the parts', async () => {
    const server = c.server();
    const from = server.calls.length;
    const fragments = ['{"mess', 'age":', ' "hi"}'];
    server.enqueue(
      toolCallReply(c.protocol, {
        ...(c.preamble ? { text: c.preamble } : {}),
        calls: [{ id: c.callId ?? 'unused', name: ECHO_MODEL_NAME, fragments }],
        usage: { inputTokens: 20, outputTokens: 7 },
      }),
      afterToolResults(
        c.protocol,
        { chunks: ['The tool', ' said hi.'], usage: { inputTokens: 30, outputTokens: 5 } },
        (exchange) =>
          JSON.stringify(exchange.results).includes('Echo: hi')
            ? undefined
            : `the tool result does not carry "Echo: hi": ${JSON.stringify(exchange.results)}`,
      ),
    );
    const id = await conversation(c.model, [ECHO]);
    const parts = await send(id, 'Please echo hi.');
    const why = () => trace(parts, server, from);

    // The first request offered the enabled tool (and only it) under its model name.
    expect(server.calls.length - from, why()).toBe(2);
    const [first, second] = server.calls.slice(from) as [RecordedRequest, RecordedRequest];
    expect(offeredTools(c.protocol, first.body)).toEqual([ECHO_MODEL_NAME]);

    expect(shape(parts), why()).toEqual([
      'start',
      'data-run',
      'start-step',
      ...(c.preamble ? ['text-start', 'text-delta', 'text-end'] : []),
      'tool-input-start',
      'tool-input-delta',
      'tool-input-available',
      'tool-output-available',
      'finish-step',
      'start-step',
      'text-start',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    const start = parts.find((part) => part.type === 'tool-input-start') as Part;
    const toolCallId = start.toolCallId as string;
    if (c.callId) expect(toolCallId).toBe(c.callId);
    expect(start).toEqual({ type: 'tool-input-start', toolCallId, toolName: ECHO, dynamic: true });
    const streamedInput = parts
      .filter((part) => part.type === 'tool-input-delta')
      .map((part) => {
        expect(part.toolCallId).toBe(toolCallId);
        return part.inputTextDelta;
      })
      .join('');
    expect(JSON.parse(streamedInput)).toEqual({ message: 'hi' });
    expect(parts.find((part) => part.type === 'tool-input-available')).toEqual({
      type: 'tool-input-available',
      toolCallId,
      toolName: ECHO,
      input: { message: 'hi' },
      dynamic: true,
    });
    expect(parts.find((part) => part.type === 'tool-output-available')).toEqual({
      type: 'tool-output-available',
      toolCallId,
      output: 'Echo: hi',
      dynamic: true,
    });
    const text = parts
      .filter((part) => part.type === 'text-delta')
      .map((part) => part.delta)
      .join('');
    expect(text).toBe(`${(c.preamble ?? []).join('')}The tool said hi.`);
    // Usage is both model calls together.
    expect(parts.at(-1), why()).toMatchObject({
      type: 'finish',
      messageMetadata: { status: 'complete', usage: { inputTokens: 50, outputTokens: 12 } },
    });

    // The second request carried the call and its result in the provider's own format.
    const exchange = toolExchange(c.protocol, second.body);
    expect(exchange.problem, why()).toBeUndefined();
    expect(exchange.calls).toEqual([
      {
        id: c.protocol === 'google' ? exchange.calls[0]?.id : toolCallId,
        name: ECHO_MODEL_NAME,
        input: { message: 'hi' },
      },
    ]);
    expect(exchange.results).toHaveLength(1);
    if (c.protocol !== 'google') expect(exchange.results[0]?.id).toBe(toolCallId);
    else expect(exchange.results[0]?.name).toBe(ECHO_MODEL_NAME);
    expect(JSON.stringify(exchange.results[0]?.output)).toContain('Echo: hi');
    if (c.preamble && c.protocol === 'anthropic') {
      // The text before the call stays in the same assistant turn, before the tool_use block.
      const assistant = (second.body.messages as { role: string; content: { type: string }[] }[]).find(
        (message) => message.role === 'assistant',
      );
      expect(assistant?.content.map((block) => block.type)).toEqual(['text', 'tool_use']);
    }

    // GET messages: the stored reply has its steps, the tool part and the answer.
    const reply = await storedReply(id);
    expect(reply.status).toBe('complete');
    // The first step has no step-start part (a reply without tools keeps its parts as before).
    expect(reply.parts, JSON.stringify(reply.parts)).toEqual([
      ...(c.preamble ? [{ type: 'text', text: c.preamble.join('') }] : []),
      {
        type: 'dynamic-tool',
        toolCallId,
        toolName: ECHO,
        state: 'output-available',
        input: { message: 'hi' },
        output: 'Echo: hi',
        durationMs: expect.any(Number),
      },
      { type: 'step-start' },
      { type: 'text', text: 'The tool said hi.' },
    ]);
    expect(reply.content).toContain('The tool said hi.');
  });

  it('tells the model about a call to a tool the conversation did not enable, and finishes', async () => {
    const server = c.server();
    const from = server.calls.length;
    server.enqueue(
      toolCallReply(c.protocol, {
        calls: [
          { id: c.callId ? `${c.callId}_x` : 'unused', name: NOT_ENABLED, fragments: ['{"a": 1, "b": 2}'] },
        ],
        usage: { inputTokens: 11, outputTokens: 3 },
      }),
      afterToolResults(
        c.protocol,
        { chunks: ['I cannot use that tool.'], usage: { inputTokens: 17, outputTokens: 6 } },
        (exchange) =>
          JSON.stringify(exchange.results).includes('get-sum')
            ? undefined
            : `the error result does not name the tool: ${JSON.stringify(exchange.results)}`,
      ),
    );
    const id = await conversation(c.model, [ECHO]);
    const parts = await send(id, 'Add 1 and 2.');
    const why = () => trace(parts, server, from);

    expect(server.calls.length - from, why()).toBe(2);
    expect(shape(parts), why()).toEqual([
      'start',
      'data-run',
      'start-step',
      'tool-input-start',
      'tool-input-delta',
      'tool-input-available',
      'tool-output-error',
      'finish-step',
      'start-step',
      'text-start',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    const error = parts.find((part) => part.type === 'tool-output-error') as Part;
    expect(error).toMatchObject({ dynamic: true, toolCallId: expect.any(String) });
    expect(String(error.errorText)).toContain(NOT_ENABLED);
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      messageMetadata: { status: 'complete', usage: { inputTokens: 28, outputTokens: 9 } },
    });

    // The model was told, in its own format, and nothing ran.
    const exchange = toolExchange(c.protocol, (server.calls[from + 1] as RecordedRequest).body);
    expect(exchange.problem, why()).toBeUndefined();
    expect(exchange.calls.map((call) => call.name)).toEqual([NOT_ENABLED]);
    const told = JSON.stringify(exchange.results[0]?.output);
    expect(told).toContain('There is no tool');
    expect(told).toContain(NOT_ENABLED);

    const reply = await storedReply(id);
    expect(reply.status).toBe('complete');
    expect(reply.parts, JSON.stringify(reply.parts)).toEqual([
      {
        type: 'dynamic-tool',
        toolCallId: error.toolCallId,
        toolName: expect.stringContaining('get-sum'),
        state: 'output-error',
        input: { a: 1, b: 2 },
        errorText: error.errorText,
      },
      { type: 'step-start' },
      { type: 'text', text: 'I cannot use that tool.' },
    ]);
  });
});

describe('Anthropic extended thinking (MODELS_FILE reasoning) with a tool call', () => {
  it('sends thinking on every step and keeps the signed thinking block before tool_use when the result goes back', async () => {
    const server = servers.anthropic as FakeServer;
    const from = server.calls.length;
    const signature = 'EqQBCkgIARABGAIiQSignedThinkingForToolTurn==';
    server.enqueue(
      toolCallReply('anthropic', {
        thinking: { text: ['The user wants ', 'an echo.'], signature },
        calls: [{ id: 'toolu_01Thinking', name: ECHO_MODEL_NAME, fragments: ['{"message": "hi"}'] }],
        usage: { inputTokens: 20, outputTokens: 30 },
      }),
      afterToolResults(
        'anthropic',
        { chunks: ['Echoed.'], usage: { inputTokens: 40, outputTokens: 2 } },
        (exchange) => (JSON.stringify(exchange.results).includes('Echo: hi') ? undefined : 'no echo result'),
      ),
    );
    const id = await conversation('anthropic/claude-opus-4-1', [ECHO]);
    const parts = await send(id, 'Echo hi, thoughtfully.');
    const why = () => trace(parts, server, from);
    expect(server.calls.length - from, why()).toBe(2);
    const [first, second] = server.calls.slice(from) as [RecordedRequest, RecordedRequest];
    expect(first.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(second.body.thinking, why()).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(
      parts
        .filter((part) => part.type === 'reasoning-delta')
        .map((part) => part.delta)
        .join(''),
    ).toBe('The user wants an echo.');
    expect(parts.find((part) => part.type === 'tool-output-available')).toMatchObject({ output: 'Echo: hi' });
    // Anthropic's rule with thinking on: the assistant turn that used a tool is sent back starting
    // with its thinking block, signature intact, or the API answers 400.
    const assistant = (
      second.body.messages as { role: string; content: { type: string; signature?: string }[] }[]
    )
      .filter((message) => message.role === 'assistant')
      .at(-1);
    expect(
      assistant?.content.map((block) => block.type),
      why(),
    ).toEqual(['thinking', 'tool_use']);
    expect(assistant?.content[0]?.signature).toBe(signature);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', messageMetadata: { status: 'complete' } });
  });
});
