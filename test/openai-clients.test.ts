import type http from 'node:http';
import { createOpenAI } from '@ai-sdk/openai';
import { ChatOpenAI } from '@langchain/openai';
import { generateText, jsonSchema, Output, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createModelRegistry } from '../src/server/ai/models.js';
import { buildApp } from '../src/server/app.js';
import { parseConfig } from '../src/server/config.js';
import { openStore } from '../src/server/store/database.js';
import type { FakeReply, FakeServer, RecordedRequest } from './helpers/fake-providers/fake-server.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';

/**
 * The clients people point at /v1, unmodified, against Parley in front of a fake OpenAI upstream:
 * the official `openai` SDK (chat completions and Responses), the AI SDK's OpenAI provider
 * (Responses by default, chat with `.chat()`), and LangChain's ChatOpenAI. Each test also checks
 * what the upstream received, so a field Parley dropped fails the test, not only a bad answer.
 */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const MODEL = 'openai/gpt-4o-mini';
const CITY_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
  additionalProperties: false,
} as const;

/** Answers as a model would: JSON when asked for a format, a tool call when given tools, text after a tool result. */
function adaptiveUpstream(): FakeReply {
  return {
    raw(_req: http.IncomingMessage, res: http.ServerResponse, request: RecordedRequest) {
      const body = request.body;
      const frame = (choices: unknown[], extra: object = {}) =>
        `data: ${JSON.stringify({ id: 'up', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra })}\n\n`;
      const last = body.messages.at(-1);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
      let finish = 'stop';
      if (last.role === 'tool') {
        res.write(frame([{ index: 0, delta: { content: `Result: ${last.content}` }, finish_reason: null }]));
      } else if (
        body.response_format?.type === 'json_schema' ||
        body.response_format?.type === 'json_object'
      ) {
        res.write(frame([{ index: 0, delta: { content: '{"city":' }, finish_reason: null }]));
        res.write(frame([{ index: 0, delta: { content: '"Paris"}' }, finish_reason: null }]));
      } else if (body.tools?.length > 0 && body.tool_choice !== 'none') {
        const name = body.tools[0].function.name;
        const call = {
          index: 0,
          id: 'call_up1',
          type: 'function',
          function: { name, arguments: '{"city":' },
        };
        res.write(frame([{ index: 0, delta: { tool_calls: [call] }, finish_reason: null }]));
        res.write(
          frame([
            {
              index: 0,
              delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
              finish_reason: null,
            },
          ]),
        );
        finish = 'tool_calls';
      } else {
        res.write(frame([{ index: 0, delta: { content: 'Hello' }, finish_reason: null }]));
        res.write(frame([{ index: 0, delta: { content: ' there' }, finish_reason: null }]));
      }
      res.write(frame([{ index: 0, delta: {}, finish_reason: finish }]));
      if (body.stream_options?.include_usage) {
        res.write(frame([], { usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } }));
      }
      res.end('data: [DONE]\n\n');
    },
  };
}

async function gateway() {
  const upstream = await startFakeOpenAI();
  upstream.script(adaptiveUpstream());
  const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: upstream.baseURL };
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
  const baseURL = `http://127.0.0.1:${address.port}/v1`;
  return { upstream, baseURL };
}

const lastBody = (upstream: FakeServer) => upstream.calls.at(-1)?.body;
const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather in a city', parameters: CITY_SCHEMA },
};

describe('the official openai client', () => {
  it('chat.completions.create with tools, not streamed and streamed', async () => {
    const { upstream, baseURL } = await gateway();
    const openai = new OpenAI({ apiKey: 'pk-unused', baseURL, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
    });
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    expect(lastBody(upstream).tools).toEqual([weatherTool]);

    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weatherTool],
      stream: true,
    });
    let args = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) args += call.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(args).toBe('{"city":"Paris"}');
    expect(finish).toBe('tool_calls');
  });

  it('chat.completions.create with response_format json_schema', async () => {
    const { upstream, baseURL } = await gateway();
    const openai = new OpenAI({ apiKey: 'pk-unused', baseURL, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Capital of France?' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'city', schema: CITY_SCHEMA, strict: true },
      },
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ city: 'Paris' });
    expect(lastBody(upstream).response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'city' },
    });
  });

  it('responses.create with a function tool, not streamed and streamed', async () => {
    const { upstream, baseURL } = await gateway();
    const openai = new OpenAI({ apiKey: 'pk-unused', baseURL, maxRetries: 0 });
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'get_weather', parameters: CITY_SCHEMA, strict: true },
    ];
    const response = await openai.responses.create({ model: MODEL, input: 'Weather in Paris?', tools });
    const call = response.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(lastBody(upstream).tools[0].function).toMatchObject({ name: 'get_weather', strict: true });

    // The client runs the tool and sends the call and its output back.
    const next = await openai.responses.create({
      model: MODEL,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        ...response.output.filter((item) => item.type === 'function_call'),
        { type: 'function_call_output', call_id: (call as { call_id: string }).call_id, output: 'sunny' },
      ],
      tools,
    });
    expect(next.output_text).toBe('Result: sunny');

    const stream = await openai.responses.create({ model: MODEL, input: 'Weather?', tools, stream: true });
    const types: string[] = [];
    let done: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.completed') done = event.response;
    }
    expect(types).toContain('response.function_call_arguments.delta');
    expect(done?.output.at(-1)).toMatchObject({ type: 'function_call', arguments: '{"city":"Paris"}' });
  });
});

