import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../src/server/ai/models.js';
import { buildApp } from '../src/server/app.js';
import { parseConfig } from '../src/server/config.js';
import { openStore } from '../src/server/store/database.js';
import type { FakeReply, FakeServer, RecordedRequest } from './helpers/fake-providers/fake-server.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';

/**
 * Function calling through `POST /v1/chat/completions`: the tools, tool choice and the tool turns
 * of the conversation reach the upstream as OpenAI defines them, and the upstream's tool calls
 * come back in OpenAI's shapes, streamed (OpenAI's delta format) and not. Bad tool input is a 400
 * with nothing sent upstream.
 */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const MODEL = 'openai/gpt-4o-mini';

/** The fake upstream as OpenAI itself, and as a MODELS_FILE endpoint (`lab/small`, text only). */
async function gateway() {
  const upstream = await startFakeOpenAI();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parley-tools-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const modelsFile = path.join(dir, 'models.yaml');
  await writeFile(
    modelsFile,
    `endpoints:\n  - name: lab\n    baseURL: ${upstream.baseURL}\n    models:\n      - id: small\n`,
  );
  const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: upstream.baseURL, MODELS_FILE: modelsFile };
  const config = parseConfig({
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    AUTH_MODE: 'none',
    DEMO_DELAY_MS: '0',
    ...env,
  });
  const logger = pino({ level: 'silent' });
  const models = await createModelRegistry(config, { logger, env });
  const store = await openStore(config.databaseUrl);
  const app = await buildApp({ config, store, models, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  cleanup.push(async () => {
    await app.close();
    await store.close();
    await upstream.close();
  });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const base = `http://127.0.0.1:${address.port}`;
  const openai = new OpenAI({ apiKey: 'unused', baseURL: `${base}/v1`, maxRetries: 0 });
  return { upstream, base, openai };
}

interface FakeToolCall {
  id: string;
  name: string;
  /** The arguments as the upstream streams them, fragment by fragment. */
  fragments: string[];
}

/** An OpenAI chat upstream that answers with tool calls (and optional text first), streamed as OpenAI does. */
function toolCallReply(calls: FakeToolCall[], text?: string): FakeReply {
  return {
    raw(_req: http.IncomingMessage, res: http.ServerResponse, request: RecordedRequest) {
      const base = { id: 'chatcmpl-up', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
      const frame = (choices: unknown[], extra: object = {}) =>
        `data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame([{ index: 0, delta: { role: 'assistant', content: null }, finish_reason: null }]));
      if (text) res.write(frame([{ index: 0, delta: { content: text }, finish_reason: null }]));
      calls.forEach((call, index) => {
        const [first = '', ...rest] = call.fragments;
        res.write(
          frame([
            {
              index: 0,
              delta: {
                tool_calls: [
                  { index, id: call.id, type: 'function', function: { name: call.name, arguments: first } },
                ],
              },
              finish_reason: null,
            },
          ]),
        );
        for (const fragment of rest) {
          res.write(
            frame([
              {
                index: 0,
                delta: { tool_calls: [{ index, function: { arguments: fragment } }] },
                finish_reason: null,
              },
            ]),
          );
        }
      });
      res.write(frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]));
      if (request.body?.stream_options?.include_usage) {
        res.write(frame([], { usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 } }));
      }
      res.end('data: [DONE]\n\n');
    },
  };
}

const WEATHER = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    },
    strict: true,
  },
};

const lastBody = (upstream: FakeServer) => upstream.calls.at(-1)?.body;

describe('tools reach the upstream', () => {
  it('passes tools, tool_choice and parallel_tool_calls, and answers tool_calls (not streamed)', async () => {
    const { upstream, openai } = await gateway();
    upstream.script(
      toolCallReply([{ id: 'call_1', name: 'get_weather', fragments: ['{"city"', ':"Paris"}'] }]),
    );
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [WEATHER],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    });
    const sent = lastBody(upstream);
    expect(sent.tools).toEqual([WEATHER]);
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(sent.parallel_tool_calls).toBe(false);
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ]);
  });

  it('passes tool_choice modes as OpenAI names them', async () => {
    const { upstream, openai } = await gateway();
    for (const mode of ['auto', 'none', 'required'] as const) {
      await openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [WEATHER],
        tool_choice: mode,
      });
      expect(lastBody(upstream).tool_choice).toBe(mode);
    }
  });

  it('sends assistant tool calls and tool results back to the upstream in order', async () => {
    const { upstream, openai } = await gateway();
    upstream.script({ chunks: ['It is sunny.'] });
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
            },
            {
              id: 'call_2',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'rain, 15C' }] },
      ],
      tools: [WEATHER],
    });
    expect(completion.choices[0]?.message.content).toBe('It is sunny.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const messages = lastBody(upstream).messages;
    expect(messages[1]).toMatchObject({
      role: 'assistant',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ],
    });
    expect(messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'sunny, 21C' });
    expect(messages[3]).toEqual({ role: 'tool', tool_call_id: 'call_2', content: 'rain, 15C' });
  });
});

describe('an OpenAI-compatible endpoint (MODELS_FILE)', () => {
  it('gets the tools too; parallel_tool_calls: false and images (text-only model) are refused by name', async () => {
    const { upstream, openai, base } = await gateway();
    upstream.script(toolCallReply([{ id: 'call_c', name: 'get_weather', fragments: ['{"city":"Lima"}'] }]));
    const completion = await openai.chat.completions.create({
      model: 'lab/small',
      messages: [{ role: 'user', content: 'Lima?' }],
      tools: [WEATHER],
      tool_choice: 'required',
    });
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      function: { arguments: '{"city":"Lima"}' },
    });
    expect(lastBody(upstream)).toMatchObject({ tools: [WEATHER], tool_choice: 'required' });
    const calls = upstream.calls.length;
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'lab/small',
        messages: [{ role: 'user', content: 'Lima?' }],
        tools: [WEATHER],
        parallel_tool_calls: false,
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('parallel_tool_calls');
    expect(upstream.calls.length).toBe(calls);

    // An image for this text-only model, through the Responses API: refused naming the part.
    const image = await fetch(`${base}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'lab/small',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is this?' },
              { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
            ],
          },
        ],
      }),
    });
    expect(image.status).toBe(400);
    expect(((await image.json()) as { error: object }).error).toMatchObject({
      param: 'input[0].content[1].image_url',
      code: 'attachment_not_supported',
      type: 'invalid_request_error',
    });
    expect(upstream.calls.length).toBe(calls);
  });
});

