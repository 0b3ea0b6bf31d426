import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { streamText } from 'ai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { demoReply, tokenizeDemo } from '../src/server/ai/demo-model.js';
import { Client } from './helpers/clients.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

/**
 * The OpenAI-compatible API as real OpenAI clients see it: the official `openai` package and the
 * AI SDK's OpenAI-compatible provider, over a real socket, with a Parley API token as the key.
 */

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Started {
  t: TestApp;
  base: string;
  /** Alice: the first account (admin), with a token. */
  alice: Client;
  token: string;
  openai: OpenAI;
}

async function tokenFor(client: Client): Promise<string> {
  const res = await client.request('POST', '/api/tokens', { name: 'openai sdk' });
  expect(res.statusCode).toBe(201);
  return res.json().token;
}

async function start(options: TestAppOptions = {}): Promise<Started> {
  const t = await createTestApp({ ...options, env: { AUTH_MODE: 'local', ...options.env } });
  current = t;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const base = `http://127.0.0.1:${address.port}`;
  const alice = new Client(t.app);
  await alice.signup('alice');
  const token = await tokenFor(alice);
  return { t, base, alice, token, openai: clientFor(base, token) };
}

/** No retries: the tests look at the first answer (the SDK retries 429 and 5xx by default). */
const clientFor = (base: string, apiKey: string) =>
  new OpenAI({ apiKey, baseURL: `${base}/v1`, maxRetries: 0 });

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function until(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe('OpenAI-compatible API', () => {
  it('lists the models in OpenAI shape', async () => {
    const { openai } = await start();
    const models = [];
    for await (const model of openai.models.list()) models.push(model);
    expect(models.map((model) => model.id)).toContain('demo');
    expect(models[0]).toMatchObject({ object: 'model', owned_by: 'parley' });
    expect(models[0]?.created).toBeGreaterThan(1_600_000_000);
  });

  it('completes a non-streaming request with the model reply and usage', async () => {
    const { openai } = await start();
    const completion = await openai.chat.completions.create({
      model: 'demo',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'an earlier question' },
        { role: 'assistant', content: 'an earlier answer' },
        { role: 'user', content: [{ type: 'text', text: 'What is Parley?' }] },
      ],
      temperature: 0.2,
      top_p: 0.9,
      stop: ['\n\n\n'],
      user: 'end-user-42',
      // A field set to null counts as not set, even one Parley does not pass on.
      ...({ logit_bias: null } as object),
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe('demo');
    expect(completion.choices[0]?.message).toMatchObject({
      role: 'assistant',
      content: demoReply('What is Parley?'),
    });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const usage = completion.usage;
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBe(tokenizeDemo(demoReply('What is Parley?')).length);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
  });

  it('streams chunks that reassemble into the reply, with usage when asked', async () => {
    const { openai } = await start({ demo: { delayMs: 1 } });
    const stream = await openai.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'Stream this, please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const part of stream) chunks.push(part);
    expect(chunks.every((part) => part.object === 'chat.completion.chunk')).toBe(true);
    expect(new Set(chunks.map((part) => part.id)).size).toBe(1);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((part) => part.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(demoReply('Stream this, please'));
    const finishes = chunks
      .flatMap((part) => part.choices.map((choice) => choice.finish_reason))
      .filter(Boolean);
    expect(finishes).toEqual(['stop']);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(tokenizeDemo(text).length);
    expect(last?.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('streams without a usage chunk unless include_usage is set', async () => {
    const { base, token } = await start();
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter((block) => block.startsWith('data: '));
    expect(events.at(-1)).toBe('data: [DONE]');
    const parts = events.slice(0, -1).map((event) => JSON.parse(event.slice(6)));
    expect(parts.every((part) => !('usage' in part))).toBe(true);
    expect(parts.at(-1).choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
  });

  it('stops at max_tokens with finish_reason length (streaming and not)', async () => {
    const { openai } = await start();
    const question = 'Cut me short';
    const expected = tokenizeDemo(demoReply(question)).slice(0, 5).join('');
    const completion = await openai.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: question }],
      max_tokens: 5,
    });
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.choices[0]?.message.content).toBe(expected);
    expect(completion.usage?.completion_tokens).toBe(5);

    const stream = await openai.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: question }],
      max_completion_tokens: 5,
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const part of stream) {
      text += part.choices[0]?.delta.content ?? '';
      finish = part.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(expected);
    expect(finish).toBe('length');
  });

  it('gives typed errors in OpenAI shape: bad token, no token, cookie, unknown model, invalid input', async () => {
    const { base, alice, openai, token } = await start();

    const badToken = await failure(clientFor(base, 'pk_not-a-real-token').models.list());
    expect(badToken).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(badToken.status).toBe(401);
    expect(badToken.code).toBe('invalid_api_key');
    expect(badToken.type).toBe('invalid_request_error');

    // No token at all, and a browser session: both 401 in OpenAI's shape (cookies are no key here).
    const none = await fetch(`${base}/v1/models`);
    expect(none.status).toBe(401);
    expect((await none.json()).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
    for (const method of ['GET', 'POST'] as const) {
      const res = await fetch(`${base}/v1/${method === 'GET' ? 'models' : 'chat/completions'}`, {
        method,
        headers: { cookie: alice.cookie as string, 'content-type': 'application/json' },
        ...(method === 'POST'
          ? { body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'x' }] }) }
          : {}),
      });
      expect(res.status, method).toBe(401);
      expect((await res.json()).error.code).toBe('invalid_api_key');
    }

    const unknown = await failure(
      openai.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
    );
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown.code).toBe('model_not_found');
    expect(unknown.param).toBe('model');

    const invalid: [object, string][] = [
      [{ model: 'demo' }, 'messages'],
      [{ model: 'demo', messages: [] }, 'messages'],
      [{ model: 'demo', messages: [{ role: 'user', content: 'hi' }], temperature: 5 }, 'temperature'],
      [{ model: 'demo', messages: [{ role: 'function', content: 'hi' }] }, 'messages[0].role'],
      [{ model: 'demo', messages: [{ role: 'tool', content: 'hi' }] }, 'messages[0].tool_call_id'],
      [{ model: 'demo', messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
      [
        {
          model: 'demo',
          messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x' } }] }],
        },
        'messages[0].content[0].type',
      ],
      [
        {
          model: 'demo',
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
        },
        'messages[0].content[0].image_url.url',
      ],
      [{ model: 'demo', messages: [{ role: 'user', content: 'hi' }], n: 3 }, 'n'],
      [
        { model: 'demo', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function' }] },
        'tools[0].function',
      ],
    ];
    for (const [body, param] of invalid) {
      const error = await failure(
        openai.chat.completions.create(body as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming),
      );
      expect(error, JSON.stringify(body)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.type).toBe('invalid_request_error');
      expect(error.param, JSON.stringify(body)).toBe(param);
      expect(error.message.length).toBeGreaterThan(10);
    }

    const notJson = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.type).toBe('invalid_request_error');

    const route = await fetch(`${base}/v1/embeddings`, { method: 'POST' });
    expect(route.status).toBe(404);
    expect((await route.json()).error.code).toBe('unknown_url');
  });

  it('answers a model failure before the first token with a 502 server_error', async () => {
    const broken: LanguageModelV3 = {
      specificationVersion: 'v3',
      provider: 'test',
      modelId: 'broken',
      supportedUrls: {},
      doGenerate: async () => {
        throw new Error('upstream exploded');
      },
      doStream: async () => {
        throw new Error('upstream exploded');
      },
    };
    const { openai } = await start({ models: [{ id: 'broken', model: broken }] });
    for (const stream of [false, true]) {
      const error = await failure(
        openai.chat.completions.create({
          model: 'broken',
          messages: [{ role: 'user', content: 'hi' }],
          stream,
        }),
      );
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect(error.status).toBe(502);
      expect(error.type).toBe('server_error');
      expect(error.message).toContain('upstream exploded');
    }
  });

  it('applies the per-user message rate limit: RateLimitError with Retry-After', async () => {
    const { openai } = await start({ env: { MESSAGE_LIMIT_RPM: '2' } });
    const ask = () =>
      openai.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] });
    await ask();
    await ask();
    const error = await failure(ask());
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.type).toBe('rate_limit_error');
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0);
  });

  it('applies the concurrency limit and the token quota', async () => {
    const { openai, t, alice } = await start({
      env: { MAX_CONCURRENT_RUNS: '1', TOKEN_QUOTA_DAILY: '100' },
      demo: { delayMs: 5 },
    });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const slow = openai.chat.completions.create({ model: 'demo', messages });
    await until(() => t.app.parley.limiter.activeRuns(alice.userId as string) > 0);
    const busy = await failure(openai.chat.completions.create({ model: 'demo', messages }));
    expect(busy).toBeInstanceOf(OpenAI.RateLimitError);
    expect(busy.code).toBe('concurrency_limit_exceeded');
    expect(busy.headers?.get('retry-after')).toBe('1');
    await slow;

    // The first reply spent more than the quota: the next one is refused as insufficient_quota.
    const spent = await failure(openai.chat.completions.create({ model: 'demo', messages }));
    expect(spent).toBeInstanceOf(OpenAI.RateLimitError);
    expect(spent.type).toBe('insufficient_quota');
    expect(spent.code).toBe('insufficient_quota');
    expect(Number(spent.headers?.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers the app-wide request limit in OpenAI shape too', async () => {
    const { openai } = await start({ env: { RATE_LIMIT_RPM: '3' } });
    // Sign-up and token creation already counted against the limit (per address before sign-in).
    let error: InstanceType<typeof OpenAI.APIError> | undefined;
    for (let i = 0; i < 5 && !error; i++) {
      error = await openai.models.list().then(
        () => undefined,
        (caught) => caught,
      );
    }
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error?.type).toBe('rate_limit_error');
    expect(error?.headers?.get('retry-after')).toBeTruthy();
  });

  it('streams through the AI SDK OpenAI-compatible provider', async () => {
    const { base, token } = await start({ demo: { delayMs: 1 } });
    const parley = createOpenAICompatible({
      name: 'parley',
      baseURL: `${base}/v1`,
      apiKey: token,
      includeUsage: true,
    });
    const result = streamText({ model: parley.chatModel('demo'), prompt: 'Hello from the AI SDK' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe(demoReply('Hello from the AI SDK'));
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).outputTokens).toBe(tokenizeDemo(text).length);
  });

  it('stops the upstream model call when the client aborts a stream', async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const { openai, t, alice } = await start({
      demo: { delayMs: 20, onCall: ({ abortSignal }) => signals.push(abortSignal) },
    });
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: 'demo', messages: [{ role: 'user', content: 'a long answer please' }], stream: true },
      { signal: controller.signal },
    );
    let received = 0;
    // The SDK ends the iteration quietly (or throws an abort error, depending on timing).
    try {
      for await (const _part of stream) {
        received += 1;
        if (received === 3) controller.abort();
      }
    } catch (error) {
      expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
    }
    expect(received).toBeLessThan(5);
    expect(signals).toHaveLength(1);
    await until(() => signals[0]?.aborted === true, 1_000);
    // The slot is free again, and the tokens sent before the hang-up were counted.
    await until(() => t.app.parley.limiter.activeRuns(alice.userId as string) === 0);
    const usage = await usageOf(t, 'alice');
    expect(usage.day).toBeGreaterThan(0);

    // A plain (non-streaming) request belongs to its client just the same.
    const plain = new AbortController();
    const pending = openai.chat.completions
      .create(
        { model: 'demo', messages: [{ role: 'user', content: 'another long one' }] },
        { signal: plain.signal },
      )
      .catch((error: unknown) => error);
    await until(() => signals.length === 2);
    await sleep(50);
    plain.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    await until(() => signals[1]?.aborted === true, 1_000);
    await until(() => t.app.parley.limiter.activeRuns(alice.userId as string) === 0);
  });

  it('records the exchange as a conversation with X-Parley-Conversation, for its owner only', async () => {
    const { base, alice, openai, token } = await start();
    const question = 'Remember this exchange';
    const { data, response } = await openai.chat.completions
      .create(
        {
          model: 'demo',
          messages: [
            { role: 'system', content: 'Be kind.' },
            { role: 'user', content: question },
          ],
        },
        { headers: { 'X-Parley-Conversation': 'new' } },
      )
      .withResponse();
    const conversationId = response.headers.get('x-parley-conversation-id') as string;
    expect(conversationId).toBeTruthy();

    // Visible through the Parley API with the same token (and so in the web UI).
    const viaToken = new Client(alice.app);
    viaToken.bearer = token;
    const conversation = (await viaToken.request('GET', `/api/conversations/${conversationId}`)).json();
    expect(conversation).toMatchObject({ title: question, model: 'demo', systemPrompt: 'Be kind.' });
    const page = (await viaToken.request('GET', `/api/conversations/${conversationId}/messages`)).json();
    expect(page.items.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    const [userMessage, reply] = page.items;
    expect(userMessage).toMatchObject({ content: question, status: 'complete' });
    expect(reply).toMatchObject({
      content: data.choices[0]?.message.content,
      status: 'complete',
      parentId: userMessage.id,
      finishReason: 'stop',
      usage: { inputTokens: data.usage?.prompt_tokens, outputTokens: data.usage?.completion_tokens },
    });
    expect(response.headers.get('x-parley-message-id')).toBe(reply.id);

    // The next turn, streamed, goes to the same conversation after the first reply.
    const stream = await openai.chat.completions.create(
      { model: 'demo', messages: [{ role: 'user', content: 'And a second one' }], stream: true },
      { headers: { 'X-Parley-Conversation': conversationId } },
    );
    for await (const _part of stream) {
      // drain
    }
    const after = (await viaToken.request('GET', `/api/conversations/${conversationId}/messages`)).json();
    expect(after.items).toHaveLength(4);
    expect(after.items[2]).toMatchObject({ content: 'And a second one', parentId: reply.id });
    expect(after.items[3]).toMatchObject({ content: demoReply('And a second one'), status: 'complete' });

    // Another user cannot write into it: 404 in OpenAI shape, and nothing is written.
    const bob = new Client(alice.app);
    await bob.signup('bob');
    const bobs = clientFor(base, await tokenFor(bob));
    const refused = await failure(
      bobs.chat.completions.create(
        { model: 'demo', messages: [{ role: 'user', content: 'intrude' }] },
        { headers: { 'X-Parley-Conversation': conversationId } },
      ),
    );
    expect(refused).toBeInstanceOf(OpenAI.NotFoundError);
    expect(refused.message).not.toContain(conversationId);
    expect(
      (await viaToken.request('GET', `/api/conversations/${conversationId}/messages`)).json().items,
    ).toHaveLength(4);
    expect((await bob.request('GET', `/api/conversations/${conversationId}/messages`)).statusCode).toBe(404);
  });

  it('needs no real key when accounts are off (AUTH_MODE=none)', async () => {
    const t = await createTestApp();
    current = t;
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const openai = clientFor(`http://127.0.0.1:${address.port}`, 'anything');
    const completion = await openai.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'no accounts' }],
    });
    expect(completion.choices[0]?.message.content).toBe(demoReply('no accounts'));
  });

  it('counts the tokens against the user (admin view of usage)', async () => {
    const { openai, t } = await start();
    const before = await usageOf(t, 'alice');
    const completion = await openai.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'count me' }],
    });
    const after = await usageOf(t, 'alice');
    expect(after.day - before.day).toBe(completion.usage?.total_tokens);
    expect(after.month - before.month).toBe(completion.usage?.total_tokens);
    // ...and against the API token that made the call.
    const admin = new Client(t.app);
    await admin.login('alice');
    const tokens = (await admin.request('GET', '/api/tokens')).json().items as { tokensUsed: number }[];
    expect(tokens.map((token) => token.tokensUsed)).toContain(completion.usage?.total_tokens);
  });

  it('gives /v1/responses the same key, limits, quotas and usage counting', async () => {
    const { openai, t, base } = await start({ env: { TOKEN_QUOTA_DAILY: '100' } });
    const anonymous = await fetch(`${base}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', input: 'hi' }),
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');

    const before = await usageOf(t, 'alice');
    const response = await openai.responses.create({ model: 'demo', input: 'count me' });
    expect(response.output_text.length).toBeGreaterThan(0);
    const after = await usageOf(t, 'alice');
    expect(after.day - before.day).toBe(response.usage?.total_tokens);

    // The demo reply spent more than the quota: the next request is refused, streamed or not.
    const spent = await failure(openai.responses.create({ model: 'demo', input: 'again', stream: true }));
    expect(spent).toBeInstanceOf(OpenAI.RateLimitError);
    expect(spent.code).toBe('insufficient_quota');
  });
});

/** A user's token usage as the admin sees it (alice is the admin). */
async function usageOf(t: TestApp, username: string): Promise<{ day: number; month: number }> {
  const admin = new Client(t.app);
  const login = await admin.login('alice');
  expect(login.statusCode).toBe(200);
  const users = (await admin.request('GET', '/api/admin/users')).json();
  return users.items.find((user: { username: string }) => user.username === username).usage;
}
