import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseMcpFile } from '../src/server/tools/mcp-file.js';
import type { MessageDto } from '../src/shared/api-schemas.js';
import type { ToolPartDto } from '../src/shared/message-parts.js';
import { EVERYTHING_SERVER, startEverythingHttp } from './helpers/mcp-servers.js';
import { pollUntil } from './helpers/poll.js';
import { parseSse, partsOf } from './helpers/sse.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// Tool calls in runs (issue 16 items 2, 3 and 5): the demo model calls an MCP tool when told
// `use <tool> with {...}`; the run executes it (or pauses for approval), streams every step in the
// AI SDK UI protocol, stores the steps as parts, and answers with what the tool returned.

const servers = () =>
  parseMcpFile(
    `servers:
  - name: everything
    transport: stdio
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio]
    requireApproval: [get-sum]
    timeoutMs: 20000
`,
    'mcp.yaml',
    {},
  );

type Part = { type: string; [key: string]: unknown };

let parley: TestApp;

async function waitForTools(app: TestApp): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const response = await app.app.inject({ url: '/api/tools' });
    const body = response.json() as { servers: { state: string }[] };
    if (body.servers.every((server) => server.state === 'ready')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('MCP server did not become ready');
}

async function conversation(app: TestApp, tools: string[]): Promise<string> {
  const created = await app.app.inject({ method: 'POST', url: '/api/conversations', payload: { tools } });
  expect(created.statusCode).toBe(201);
  return (created.json() as { id: string }).id;
}

/** Send and read the whole run stream (it ends when the reply completes or waits). */
async function send(app: TestApp, id: string, content: string): Promise<Part[]> {
  const response = await app.app.inject({
    method: 'POST',
    url: `/api/conversations/${id}/messages`,
    headers: { accept: 'text/event-stream' },
    payload: { content },
  });
  expect(response.statusCode).toBe(200);
  return partsOf(parseSse(response.body));
}

async function messages(app: TestApp, id: string): Promise<MessageDto[]> {
  const response = await app.app.inject({ url: `/api/conversations/${id}/messages` });
  return (response.json() as { items: MessageDto[] }).items;
}

async function lastReply(app: TestApp, id: string): Promise<MessageDto> {
  const items = await messages(app, id);
  const reply = items.filter((m) => m.role === 'assistant').at(-1);
  if (!reply) throw new Error('no reply');
  return reply;
}