describe('streamed tool calls', () => {
  it('emits tool-call deltas in OpenAI chunk format and finishes with tool_calls', async () => {
    const { upstream, base } = await gateway();
    upstream.script(
      toolCallReply(
        [
          { id: 'call_a', name: 'get_weather', fragments: ['', '{"ci', 'ty":"Oslo"}'] },
          { id: 'call_b', name: 'get_weather', fragments: ['{"city":"Bergen"}'] },
        ],
        'Checking.',
      ),
    );
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: 'Oslo and Bergen?' }],
        tools: [WEATHER],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(res.status).toBe(200);
    const events = (await res.text())
      .split('\n\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data));
    const deltas = chunks.flatMap((c) => c.choices.map((choice: { delta: unknown }) => choice.delta));
    const toolDeltas = deltas.flatMap((d: { tool_calls?: unknown[] }) => d.tool_calls ?? []);
    expect(toolDeltas[0]).toEqual({
      index: 0,
      id: 'call_a',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(toolDeltas.slice(1, 3)).toEqual([
      { index: 0, function: { arguments: '{"ci' } },
      { index: 0, function: { arguments: 'ty":"Oslo"}' } },
    ]);
    expect(toolDeltas[3]).toEqual({
      index: 1,
      id: 'call_b',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(toolDeltas[4]).toEqual({ index: 1, function: { arguments: '{"city":"Bergen"}' } });
    expect(deltas.some((d: { content?: string }) => d.content === 'Checking.')).toBe(true);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe('tool_calls');
    expect(chunks.at(-1).usage).toEqual({ prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 });
  });

  it('lets the official client accumulate streamed tool calls', async () => {
    const { upstream, openai } = await gateway();
    upstream.script(
      toolCallReply([{ id: 'call_s', name: 'get_weather', fragments: ['{"city":', '"Nice"}'] }]),
    );
    const stream = openai.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'Nice?' }],
      tools: [WEATHER],
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: 'call_s',
      function: { name: 'get_weather', arguments: '{"city":"Nice"}' },
    });
  });
});

