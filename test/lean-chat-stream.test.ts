import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLeanChatStream } from '../src/server/ai/providers/lean-chat-stream.js';

/**
 * The lean OpenAI-compatible stream reader must produce exactly the parts the AI SDK's own reader
 * produces, for every kind of chunk a server sends: both read the same bytes from a local server
 * speaking the chat-completions SSE protocol, and their parts (and errors) are compared.
 */

interface Script {
  status?: number;
  headers?: Record<string, string>;
  /** The body, written piece by piece (a piece may end mid-event or mid-character). */
  pieces: (string | Buffer)[];
  /** Destroy the socket after the pieces instead of ending the response. */
  drop?: boolean;
}

let server: http.Server;
let baseURL: string;
let script: Script = { pieces: [] };
const bodies: string[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (data) => {
      body += data;
    });
    request.on('end', async () => {
      bodies.push(body);
      response.writeHead(script.status ?? 200, {
        'content-type': 'text/event-stream',
        ...script.headers,
      });
      for (const piece of script.pieces) {
        response.write(piece);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (script.drop) response.socket?.destroy();
      else response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sdkModel = () =>
  createOpenAICompatible({ name: 'local', baseURL, includeUsage: true }).chatModel(
    'some-model',
  ) as LanguageModelV3;

const call: LanguageModelV3CallOptions = {
  prompt: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
  ],
  maxOutputTokens: 100,
  temperature: 0.5,
};

type Outcome = { parts: unknown[]; error?: unknown; thrown?: unknown };

/** An error as the run sees it: its class, message, status, whether it may be retried. */
function describeError(error: unknown) {
  const e = error as { name?: string; message?: string; statusCode?: number; isRetryable?: boolean };
  return { name: e.name, message: e.message, statusCode: e.statusCode, isRetryable: e.isRetryable };
}

async function read(model: LanguageModelV3, options = call): Promise<Outcome> {
  const parts: unknown[] = [];
  try {
    const { stream } = await model.doStream(options);
    const reader = stream.getReader();
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      const part = next.value as LanguageModelV3StreamPart;
      parts.push(part.type === 'error' ? { type: 'error', error: describeError(part.error) } : part);
    }
    return { parts };
  } catch (error) {
    return parts.length > 0
      ? { parts, error: describeError(error) }
      : { parts, thrown: describeError(error) };
  }
}

/** Both readers on the same script: equal outcomes, and equal request bodies on the wire. */
async function both(next: Script, options = call) {
  script = next;
  bodies.length = 0;
  const sdk = await read(sdkModel(), options);
  const lean = await read(withLeanChatStream(sdkModel()), options);
  expect(lean).toEqual(sdk);
  expect(bodies).toHaveLength(2);
  expect(bodies[1]).toBe(bodies[0]);
  return lean;
}

const chunk = (delta: object | null, extra: object = {}, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'some-model',
    choices: delta === null ? [] : [{ index: 0, delta, finish_reason: finish }],
    ...extra,
  })}\n\n`;
const usage = (extra: object = {}) =>
  chunk(null, { usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8, ...extra } });
const done = 'data: [DONE]\n\n';

describe('the lean OpenAI-compatible stream reader', () => {
  it('wraps the SDK chat model this was written against (a later SDK that changed would run unwrapped)', () => {
    const model = sdkModel();
    expect(withLeanChatStream(model)).not.toBe(model);
  });

  it('reads text exactly as the SDK does, with usage and the finish reason', async () => {
    const { parts } = await both({
      pieces: [
        chunk({ role: 'assistant', content: '', refusal: null }),
        chunk({ content: 'Hel' }),
        chunk({ content: 'lo' }),
        chunk({}, {}, 'stop'),
        usage(),
        done,
      ],
    });
    expect(parts.filter((part) => (part as { type: string }).type === 'text-delta')).toHaveLength(2);
  });

  it('reads reasoning (reasoning_content, reasoning, thinking parts) and then text', async () => {
    await both({
      pieces: [
        chunk({ reasoning_content: 'Let me think. ' }),
        chunk({ reasoning: 'Still thinking. ' }),
        chunk({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Deeper.' }] }] }),
        chunk({ content: [{ type: 'text', text: 'Answer.' }] }),
        chunk({ content: 'More.' }),
        chunk({}, {}, 'stop'),
        usage({ completion_tokens_details: { reasoning_tokens: 2 } }),
        done,
      ],
    });
  });

  it('reads a refusal as text with a content-filter finish, and ignores a refusal of false', async () => {
    await both({ pieces: [chunk({ refusal: 'I cannot help with that.' }), chunk({}, {}, 'stop'), done] });
    await both({ pieces: [chunk({ content: 'Fine.', refusal: false }), chunk({}, {}, 'stop'), done] });
  });

  it('assembles parallel tool calls whose arguments stream in pieces, even before the name', async () => {
    await both(
      {
        pieces: [
          chunk({
            tool_calls: [
              { index: 0, id: 'call_a', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '{"zone":' } }] }),
          chunk({ tool_calls: [{ index: 1, id: 'call_b', function: { arguments: '{"q":' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: '"UTC"}' } }] }),
          chunk({ tool_calls: [{ index: 1, function: { name: 'search', arguments: '"x"}' } }] }),
          chunk({}, {}, 'tool_calls'),
          usage(),
          done,
        ],
      },
      {
        ...call,
        tools: [
          { type: 'function', name: 'get_time', inputSchema: { type: 'object', properties: {} } },
          { type: 'function', name: 'search', inputSchema: { type: 'object', properties: {} } },
        ],
        toolChoice: { type: 'auto' },
      },
    );
  });

  it('reads a whole tool call in one chunk without an index (as Gemini sends it)', async () => {
    await both({
      pieces: [
        chunk({
          tool_calls: [
            {
              id: 'call_g',
              function: { name: 'lookup', arguments: '{"a":1}' },
              extra_content: { google: { thought_signature: 'sig' } },
            },
          ],
        }),
        chunk({}, {}, 'tool_calls'),
        done,
      ],
    });
  });

  it('turns an error chunk, a chunk of bad JSON and a chunk of the wrong shape into the same error parts', async () => {
    await both({
      pieces: [
        chunk({ content: 'Part' }),
        'data: {"error":{"message":"The model crashed","type":"server_error","code":500}}\n\n',
        chunk({}, {}, 'stop'),
        done,
      ],
    });
    await both({ pieces: [chunk({ content: 'A' }), 'data: {"choices": [\n\n', chunk({}, {}, 'stop'), done] });
    await both({
      pieces: [chunk({ content: 'A' }), 'data: {"choices": "no"}\n\n', chunk({}, {}, 'stop'), done],
    });
    await both({ pieces: [chunk({ content: 7 } as object), chunk({}, {}, 'length'), done] });
  });

  it('refuses prototype keys as the SDK does, and reads text that merely mentions them', async () => {
    await both({ pieces: ['data: {"__proto__":{"x":1},"choices":[]}\n\n', chunk({}, {}, 'stop'), done] });
    await both({
      pieces: [
        chunk({ content: 'A constructor and __proto__ are JavaScript words.' }),
        chunk({}, {}, 'stop'),
        done,
      ],
    });
  });

  it('reports a stream that ends without a finish reason', async () => {
    await both({ pieces: [chunk({ content: 'Cut off' })] });
  });

  it('keeps SSE framing details: CRLF, no space after the colon, comments, event names, split events', async () => {
    const text = chunk({ content: 'Hello there' });
    await both({
      pieces: [
        ': keep-alive\r\n\r\n',
        `event: message\r\n${chunk({ content: 'One, ' }).replace('data: ', 'data:').replace(/\n\n$/, '\r\n\r\n')}`,
        text.slice(0, 17),
        text.slice(17, 40),
        `${text.slice(40)}${chunk({}, {}, 'stop')}${usage()}`,
        done,
      ],
    });
  });

  it('decodes a character split between two network reads', async () => {
    const bytes = Buffer.from(chunk({ content: 'Grüße 👋 from Zürich' }));
    const cut = bytes.indexOf(Buffer.from('👋')) + 2;
    await both({ pieces: [bytes.subarray(0, cut), bytes.subarray(cut), chunk({}, {}, 'stop'), done] });
  });

  it('keeps prediction token counts in the provider metadata', async () => {
    await both({
      pieces: [
        chunk({ content: 'x' }),
        chunk({}, {}, 'stop'),
        usage({
          completion_tokens_details: { accepted_prediction_tokens: 4, rejected_prediction_tokens: 1 },
        }),
        done,
      ],
    });
  });

  it('answers HTTP errors with the same APICallError (status, message, retryable)', async () => {
    const rateLimited = await both({
      status: 429,
      headers: { 'content-type': 'application/json', 'retry-after': '1' },
      pieces: ['{"error":{"message":"Slow down","type":"requests","code":"rate_limit_exceeded"}}'],
    });
    expect(rateLimited.thrown).toMatchObject({ statusCode: 429, isRetryable: true });
    const bad = await both({
      status: 400,
      headers: { 'content-type': 'application/json' },
      pieces: ['{"error":{"message":"Bad model","type":"invalid_request_error"}}'],
    });
    expect(bad.thrown).toMatchObject({ statusCode: 400, isRetryable: false, message: 'Bad model' });
  });

  it('ends a stream whose one event grows past 16 MiB with an error, instead of buffering it (a hostile upstream)', async () => {
    script = {
      pieces: [
        chunk({ content: 'Start' }),
        `data: {"choices":[{"delta":{"content":"${'x'.repeat(17 * 1024 * 1024)}`,
      ],
    };
    const lean = await read(withLeanChatStream(sdkModel()));
    expect(lean.parts.some((part) => (part as { type: string }).type === 'text-delta')).toBe(true);
    expect(lean.error).toMatchObject({ message: 'A stream event exceeded 16 MiB.' });
  });

  it('ends a stream whose tool-call arguments grow past 8 MiB in small events, instead of holding them all', async () => {
    const piece = 'a'.repeat(512 * 1024);
    script = {
      pieces: [
        chunk({
          tool_calls: [{ index: 0, id: 'call_x', function: { name: 'search', arguments: '{"q":"' } }],
        }),
        ...Array.from({ length: 20 }, () =>
          chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }),
        ),
      ],
    };
    const lean = await read(withLeanChatStream(sdkModel()));
    expect(lean.error).toMatchObject({ message: 'The tool-call arguments of a reply exceeded 8 MiB.' });
  });

  it('turns a connection dropped mid-reply into the same retryable error', async () => {
    const dropped = await both({ pieces: [chunk({ content: 'Half' })], drop: true });
    expect(dropped.error).toMatchObject({ isRetryable: true, statusCode: 200 });
  });
});