describe('the AI SDK OpenAI provider', () => {
  it('generateText over the Responses API (the default), with a multi-step tool loop', async () => {
    const { upstream, baseURL } = await gateway();
    const openai = createOpenAI({ baseURL, apiKey: 'pk-unused' });
    const plain = await generateText({ model: openai(MODEL), prompt: 'Hi' });
    expect(plain.text).toBe('Hello there');
    expect(plain.usage.inputTokens).toBe(10);
    const result = await generateText({
      model: openai(MODEL),
      prompt: 'Weather in Paris?',
      tools: {
        get_weather: tool({
          description: 'Weather in a city',
          inputSchema: jsonSchema<{ city: string }>(CITY_SCHEMA),
          execute: async ({ city }) => `sunny in ${city}`,
        }),
      },
      stopWhen: stepCountIs(2),
    });
    expect(result.steps[0]?.toolCalls[0]).toMatchObject({
      toolName: 'get_weather',
      input: { city: 'Paris' },
    });
    expect(result.text).toBe('Result: sunny in Paris');
    const messages = lastBody(upstream).messages;
    expect(messages.at(-1)).toMatchObject({ role: 'tool', content: 'sunny in Paris' });
  });

  it('openai.chat with tools, streamText, and Output.object structured output', async () => {
    const { upstream, baseURL } = await gateway();
    const openai = createOpenAI({ baseURL, apiKey: 'pk-unused' });
    const tools = {
      get_weather: tool({
        description: 'Weather in a city',
        inputSchema: jsonSchema<{ city: string }>(CITY_SCHEMA),
      }),
    };
    const called = await generateText({ model: openai.chat(MODEL), prompt: 'Weather?', tools });
    expect(called.finishReason).toBe('tool-calls');
    expect(called.toolCalls[0]).toMatchObject({ toolName: 'get_weather', input: { city: 'Paris' } });
    expect(lastBody(upstream).tools[0].function.name).toBe('get_weather');

    const streamed = streamText({ model: openai(MODEL), prompt: 'Hi' });
    expect(await streamed.text).toBe('Hello there');
    const streamedChat = streamText({ model: openai.chat(MODEL), prompt: 'Hi' });
    expect(await streamedChat.text).toBe('Hello there');

    for (const model of [openai(MODEL), openai.chat(MODEL)]) {
      const structured = await generateText({
        model,
        prompt: 'Capital of France?',
        output: Output.object({ schema: z.object({ city: z.string() }) }),
      });
      expect(structured.output).toEqual({ city: 'Paris' });
      expect(lastBody(upstream).response_format).toMatchObject({ type: 'json_schema' });
    }
  });

  it('explains that item references need store: false, and works with it', async () => {
    const { upstream, baseURL } = await gateway();
    const openai = createOpenAI({ baseURL, apiKey: 'pk-unused' });
    const first = await generateText({ model: openai(MODEL), prompt: 'Hi' });
    const messages = [
      { role: 'user' as const, content: 'Hi' },
      ...first.response.messages,
      { role: 'user' as const, content: 'Again' },
    ];
    const refused = await generateText({ model: openai(MODEL), messages, maxRetries: 0 }).catch(
      (error: unknown) => error,
    );
    expect(String((refused as Error).message)).toContain('store');
    const calls = upstream.calls.length;
    const again = await generateText({
      model: openai(MODEL),
      messages,
      providerOptions: { openai: { store: false } },
    });
    expect(again.text).toBe('Hello there');
    expect(upstream.calls.length).toBe(calls + 1);
    expect(lastBody(upstream).messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
    ]);
  });
});

describe('LangChain ChatOpenAI', () => {
  it('bindTools and withStructuredOutput', async () => {
    const { upstream, baseURL } = await gateway();
    const llm = new ChatOpenAI({
      model: MODEL,
      apiKey: 'pk-unused',
      configuration: { baseURL },
      maxRetries: 0,
    });
    const withTools = llm.bindTools([weatherTool]);
    const message = await withTools.invoke('Weather in Paris?');
    expect(message.tool_calls?.[0]).toMatchObject({ name: 'get_weather', args: { city: 'Paris' } });
    expect(lastBody(upstream).tools[0].function.name).toBe('get_weather');

    const structured = llm.withStructuredOutput(z.object({ city: z.string() }), { name: 'city' });
    expect(await structured.invoke('Capital of France?')).toEqual({ city: 'Paris' });
    const sent = lastBody(upstream);
    // Whichever method LangChain picks for the model (a JSON schema or a forced tool call), it reached the upstream.
    expect(sent.response_format?.type === 'json_schema' || sent.tools?.[0]?.function?.name === 'city').toBe(
      true,
    );
  });
});