describe('bad tool input (400, nothing sent upstream)', () => {
  async function refusal(base: string, body: object) {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], ...body }),
    });
    const json = (await res.json()) as {
      error: { param: string; code: string; type: string; message: string };
    };
    return { status: res.status, ...json.error };
  }

  it('refuses oversized, malformed and contradictory tool requests', async () => {
    const { upstream, base } = await gateway();
    const many = Array.from({ length: 129 }, (_, i) => ({
      ...WEATHER,
      function: { ...WEATHER.function, name: `t${i}` },
    }));
    expect(await refusal(base, { tools: many })).toMatchObject({ status: 400, param: 'tools' });
    const huge = { type: 'object', properties: { a: { type: 'string', description: 'x'.repeat(40_000) } } };
    expect(
      await refusal(base, { tools: [{ type: 'function', function: { name: 'big', parameters: huge } }] }),
    ).toMatchObject({ status: 400, param: 'tools[0].function.parameters' });
    let deep: object = { type: 'string' };
    for (let i = 0; i < 40; i++) deep = { type: 'object', properties: { a: deep } };
    expect(
      await refusal(base, { tools: [{ type: 'function', function: { name: 'deep', parameters: deep } }] }),
    ).toMatchObject({ status: 400, param: 'tools[0].function.parameters' });
    expect(await refusal(base, { tools: [WEATHER, WEATHER] })).toMatchObject({
      status: 400,
      param: 'tools[1].function.name',
    });
    expect(
      await refusal(base, { tools: [{ type: 'function', function: { name: 'bad name!' } }] }),
    ).toMatchObject({ status: 400, param: 'tools[0].function.name' });
    expect(await refusal(base, { tools: [{ type: 'custom', custom: { name: 'x' } }] })).toMatchObject({
      status: 400,
      param: 'tools[0].type',
    });
    expect(
      await refusal(base, {
        tools: [WEATHER],
        tool_choice: { type: 'function', function: { name: 'nope' } },
      }),
    ).toMatchObject({ status: 400, param: 'tool_choice' });
    expect(await refusal(base, { tool_choice: 'required' })).toMatchObject({
      status: 400,
      param: 'tool_choice',
    });
    expect(await refusal(base, { functions: [{ name: 'x' }] })).toMatchObject({
      status: 400,
      param: 'functions',
      code: 'unsupported_parameter',
    });

    // A tool result that answers no call, one without its id, and arguments that are not JSON.
    const orphan = await refusal(base, {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'tool', tool_call_id: 'call_x', content: 'result' },
      ],
    });
    expect(orphan).toMatchObject({ status: 400, param: 'messages[1].tool_call_id' });
    expect(
      await refusal(base, {
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool', content: 'r' },
        ],
      }),
    ).toMatchObject({ status: 400, param: 'messages[1].tool_call_id', code: 'missing_required_parameter' });
    const notJson = await refusal(base, {
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_weather', arguments: '{nope' } }],
        },
      ],
    });
    expect(notJson).toMatchObject({ status: 400, param: 'messages[1].tool_calls[0].function.arguments' });
    expect(
      await refusal(base, {
        messages: [
          { role: 'tool', tool_call_id: 'c', content: [{ type: 'image_url', image_url: { url: 'x' } }] },
        ],
      }),
    ).toMatchObject({ status: 400, param: 'messages[0].content[0].type' });
    const tooLong = await refusal(base, {
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c', content: 'x'.repeat(100_001) },
      ],
    });
    expect(tooLong).toMatchObject({ status: 400, param: 'messages[2].content' });
    expect(upstream.calls).toHaveLength(0);
    // The built-in demo model takes tools, and calls one when told `use <tool> with {...}` (no keys needed).
    const demo = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'demo',
        tools: [WEATHER],
        messages: [{ role: 'user', content: 'use get_weather with {"city":"Paris"}' }],
      }),
    });
    expect(demo.status).toBe(200);
    const answer = (await demo.json()) as {
      choices: {
        finish_reason: string;
        message: { tool_calls: { function: { name: string; arguments: string } }[] };
      }[];
    };
    expect(answer.choices[0]?.finish_reason).toBe('tool_calls');
    expect(answer.choices[0]?.message.tool_calls[0]?.function).toEqual({
      name: 'get_weather',
      arguments: '{"city":"Paris"}',
    });
  });
});
