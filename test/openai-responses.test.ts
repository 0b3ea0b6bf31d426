import type http from 'node:http';
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
 * `POST /v1/responses` (OpenAI's Responses API) in front of a fake OpenAI chat upstream: what the
 * upstream receives for each input item and setting, the Responses object and the streamed event
 * sequence, and the requests refused before anything goes upstream.
 */

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const MODEL = 'openai/gpt-4o-mini';

async function gateway() {
  const upstream = await startFakeOpenAI();
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
  const base = `http://127.0.0.1:${address.port}`;
  const openai = new OpenAI({ apiKey: 'unused', baseURL: `${base}/v1`, maxRetries: 0 });
  return { upstream, base, openai };
}

/** An upstream chat stream with some text, then one tool call whose arguments come in two pieces. */
function textThenToolCall(
  text: string,
  call: { id: string; name: string; args: [string, string] },
): FakeReply {
  return {
    raw(_req: http.IncomingMessage, res: http.ServerResponse, request: RecordedRequest) {
      const frame = (choices: unknown[], extra: object = {}) =>
        `data: ${JSON.stringify({ id: 'up', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra })}\n\n`;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(frame([{ index: 0, delta: { role: 'assistant', content: text }, finish_reason: null }]));
      res.write(
        frame([
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: call.args[0] },
                },
              ],
            },
            finish_reason: null,
          },
        ]),
      );
      res.write(
        frame([
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: call.args[1] } }] },
            finish_reason: null,
          },
        ]),
      );
      res.write(frame([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]));
      if (request.body?.stream_options?.include_usage) {
        res.write(frame([], { usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } }));
      }
      res.end('data: [DONE]\n\n');
    },
  };
}

const lastBody = (upstream: FakeServer) => upstream.calls.at(-1)?.body;