async function settled(app: TestApp, id: string): Promise<MessageDto> {
  for (let i = 0; i < 400; i++) {
    const reply = await lastReply(app, id);
    if (reply.status !== 'streaming') return reply;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the reply never settled');
}

const types = (parts: Part[]) => parts.map((part) => part.type);

describe('runs that call tools (demo model, server-everything over stdio)', () => {
  beforeAll(async () => {
    parley = await createTestApp({ mcpServers: servers() });
    await waitForTools(parley);
  }, 60_000);
  afterAll(async () => {
    await parley?.close();
  });

  it('calls an enabled tool, streams every step, stores the steps as parts and answers with the result', async () => {
    const id = await conversation(parley, ['everything/echo']);
    const parts = await send(parley, id, 'use everything/echo with {"message":"hello tools"}');
    const kinds = types(parts);
    expect(kinds.slice(0, 3)).toEqual(['start', 'data-run', 'start-step']);
    const order = [
      'tool-input-start',
      'tool-input-delta',
      'tool-input-available',
      'tool-output-available',
      'finish-step',
      'start-step',
      'text-delta',
      'finish-step',
      'finish',
    ];
    let at = -1;
    for (const kind of order) {
      const next = kinds.indexOf(kind, at + 1);
      expect(next, `${kind} after index ${at} in ${kinds.join(',')}`).toBeGreaterThan(at);
      at = next;
    }
    const inputAvailable = parts.find((part) => part.type === 'tool-input-available');
    expect(inputAvailable).toMatchObject({
      toolName: 'everything/echo',
      input: { message: 'hello tools' },
      dynamic: true,
    });
    const output = parts.find((part) => part.type === 'tool-output-available');
    expect(output).toMatchObject({ toolCallId: inputAvailable?.toolCallId, output: 'Echo: hello tools' });
    // The deltas rebuild the arguments exactly.
    const deltas = parts
      .filter((part) => part.type === 'tool-input-delta')
      .map((part) => part.inputTextDelta)
      .join('');
    expect(JSON.parse(deltas)).toEqual({ message: 'hello tools' });

    const reply = await lastReply(parley, id);
    expect(reply.status).toBe('complete');
    expect(reply.content).toBe('The tool everything/echo returned: Echo: hello tools');
    expect(reply.parts.map((part) => part.type)).toEqual(['dynamic-tool', 'step-start', 'text']);
    const tool = reply.parts[0] as ToolPartDto;
    expect(tool).toMatchObject({
      toolName: 'everything/echo',
      state: 'output-available',
      input: { message: 'hello tools' },
      output: 'Echo: hello tools',
    });
    expect(tool.durationMs).toEqual(expect.any(Number));
    // Both steps were counted: the second step read the first and the tool's result.
    expect(reply.usage.inputTokens).toBeGreaterThan(0);
    expect(reply.usage.outputTokens).toBeGreaterThan(0);
  });

  it('never calls a tool the conversation did not enable', async () => {
    const id = await conversation(parley, []);
    const parts = await send(parley, id, 'use everything/echo with {"message":"nope"}');
    expect(types(parts)).not.toContain('tool-input-start');
    const reply = await lastReply(parley, id);
    expect(reply.status).toBe('complete');
    expect(reply.parts.every((part) => part.type === 'text')).toBe(true);
  });

  it('refuses to enable a tool that is not configured, and changes nothing', async () => {
    const id = await conversation(parley, ['everything/echo']);
    for (const tools of [['nowhere/echo'], ['everything/no-such-tool'], ['not a tool id']]) {
      const response = await parley.app.inject({
        method: 'PATCH',
        url: `/api/conversations/${id}`,
        payload: { tools },
      });
      expect(response.statusCode, JSON.stringify(tools)).toBe(400);
      expect(response.json()).toMatchObject({ code: expect.stringMatching(/unknown_tool|validation_error/) });
    }
    const tooMany = Array.from({ length: 65 }, (_, i) => `everything/t${i}`);
    const refused = await parley.app.inject({
      method: 'PATCH',
      url: `/api/conversations/${id}`,
      payload: { tools: tooMany },
    });
    expect(refused.statusCode).toBe(400);
    const after = await parley.app.inject({ url: `/api/conversations/${id}` });
    expect(after.json()).toMatchObject({ tools: ['everything/echo'] });
  });

  it('pauses for approval, resumes on approve, and refuses a second answer', async () => {
    const id = await conversation(parley, ['everything/get-sum']);
    const parts = await send(parley, id, 'use everything/get-sum with {"a":2,"b":3}');
    const request = parts.find((part) => part.type === 'tool-approval-request');
    expect(request).toBeDefined();
    expect(types(parts)).not.toContain('tool-output-available');
    expect(parts.at(-1)).toMatchObject({ type: 'finish', messageMetadata: { status: 'waiting' } });
    const waiting = await lastReply(parley, id);
    expect(waiting.status).toBe('waiting');
    expect(waiting.parts[0]).toMatchObject({ state: 'approval-requested', input: { a: 2, b: 3 } });

    const toolCallId = request?.toolCallId as string;
    const answer = await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/approvals`,
      payload: { toolCallId, approved: true },
    });
    expect(answer.statusCode).toBe(200);
    const { runId, messageId } = answer.json() as { runId: string; messageId: string };
    expect(runId).toEqual(expect.any(String));
    expect(messageId).toBe(waiting.id);

    const done = await settled(parley, id);
    expect(done.id).toBe(waiting.id);
    expect(done.status).toBe('complete');
    expect(done.parts[0]).toMatchObject({
      state: 'output-available',
      approval: { id: toolCallId, approved: true },
      output: expect.stringContaining('5'),
    });
    expect(done.content).toMatch(/^The tool everything\/get-sum returned: .*5/);

    // The resumed run's stream: same message, kind resume, the output first.
    const resumed = await parley.app.inject({
      url: `/api/conversations/${id}/stream?runId=${runId}&after=0`,
      headers: { accept: 'text/event-stream' },
    });
    const resumedParts = partsOf(parseSse(resumed.body));
    expect(resumedParts[0]).toMatchObject({ type: 'start', messageId: waiting.id });
    expect(resumedParts[1]).toMatchObject({ type: 'data-run', data: { kind: 'resume' } });
    expect(resumedParts[2]).toMatchObject({ type: 'tool-output-available', toolCallId });

    const again = await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/approvals`,
      payload: { toolCallId, approved: false },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'already_decided' });
  });

  it('a denied call is never run; the model is told and answers', async () => {
    const id = await conversation(parley, ['everything/get-sum']);
    const parts = await send(parley, id, 'use get-sum with {"a":1,"b":1}');
    const toolCallId = parts.find((part) => part.type === 'tool-approval-request')?.toolCallId as string;
    const answer = await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/approvals`,
      payload: { toolCallId, approved: false, reason: 'not today' },
    });
    expect(answer.statusCode).toBe(200);
    const done = await settled(parley, id);
    expect(done.status).toBe('complete');
    expect(done.parts[0]).toMatchObject({
      state: 'output-denied',
      approval: { approved: false, reason: 'not today' },
    });
    expect((done.parts[0] as ToolPartDto).output).toBeUndefined();
    expect(done.content).toContain('was denied (not today)');
  });

  it('parallel answers to one call: exactly one lands', async () => {
    const id = await conversation(parley, ['everything/get-sum']);
    const parts = await send(parley, id, 'use get-sum with {"a":4,"b":4}');
    const toolCallId = parts.find((part) => part.type === 'tool-approval-request')?.toolCallId as string;
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        parley.app.inject({
          method: 'POST',
          url: `/api/conversations/${id}/approvals`,
          payload: { toolCallId, approved: i % 2 === 0 },
        }),
      ),
    );
    const codes = answers.map((answer) => answer.statusCode).sort();
    expect(codes.filter((code) => code === 200)).toHaveLength(1);
    expect(codes.filter((code) => code === 409)).toHaveLength(5);
    const done = await settled(parley, id);
    expect(done.status).toBe('complete');
    // One run resumed the reply: one tool result, one answer.
    expect(done.parts.filter((part) => part.type === 'dynamic-tool')).toHaveLength(1);
    expect(done.parts.filter((part) => part.type === 'text')).toHaveLength(1);
  });

  it('stop ends a reply waiting for approval: its call is denied and nothing runs', async () => {
    const id = await conversation(parley, ['everything/get-sum']);
    const parts = await send(parley, id, 'use get-sum with {"a":7,"b":7}');
    const toolCallId = parts.find((part) => part.type === 'tool-approval-request')?.toolCallId as string;
    const stop = await parley.app.inject({ method: 'POST', url: `/api/conversations/${id}/stop` });
    expect(stop.statusCode).toBe(200);
    const reply = await lastReply(parley, id);
    expect(reply.status).toBe('stopped');
    expect(reply.parts[0]).toMatchObject({
      state: 'output-denied',
      approval: { approved: false, reason: 'The reply was stopped before the call was answered.' },
    });
    const late = await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/approvals`,
      payload: { toolCallId, approved: true },
    });
    expect(late.json()).toMatchObject({ code: 'already_decided' });
  });

  it('a call that never asked for approval cannot be answered (404)', async () => {
    const id = await conversation(parley, ['everything/echo']);
    const parts = await send(parley, id, 'use echo with {"message":"x"}');
    const toolCallId = parts.find((part) => part.type === 'tool-input-available')?.toolCallId as string;
    const answer = await parley.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/approvals`,
      payload: { toolCallId, approved: true },
    });
    expect(answer.statusCode).toBe(404);
  });

  it('an unknown call id is a 404 and bad bodies are 400s; nothing changes', async () => {
    const id = await conversation(parley, ['everything/get-sum']);
    await send(parley, id, 'use get-sum with {"a":4,"b":5}');
    const before = await lastReply(parley, id);
    for (const [payload, status] of [
      [{ toolCallId: 'call_nope', approved: true }, 404],
      [{ toolCallId: 'x', approved: 'yes' }, 400],
      [{ approved: true }, 400],
      [{ toolCallId: 'x', approved: true, extra: 1 }, 400],
      [{ toolCallId: 'x', approved: true, reason: 'r'.repeat(1_001) }, 400],
    ] as const) {
      const response = await parley.app.inject({
        method: 'POST',
        url: `/api/conversations/${id}/approvals`,
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.json()).toMatchObject({ error: expect.any(String), code: expect.any(String) });
    }
    expect(await lastReply(parley, id)).toEqual(before);
  });
});

describe('approvals across a restart and expiry', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close();
  });

  it('a pending approval survives a restart: a new app on the same database resumes it', async () => {
    const first = await createTestApp({ mcpServers: servers() });
    apps.push(first);
    await waitForTools(first);
    const id = await conversation(first, ['everything/get-sum']);
    const parts = await send(first, id, 'use get-sum with {"a":20,"b":22}');
    const toolCallId = parts.find((part) => part.type === 'tool-approval-request')?.toolCallId as string;
    await first.app.close();

    const second = await createTestApp({ mcpServers: servers(), store: first.store });
    apps.unshift(second);
    await waitForTools(second);
    expect((await lastReply(second, id)).status).toBe('waiting');
    const answer = await second.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/approvals`,
      payload: { toolCallId, approved: true },
    });
    expect(answer.statusCode).toBe(200);
    const done = await settled(second, id);
    expect(done.status).toBe('complete');
    expect(done.content).toMatch(/returned: .*42/);
  }, 60_000);

  it('an unanswered approval expires: the call is denied, the reply stops without a model call, and continue tells the model', async () => {
    const app = await createTestApp({ mcpServers: servers(), env: { TOOL_APPROVAL_TIMEOUT_S: '5' } });
    apps.push(app);
    await waitForTools(app);
    const id = await conversation(app, ['everything/get-sum']);
    const parts = await send(app, id, 'use get-sum with {"a":1,"b":2}');
    const toolCallId = parts.find((part) => part.type === 'tool-approval-request')?.toolCallId as string;
    const reply = await pollUntil(
      () => lastReply(app, id),
      (stored) => stored.status !== 'waiting',
    );
    expect(reply.status).toBe('stopped');
    expect(reply.parts).toEqual([
      expect.objectContaining({
        state: 'output-denied',
        approval: { id: toolCallId, approved: false, reason: 'The approval request expired.' },
      }),
    ]);
    const late = await app.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/approvals`,
      payload: { toolCallId, approved: true },
    });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'approval_expired' });
    // Continue: the model reads the denial and answers.
    const continued = await app.app.inject({
      method: 'POST',
      url: `/api/messages/${reply.id}/continue`,
      payload: {},
    });
    expect(continued.statusCode).toBe(202);
    const done = await settled(app, id);
    expect(done.status).toBe('complete');
    expect(done.content).toBe(
      'The call to everything/get-sum was denied (The approval request expired.), so I answer without it.',
    );
  }, 60_000);
});

describe('tool calls that go wrong, over stdio and streamable HTTP', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function startWith(yaml: string): Promise<TestApp> {
    const app = await createTestApp({ mcpServers: parseMcpFile(yaml, 'mcp.yaml', {}) });
    apps.push(app);
    return app;
  }

  it('stop aborts a running tool call at once and keeps what the reply had', async () => {
    const app = await startWith(stdioYaml());
    await waitForTools(app);
    const id = await conversation(app, ['everything/trigger-long-running-operation']);
    const accepted = await app.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'use trigger-long-running-operation with {"duration":30,"steps":30}' },
    });
    expect(accepted.statusCode).toBe(202);
    await waitForState(app, id, 'input-available');
    const stop = await app.app.inject({ method: 'POST', url: `/api/conversations/${id}/stop` });
    expect(stop.statusCode).toBe(200);
    // No clock: the 30 s operation did not run to its end (it would be output-available, and the
    // test's own 30 s would run out first), it was cut by the stop.
    const reply = await settled(app, id);
    expect(reply.status).toBe('stopped');
    expect(reply.parts[0]).toMatchObject({ state: 'output-error', errorText: 'The call was stopped.' });
  }, 60_000);

  it('a server killed mid-call gives a tool error the model sees, and the run finishes', async () => {
    const app = await startWith(stdioYaml());
    await waitForTools(app);
    const id = await conversation(app, ['everything/trigger-long-running-operation']);
    await app.app.inject({
      method: 'POST',
      url: `/api/conversations/${id}/messages`,
      payload: { content: 'use trigger-long-running-operation with {"duration":30,"steps":30}' },
    });
    await waitForState(app, id, 'input-available');
    const pid = app.app.parley.mcp.pid('everything');
    expect(pid).toEqual(expect.any(Number));
    process.kill(pid as number, 'SIGKILL');
    const reply = await settled(app, id);
    expect(reply.status).toBe('complete');
    expect(reply.parts[0]).toMatchObject({ state: 'output-error' });
    expect(reply.content).toMatch(/^The tool everything\/trigger-long-running-operation failed: /);
  }, 60_000);

  it('calls a tool of a server over streamable HTTP from a run; /readyz counts servers without failing', async () => {
    const http = await startEverythingHttp('streamableHttp');
    try {
      const app = await startWith(`servers:
  - name: remote
    transport: http
    url: ${http.url}
    requireApproval: none
  - name: broken
    transport: http
    url: http://127.0.0.1:9/mcp
`);
      for (let i = 0; i < 200; i++) {
        const body = (await app.app.inject({ url: '/api/tools' })).json() as { servers: { state: string }[] };
        if (body.servers.every((server) => server.state !== 'connecting')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const ready = await app.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready', mcp: { ready: 1, connecting: 0, down: 1 } });
      const id = await conversation(app, ['remote/echo']);
      await send(app, id, 'use remote/echo with {"message":"over http"}');
      const reply = await lastReply(app, id);
      expect(reply.content).toBe('The tool remote/echo returned: Echo: over http');
    } finally {
      await http.stop();
    }
  }, 60_000);
});

function stdioYaml(): string {
  return `servers:
  - name: everything
    transport: stdio
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio]
    requireApproval: none
    timeoutMs: 60000
`;
}

async function waitForState(app: TestApp, id: string, state: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const reply = await lastReply(app, id).catch(() => undefined);
    if (reply?.parts.some((part) => part.type === 'dynamic-tool' && part.state === state)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no tool call reached ${state}`);
}