const post = (base: string, body: object) =>
  fetch(`${base}/v1/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The SSE events of a Responses stream, as `{event, data}`. */
async function events(res: Response) {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event: '))
    .map((block) => {
      const [eventLine = '', dataLine = ''] = block.split('\n');
      return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) };
    });
}

describe('the Responses object', () => {
  it('answers text as a message item, with usage, and sends instructions and settings upstream', async () => {
    const { upstream, base } = await gateway();
    upstream.script({ chunks: ['Bonjour', '!'], usage: { inputTokens: 9, outputTokens: 2 } });
    const res = await post(base, {
      model: MODEL,
      instructions: 'Answer in French.',
      input: 'Say hello',
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 50,
      store: false,
      user: 'u-1',
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      object: 'response',
      status: 'completed',
      model: MODEL,
      instructions: 'Answer in French.',
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 50,
      store: false,
      output: [
        {
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Bonjour!', annotations: [] }],
        },
      ],
      usage: { input_tokens: 9, output_tokens: 2, total_tokens: 11 },
    });
    expect(body.id).toMatch(/^resp_/);
    expect(body.output[0].id).toMatch(/^msg_/);
    expect(body).not.toHaveProperty('output_text');
    expect(lastBody(upstream)).toMatchObject({
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Say hello' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      user: 'u-1',
    });
  });

  it('answers tool calls as function_call items and passes the tools and tool choice', async () => {
    const { upstream, openai } = await gateway();
    upstream.script(
      textThenToolCall('Let me check.', { id: 'call_9', name: 'lookup', args: ['{"q":', '"x"}'] }),
    );
    const response = await openai.responses.create({
      model: MODEL,
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Look up x' }] }],
      tools: [
        {
          type: 'function',
          name: 'lookup',
          description: 'Looks things up',
          parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
          strict: false,
        },
      ],
      tool_choice: { type: 'function', name: 'lookup' },
      parallel_tool_calls: false,
    });
    expect(response.output_text).toBe('Let me check.');
    expect(response.output[1]).toMatchObject({
      type: 'function_call',
      call_id: 'call_9',
      name: 'lookup',
      arguments: '{"q":"x"}',
      status: 'completed',
    });
    expect(response.output[1]?.id).toMatch(/^fc_/);
    const sent = lastBody(upstream);
    expect(sent.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'lookup',
          description: 'Looks things up',
          parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
          strict: false,
        },
      },
    ]);
    expect(sent.tool_choice).toEqual({ type: 'function', function: { name: 'lookup' } });
    expect(sent.parallel_tool_calls).toBe(false);
  });

  it('sends function_call and function_call_output items as the assistant call and tool result', async () => {
    const { upstream, openai } = await gateway();
    upstream.script({ chunks: ['x is 42'] });
    const response = await openai.responses.create({
      model: MODEL,
      input: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'Look up x' },
        { type: 'function_call', call_id: 'call_9', name: 'lookup', arguments: '{"q":"x"}' },
        { type: 'function_call_output', call_id: 'call_9', output: '42' },
      ],
      tools: [
        { type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} }, strict: null },
      ],
    });
    expect(response.output_text).toBe('x is 42');
    expect(lastBody(upstream).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Look up x' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_9', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_9', content: '42' },
    ]);
  });

  it('passes text.format json_schema as structured output', async () => {
    const { upstream, openai } = await gateway();
    upstream.script({ chunks: ['{"city":"Paris"}'] });
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
      additionalProperties: false,
    };
    const response = await openai.responses.create({
      model: MODEL,
      input: 'Capital of France?',
      text: { format: { type: 'json_schema', name: 'capital', schema, strict: true } },
    });
    expect(JSON.parse(response.output_text)).toEqual({ city: 'Paris' });
    expect(response.text?.format).toMatchObject({ type: 'json_schema', name: 'capital' });
    expect(lastBody(upstream).response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'capital', schema, strict: true },
    });
    await openai.responses.create({ model: MODEL, input: 'json', text: { format: { type: 'json_object' } } });
    expect(lastBody(upstream).response_format).toEqual({ type: 'json_object' });
  });

  it('is incomplete when the token limit cut the reply', async () => {
    const { upstream, base } = await gateway();
    upstream.script({ chunks: ['Once upon'], finishReason: 'length' });
    const body = await (await post(base, { model: MODEL, input: 'Story', max_output_tokens: 2 })).json();
    expect(body).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [{ type: 'message', status: 'incomplete' }],
    });
  });
});

describe('the Responses event stream', () => {
  it('sends OpenAI’s event sequence, every event numbered', async () => {
    const { upstream, base } = await gateway();
    upstream.script(textThenToolCall('Hm.', { id: 'call_s', name: 'lookup', args: ['{"q"', ':"y"}'] }));
    const res = await post(base, {
      model: MODEL,
      input: 'Look up y',
      stream: true,
      tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} } }],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const all = await events(res);
    expect(all.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    all.forEach((e, index) => {
      expect(e.data.type).toBe(e.event);
      expect(e.data.sequence_number).toBe(index);
    });
    const [
      created,
      ,
      added,
      partAdded,
      delta,
      textDone,
      ,
      itemDone,
      fcAdded,
      ,
      ,
      fcDone,
      fcItemDone,
      completed,
    ] = all.map((e) => e.data);
    expect(created.response).toMatchObject({ status: 'in_progress', output: [] });
    expect(added).toMatchObject({
      output_index: 0,
      item: { type: 'message', status: 'in_progress', content: [] },
    });
    expect(partAdded).toMatchObject({
      output_index: 0,
      content_index: 0,
      part: { type: 'output_text', text: '' },
    });
    expect(delta).toMatchObject({ item_id: added.item.id, output_index: 0, content_index: 0, delta: 'Hm.' });
    expect(textDone).toMatchObject({ item_id: added.item.id, text: 'Hm.' });
    expect(itemDone.item).toMatchObject({
      status: 'completed',
      content: [{ type: 'output_text', text: 'Hm.' }],
    });
    expect(fcAdded).toMatchObject({
      output_index: 1,
      item: {
        type: 'function_call',
        call_id: 'call_s',
        name: 'lookup',
        arguments: '',
        status: 'in_progress',
      },
    });
    expect(fcDone).toMatchObject({ item_id: fcAdded.item.id, output_index: 1, arguments: '{"q":"y"}' });
    expect(fcItemDone.item).toMatchObject({ arguments: '{"q":"y"}', status: 'completed' });
    expect(completed.response).toMatchObject({
      status: 'completed',
      usage: { input_tokens: 11, output_tokens: 7, total_tokens: 18 },
    });
    expect(completed.response.output).toHaveLength(2);
  });

  it('streams with the official client, whose helper rebuilds the response', async () => {
    const { upstream, openai } = await gateway();
    upstream.script({ chunks: ['Hel', 'lo'] });
    const deltas: string[] = [];
    const stream = await openai.responses.create({ model: MODEL, input: 'hi', stream: true });
    for await (const event of stream)
      if (event.type === 'response.output_text.delta') deltas.push(event.delta);
    expect(deltas).toEqual(['Hel', 'lo']);
    const helper = openai.responses.stream({ model: MODEL, input: 'hi' });
    const final = await helper.finalResponse();
    expect(final.output_text).toBe('Hello');
  });

  it('ends with error and response.failed when the upstream breaks mid-reply', async () => {
    const { upstream, base } = await gateway();
    upstream.script({ chunks: ['a', 'b', 'c'], cutAfter: 1 });
    const res = await post(base, { model: MODEL, input: 'hi', stream: true });
    const all = await events(res);
    expect(all.at(-2)?.event).toBe('error');
    expect(all.at(-1)).toMatchObject({ event: 'response.failed', data: { response: { status: 'failed' } } });
  });
});

describe('refused Responses requests (400, nothing sent upstream)', () => {
  async function refusal(base: string, body: object) {
    const res = await post(base, { model: MODEL, input: 'hi', ...body });
    const json = (await res.json()) as {
      error: { param: string; code: string; type: string; message: string };
    };
    return { status: res.status, ...json.error };
  }

  it('refuses what Parley cannot honour, naming the field', async () => {
    const { upstream, base } = await gateway();
    const previous = await refusal(base, { previous_response_id: 'resp_123' });
    expect(previous).toMatchObject({
      status: 400,
      param: 'previous_response_id',
      code: 'unsupported_parameter',
      type: 'invalid_request_error',
    });
    expect(previous.message).toContain('keeps no response objects');
    expect(await refusal(base, { frobnicate: true })).toMatchObject({ status: 400, param: 'frobnicate' });
    expect(await refusal(base, { metadata: { a: 'b' } })).toMatchObject({ status: 400, param: 'metadata' });
    expect(await refusal(base, { input: [{ type: 'item_reference', id: 'msg_1' }] })).toMatchObject({
      status: 400,
      param: 'input[0].type',
    });
    expect(await refusal(base, { tools: [{ type: 'web_search' }] })).toMatchObject({
      status: 400,
      param: 'tools[0].type',
    });
    expect(
      await refusal(base, { input: [{ type: 'function_call_output', call_id: 'call_nope', output: 'x' }] }),
    ).toMatchObject({ status: 400, param: 'input[0].call_id' });
    expect(
      await refusal(base, { input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: '{' }] }),
    ).toMatchObject({ status: 400, param: 'input[0].arguments' });
    expect(
      await refusal(base, { input: [{ role: 'user', content: [{ type: 'input_audio', data: 'x' }] }] }),
    ).toMatchObject({ status: 400, param: 'input[0].content[0].type' });
    expect(
      await refusal(base, {
        input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }],
      }),
    ).toMatchObject({ status: 400, param: 'input[0].content[0].file_id' });
    const many = Array.from({ length: 129 }, (_, i) => ({ type: 'function', name: `t${i}` }));
    expect(await refusal(base, { tools: many })).toMatchObject({ status: 400, param: 'tools' });
    expect(await refusal(base, { text: { format: { type: 'json_schema', schema: {} } } })).toMatchObject({
      status: 400,
      param: 'text.format.name',
    });
    expect(await refusal(base, { truncation: 'auto' })).toMatchObject({ status: 400, param: 'truncation' });
    expect(await refusal(base, { input: [] })).toMatchObject({ status: 400, param: 'input' });
    expect(upstream.calls).toHaveLength(0);
  });

  it('accepts store: true, and keeps nothing', async () => {
    const { base } = await gateway();
    const res = await post(base, { model: MODEL, input: 'hi', store: true });
    expect(res.status).toBe(200);
    expect((await res.json()).store).toBe(false);
  });
});