describe('MAX_TOOL_STEPS', () => {
  it('a model that keeps calling tools gets tool choice none after the limit, then no further step', async () => {
    let calls = 0;
    const toolChoices: string[] = [];
    const stubborn: LanguageModelV3 = {
      specificationVersion: 'v3',
      provider: 'test',
      modelId: 'stubborn',
      supportedUrls: {},
      async doGenerate() {
        throw new Error('not used');
      },
      async doStream(options) {
        calls++;
        toolChoices.push(options.toolChoice?.type ?? 'absent');
        const id = `call_${calls}`;
        const parts: LanguageModelV3StreamPart[] = [
          { type: 'stream-start', warnings: [] },
          { type: 'tool-call', toolCallId: id, toolName: 'everything__echo', input: '{"message":"again"}' },
          {
            type: 'finish',
            finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
            usage: {
              inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
              outputTokens: { total: 2, text: 2, reasoning: undefined },
            },
          },
        ];
        return {
          stream: new ReadableStream({
            start: (c) => {
              for (const p of parts) c.enqueue(p);
              c.close();
            },
          }),
        };
      },
    };
    const app = await createTestApp({
      mcpServers: parseMcpFile(stdioYaml(), 'mcp.yaml', {}),
      env: { MAX_TOOL_STEPS: '2' },
      models: [{ id: 'stubborn', model: stubborn }],
    });
    try {
      await waitForTools(app);
      const created = await app.app.inject({
        method: 'POST',
        url: '/api/conversations',
        payload: { tools: ['everything/echo'], model: 'stubborn' },
      });
      const id = (created.json() as { id: string }).id;
      await send(app, id, 'go');
      const reply = await settled(app, id);
      expect(calls).toBe(3);
      expect(toolChoices).toEqual(['auto', 'auto', 'none']);
      expect(reply.status).toBe('complete');
      const tools = reply.parts.filter((part) => part.type === 'dynamic-tool') as ToolPartDto[];
      expect(tools.map((part) => part.state)).toEqual([
        'output-available',
        'output-available',
        'output-error',
      ]);
      expect(tools[2]?.errorText).toMatch(/used all its tool steps/);
      // Every step counted: 3 × (10 + 2).
      expect(reply.usage).toEqual({ inputTokens: 30, outputTokens: 6 });
    } finally {
      await app.close();
    }
  }, 60_000);
});
