import pino, { type Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { demoTitle } from '../src/server/ai/demo-model.js';
import { createModelRegistry } from '../src/server/ai/models.js';
import { buildApp, type ParleyApp } from '../src/server/app.js';
import { cleanTitle, TITLE_INPUT_CHARS, TITLE_MAX_OUTPUT_TOKENS } from '../src/server/chat/title-writer.js';
import { parseConfig } from '../src/server/config.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { Client } from './helpers/clients.js';
import { storeTargets } from './helpers/databases.js';
import type { FakeServer } from './helpers/fake-providers/fake-server.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';
import { gatedTitleModel } from './helpers/gated-title-model.js';
import { captureLogs } from './helpers/logs.js';
import { pollUntil } from './helpers/poll.js';
import { textReader } from './helpers/sse.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

// Titles as a user sees them in the sidebar: the first words of the first message at once,
// whatever becomes of the reply, then a short title the title model writes; never over a title
// the user chose.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(read: () => Promise<T>, expected: T): Promise<void> {
  // A loaded machine may take seconds to write a title.
  expect(await pollUntil(read, (value) => value === expected)).toBe(expected);
}

describe('cleaning a model’s answer into a title', () => {
  it('keeps one line without quotes, markdown, a label or trailing punctuation, ≤ 60 chars', () => {
    expect(cleanTitle('"Kyoto Trip Planning."')).toBe('Kyoto Trip Planning');
    expect(cleanTitle('**Title:** _Budget Bikes_!\nMore text the model added')).toBe('Budget Bikes');
    expect(cleanTitle('# “Soup for Ten”')).toBe('Soup for Ten');
    expect(cleanTitle('<think>hmm, a title…</think>\n\nTitle: `Rust Lifetimes`')).toBe('Rust Lifetimes');
    expect(cleanTitle('   \n  ')).toBe('');
    expect(cleanTitle('"..."')).toBe('');
    const long = cleanTitle(`${'Planning a very long journey across '.repeat(4)}Japan`);
    expect(long.length).toBeLessThanOrEqual(60);
    expect(long).toMatch(/\w$/);
  });

  it('the demo model’s title: the first five words after the filler, in Title Case', () => {
    expect(demoTitle('How do I plan a two week trip to Kyoto and Osaka?')).toBe('Plan a Two Week Trip');
    expect(demoTitle('Budget for a bike')).toBe('Budget for a Bike');
    expect(demoTitle('  ## what is `useEffect` for?')).toBe('UseEffect For');
    expect(demoTitle('!!! ???')).toBe('');
  });
});

describe.each(storeTargets())('titles on $name', (target) => {
  async function start(
    env: Record<string, string> = {},
    options: Pick<TestAppOptions, 'models' | 'logger'> = {},
  ): Promise<{ t: TestApp; alice: Client }> {
    const db = await target.create();
    cleanup.push(() => db.drop());
    const t = await createTestApp({
      // TITLE_MODEL unset (the conversation's model) unless a test says otherwise.
      env: { AUTH_MODE: 'local', DATABASE_URL: db.url, TITLE_MODEL: '', ...env },
      ...(options.models ? { models: options.models } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    cleanup.push(() => t.close());
    const alice = new Client(t.app);
    await alice.signup('alice');
    return { t, alice };
  }

  /** Parley with the real model registry, OpenAI pointed at a fake server (the demo answers replies). */
  async function withFakeOpenAI(
    env: Record<string, string> = {},
    logger: Logger = pino({ level: 'silent' }),
  ): Promise<{ app: ParleyApp; store: Store; alice: Client; upstream: FakeServer }> {
    const upstream = await startFakeOpenAI();
    cleanup.push(() => upstream.close());
    const db = await target.create();
    cleanup.push(() => db.drop());
    const settings = {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
      AUTH_MODE: 'local',
      SIGNUP: 'open',
      DEMO_DELAY_MS: '0',
      SHUTDOWN_GRACE_MS: '100',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: upstream.baseURL,
      OPENAI_MODELS: 'gpt-4o-mini',
      MODEL_MAX_RETRIES: '0',
      DEFAULT_MODEL: 'demo',
      TITLE_MODEL: 'openai/gpt-4o-mini',
      ...env,
    };
    const config = parseConfig(settings);
    const models = await createModelRegistry(config, { logger, env: settings });
    const store = await openStore(config.databaseUrl);
    const app = await buildApp({ config, store, models, logger });
    cleanup.push(async () => {
      await app.close();
      await store.close();
    });
    const alice = new Client(app);
    await alice.signup('alice');
    return { app, store, alice, upstream };
  }

  async function titleOf(client: Client, id: string): Promise<string | null> {
    const res = await client.request('GET', `/api/conversations/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().title;
  }

  async function titleUsage(store: Store) {
    return store.db.selectFrom('usage_events').selectAll().where('source', '=', 'title').execute();
  }

  /** The user's live events, as another tab reads them. */
  async function liveEvents(app: ParleyApp, client: Client) {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events`, {
      headers: { cookie: client.cookie ?? '' },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = textReader(res);
    const seen: { type: string; conversation?: { id: string; title: string | null } }[] = [];
    let buffer = '';
    const until = async (found: () => boolean) => {
      while (!found()) {
        buffer += (await reader.read()).value ?? '';
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) seen.push(JSON.parse(data.slice(6)));
        }
      }
    };
    cleanup.push(async () => controller.abort());
    await until(() => seen.some((e) => e.type === 'ready'));
    return { seen, until };
  }

  // ---- The placeholder: the first words, at once --------------------------------------------------

  it('a first message titles its new conversation at once with its first words (≤ 60 chars)', async () => {
    const { t, alice } = await start({ DEMO_DELAY_MS: '50', TITLE_MODEL: 'off' });
    const long = `How do I plan a two week trip to Kyoto and Osaka in spring with a small budget and kids?`;
    const res = await alice.request('POST', '/api/conversations/start', { content: long });
    expect(res.statusCode, res.body).toBe(202);
    const { conversationId, runId } = res.json();
    // While the reply still streams, the row already has its placeholder.
    const title = await titleOf(alice, conversationId);
    expect(title).toBe('How do I plan a two week trip to Kyoto and Osaka in spring…');
    expect((title ?? '').length).toBeLessThanOrEqual(61);
    await alice.request('POST', `/api/conversations/${conversationId}/stop`);
    await t.app.parley.runs.get(runId)?.done;
  });

  it('a first reply that is stopped still leaves a titled conversation', async () => {
    const { t, alice } = await start({ DEMO_DELAY_MS: '200', TITLE_MODEL: 'off' });
    const created = await alice.request('POST', '/api/conversations', {});
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(created.json().title).toBeNull();
    const sent = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'Budget for a bike',
    });
    expect(sent.statusCode, sent.body).toBe(202);
    // Written with the message itself: there as soon as the send is accepted, however busy the
    // machine (CI once saw a write after the commit not land in 20 s).
    expect(await titleOf(alice, id)).toBe('Budget for a bike');
    expect((await alice.request('POST', `/api/conversations/${id}/stop`)).statusCode).toBeLessThan(300);
    await t.app.parley.runs.get(sent.json().runId)?.done;
    await eventually(() => titleOf(alice, id), 'Budget for a bike');
  });

  it('a title the user chose is never replaced, even by a write that was already on its way', async () => {
    const { t, alice } = await start();
    const created = await alice.request('POST', '/api/conversations', {});
    const id = created.json().id;
    expect((await alice.request('PATCH', `/api/conversations/${id}`, { title: 'Mine' })).statusCode).toBe(
      200,
    );
    const sent = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'Something else',
    });
    await t.app.parley.runs.get(sent.json().runId)?.done;
    expect(await titleOf(alice, id)).toBe('Mine');

    // A late machine title compares against the title it replaces (untitled) and loses.
    const me = (await alice.request('GET', '/api/auth/me')).json();
    const repos = t.app.parley.store.repos;
    expect(await repos.conversations.replaceTitle(me.user.id, id, null, 'Late title')).toBeUndefined();
    expect(await titleOf(alice, id)).toBe('Mine');
    // The same write against the title it really replaces does land (the check above is not vacuous).
    expect((await repos.conversations.replaceTitle(me.user.id, id, 'Mine', 'Next'))?.title).toBe('Next');
    expect(await titleOf(alice, id)).toBe('Next');
  });

  it("publishes the placeholder title on the user's live events, for other tabs to show", async () => {
    const { t, alice } = await start({ TITLE_MODEL: 'off' });
    const { seen, until } = await liveEvents(t.app, alice);
    const id = (await alice.request('POST', '/api/conversations', {})).json().id;
    const sent = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'Soup for ten',
    });
    await until(() =>
      seen.some(
        (e) => e.type === 'conversation.updated' && e.conversation?.id === id && e.conversation?.title,
      ),
    );
    const updated = seen.find((e) => e.type === 'conversation.updated' && e.conversation?.id === id);
    expect(updated?.conversation?.title).toBe('Soup for ten');
    await t.app.parley.runs.get(sent.json().runId)?.done;
  });

  // ---- The model's title ---------------------------------------------------------------------------

  it('the demo model titles a new conversation after its first message: live event, stored, usage `title`', async () => {
    const { t, alice } = await start();
    const { seen, until } = await liveEvents(t.app, alice);
    const res = await alice.request('POST', '/api/conversations/start', {
      content: 'How do I plan a two week trip to Kyoto and Osaka in spring with kids?',
    });
    expect(res.statusCode, res.body).toBe(202);
    const { conversationId, runId } = res.json();
    const titled = (e: (typeof seen)[number]) =>
      e.type === 'conversation.updated' &&
      e.conversation?.id === conversationId &&
      e.conversation?.title === 'Plan a Two Week Trip';
    await until(() => seen.some(titled));
    // The conversation was announced (with its first words) before its model title.
    const created = seen.findIndex(
      (e) => e.type === 'conversation.created' && e.conversation?.id === conversationId,
    );
    expect(created).toBeGreaterThanOrEqual(0);
    expect(seen[created]?.conversation?.title).toMatch(/^How do I plan a two week trip/);
    expect(created).toBeLessThan(seen.findIndex(titled));
    expect(await titleOf(alice, conversationId)).toBe('Plan a Two Week Trip');
    await t.app.parley.runs.get(runId)?.done;
    // The reply is the demo's usual one, not a title.
    const messages = (await alice.request('GET', `/api/conversations/${conversationId}/messages`)).json();
    expect(messages.items.at(-1).content).toContain('demo model');
    const usage = await titleUsage(t.store);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ user_id: alice.userId, model: 'demo', failed: 0 });
    expect(Number(usage[0]?.output_tokens)).toBe(5);
    expect(Number(usage[0]?.input_tokens)).toBeGreaterThan(0);
  });

  it('the first message of an empty conversation gets the model title too', async () => {
    const { t, alice } = await start();
    const id = (await alice.request('POST', '/api/conversations', {})).json().id;
    const sent = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'Budget for a bike',
    });
    expect(sent.statusCode, sent.body).toBe(202);
    await eventually(() => titleOf(alice, id), 'Budget for a Bike');
    await t.app.parley.runs.get(sent.json().runId)?.done;
    // A second message writes no new title.
    const again = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'Cheaper one?',
    });
    await t.app.parley.runs.get(again.json().runId)?.done;
    await sleep(100);
    expect(await titleOf(alice, id)).toBe('Budget for a Bike');
    expect(await titleUsage(t.store)).toHaveLength(1);
  });

  it('a rename before the model’s title lands wins', async () => {
    const gate = gatedTitleModel();
    const { t, alice } = await start(
      { TITLE_MODEL: 'gate' },
      { models: [{ id: 'gate', model: gate.model }] },
    );
    const res = await alice.request('POST', '/api/conversations/start', { content: 'Soup for ten' });
    const { conversationId, runId } = res.json();
    const call = await gate.call(1);
    expect(await titleOf(alice, conversationId)).toBe('Soup for ten');
    expect(
      (await alice.request('PATCH', `/api/conversations/${conversationId}`, { title: 'Dinner party' }))
        .statusCode,
    ).toBe(200);
    call.answer('Soup Planning');
    // The title's tokens are counted (the call happened), but the rename stays.
    expect(
      await pollUntil(
        () => titleUsage(t.store),
        (rows) => rows.length > 0,
      ),
    ).toHaveLength(1);
    await sleep(200);
    expect(await titleOf(alice, conversationId)).toBe('Dinner party');
    await t.app.parley.runs.get(runId)?.done;
  });

  it('a title model that fails keeps the first words, logs no message text, and the reply is unaffected', async () => {
    const logs = captureLogs('warn');
    const { app, store, alice, upstream } = await withFakeOpenAI({}, logs.logger);
    upstream.enqueue({ status: 500, error: { message: 'upstream exploded' } });
    const secret = 'Tofu recipes for my neighbour Quentin';
    const res = await alice.request('POST', '/api/conversations/start', { content: secret });
    expect(res.statusCode, res.body).toBe(202);
    const { conversationId, runId } = res.json();
    await upstream.waitForCall(1);
    // The reply (the demo's) finishes as if no title were asked for.
    await app.parley.runs.get(runId)?.done;
    const lastStatus = async () =>
      (await alice.request('GET', `/api/conversations/${conversationId}/messages`)).json().items.at(-1)
        ?.status;
    await eventually(lastStatus, 'complete');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !logs.lines.some((l) => l.includes('model title not written')))
      await sleep(20);
    const warning = logs.lines.find((l) => l.includes('model title not written'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning as string)).toMatchObject({
      level: 40,
      conversationId,
      model: 'openai/gpt-4o-mini',
    });
    expect(logs.lines.join('\n')).not.toContain('Quentin');
    expect(await titleOf(alice, conversationId)).toBe(secret);
    const messages = (await alice.request('GET', `/api/conversations/${conversationId}/messages`)).json();
    expect(messages.items.at(-1)).toMatchObject({ status: 'complete' });
    expect(messages.items.at(-1).content).toContain('demo model');
    // The failed call is on the usage report as a failed title call.
    const usage = await titleUsage(store);
    expect(usage).toMatchObject([{ model: 'openai/gpt-4o-mini', failed: 1 }]);
  });

  it('a title model that answers in the wrong wire format keeps the first words', async () => {
    const { alice, upstream } = await withFakeOpenAI();
    upstream.enqueue({
      raw: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"not":"a chat completion"}');
      },
    });
    const res = await alice.request('POST', '/api/conversations/start', { content: 'Pasta for two' });
    const { conversationId } = res.json();
    await upstream.waitForCall(1);
    await sleep(200);
    expect(await titleOf(alice, conversationId)).toBe('Pasta for two');
  });

  it('TITLE_MODEL gets the first message (bounded) and few tokens on the wire; its answer is cleaned', async () => {
    const { store, alice, upstream } = await withFakeOpenAI();
    upstream.script({
      chunks: ['**"Kyoto Trip Planning."**\nHope this helps!'],
      usage: { inputTokens: 40, outputTokens: 6 },
    });
    const long = `Plan my trip to Kyoto. ${'Temples, gardens and food. '.repeat(200)}`;
    const res = await alice.request('POST', '/api/conversations/start', { content: long });
    const { conversationId } = res.json();
    await eventually(() => titleOf(alice, conversationId), 'Kyoto Trip Planning');
    const call = await upstream.waitForCall(1);
    expect(call.body.model).toBe('gpt-4o-mini');
    expect(call.body.max_tokens ?? call.body.max_completion_tokens).toBe(TITLE_MAX_OUTPUT_TOKENS);
    const [system, user] = call.body.messages;
    expect(system.role).toBe('system');
    expect(system.content).toMatch(/title/i);
    expect(user.role).toBe('user');
    const sent = typeof user.content === 'string' ? user.content : user.content[0].text;
    expect(sent).toBe(long.slice(0, TITLE_INPUT_CHARS));
    const usage = await titleUsage(store);
    expect(usage).toMatchObject([{ model: 'openai/gpt-4o-mini', failed: 0 }]);
    expect(Number(usage[0]?.input_tokens) + Number(usage[0]?.output_tokens)).toBe(46);
  });

  it('a title model the user’s groups do not allow is not called; the first words stay', async () => {
    const gate = gatedTitleModel();
    const { t, alice } = await start(
      { TITLE_MODEL: 'gate' },
      { models: [{ id: 'gate', model: gate.model }] },
    );
    // Alice is the admin (first account): a group limited to the demo model, with her in it.
    const group = await alice.request('POST', '/api/admin/groups', { name: 'demo only', models: ['demo'] });
    expect(group.statusCode, group.body).toBe(201);
    expect(
      (await alice.request('PUT', `/api/admin/groups/${group.json().id}/members/${alice.userId}`)).statusCode,
    ).toBe(204);
    const res = await alice.request('POST', '/api/conversations/start', { content: 'Soup for ten' });
    const { conversationId, runId } = res.json();
    await t.app.parley.runs.get(runId)?.done;
    await sleep(200);
    expect(gate.calls).toHaveLength(0);
    expect(await titleOf(alice, conversationId)).toBe('Soup for ten');
    const again = await alice.request('POST', `/api/conversations/${conversationId}/title`);
    expect(again.statusCode, again.body).toBe(403);
    expect(again.json().code).toBe('model_not_allowed');
  });

  // ---- Regenerate title ----------------------------------------------------------------------------

  it('regenerate writes the model’s title over the current one; 404 for another user, 401 anonymous', async () => {
    const { t, alice } = await start();
    const res = await alice.request('POST', '/api/conversations/start', { content: 'Budget for a bike' });
    const { conversationId, runId } = res.json();
    await t.app.parley.runs.get(runId)?.done;
    await eventually(() => titleOf(alice, conversationId), 'Budget for a Bike');
    await alice.request('PATCH', `/api/conversations/${conversationId}`, { title: 'bikes' });

    const bob = new Client(t.app);
    await bob.signup('bob');
    const stranger = await bob.request('POST', `/api/conversations/${conversationId}/title`);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().code).toBe('not_found');
    const anonymous = await new Client(t.app).request('POST', `/api/conversations/${conversationId}/title`);
    expect(anonymous.statusCode).toBe(401);
    expect(await titleOf(alice, conversationId)).toBe('bikes');

    const again = await alice.request('POST', `/api/conversations/${conversationId}/title`);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ id: conversationId, title: 'Budget for a Bike' });
    expect(await titleOf(alice, conversationId)).toBe('Budget for a Bike');
    expect(await titleUsage(t.store)).toHaveLength(2);
    // No message yet: nothing to title from.
    const empty = (await alice.request('POST', '/api/conversations', {})).json().id;
    const none = await alice.request('POST', `/api/conversations/${empty}/title`);
    expect(none.statusCode).toBe(409);
  });

  it('regenerate: of a burst of two, one writes and the other is a 409; a rename meanwhile is a 409 too', async () => {
    const gate = gatedTitleModel();
    const { t, alice } = await start(
      { TITLE_MODEL: 'gate' },
      { models: [{ id: 'gate', model: gate.model }] },
    );
    const res = await alice.request('POST', '/api/conversations/start', { content: 'Soup for ten' });
    const { conversationId, runId } = res.json();
    // While the first title is being written, asking again is a 409.
    const first = await gate.call(1);
    const early = await alice.request('POST', `/api/conversations/${conversationId}/title`);
    expect(early.statusCode, early.body).toBe(409);
    first.answer('Soup Night');
    await eventually(() => titleOf(alice, conversationId), 'Soup Night');
    await t.app.parley.runs.get(runId)?.done;

    const url = `/api/conversations/${conversationId}/title`;
    const one = alice.request('POST', url);
    const call = await gate.call(2);
    const two = await alice.request('POST', url);
    expect(two.statusCode, two.body).toBe(409);
    expect(two.json().code).toBe('conflict');
    call.answer('Soup for a Crowd');
    const answered = await one;
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json().title).toBe('Soup for a Crowd');
    expect(gate.calls).toHaveLength(2);

    // A rename that lands while the model writes wins; the caller hears 409.
    const pending = alice.request('POST', url);
    const third = await gate.call(3);
    await alice.request('PATCH', `/api/conversations/${conversationId}`, { title: 'Mine' });
    third.answer('Too Late');
    const late = await pending;
    expect(late.statusCode, late.body).toBe(409);
    expect(await titleOf(alice, conversationId)).toBe('Mine');
  });

  it('regenerate: at most three titles of one user are written at once; the fourth is a 429', async () => {
    const gate = gatedTitleModel();
    const { t, alice } = await start(
      { TITLE_MODEL: 'gate' },
      { models: [{ id: 'gate', model: gate.model }] },
    );
    const ids: string[] = [];
    for (const [i, content] of ['Soup', 'Bread', 'Cake', 'Pie'].entries()) {
      const res = await alice.request('POST', '/api/conversations/start', { content });
      ids.push(res.json().conversationId);
      (await gate.call(i + 1)).answer(`${content} Night`);
      await eventually(() => titleOf(alice, res.json().conversationId), `${content} Night`);
      await t.app.parley.runs.get(res.json().runId)?.done;
    }
    const held = ids.slice(0, 3).map((id) => alice.request('POST', `/api/conversations/${id}/title`));
    for (const n of [5, 6, 7]) await gate.call(n);
    const fourth = await alice.request('POST', `/api/conversations/${ids[3]}/title`);
    expect(fourth.statusCode, fourth.body).toBe(429);
    expect(fourth.json().code).toBe('rate_limited');
    expect(fourth.headers['retry-after']).toBeDefined();
    for (const n of [5, 6, 7]) gate.calls[n - 1]?.answer('Dessert Ideas');
    for (const res of await Promise.all(held)) expect(res.statusCode, res.body).toBe(200);
    // Once they are written, the fourth goes through.
    const later = alice.request('POST', `/api/conversations/${ids[3]}/title`);
    (await gate.call(8)).answer('Pie Recipes');
    expect((await later).json().title).toBe('Pie Recipes');
  });

  it('regenerate says why the model failed (502), and is refused (429) once the quota is used up', async () => {
    const { app, alice, upstream } = await withFakeOpenAI({ TOKEN_QUOTA_DAILY: '1000' });
    upstream.script({ chunks: ['Kyoto Trip'], usage: { inputTokens: 10, outputTokens: 2 } });
    const res = await alice.request('POST', '/api/conversations/start', { content: 'Plan my trip to Kyoto' });
    const { conversationId, runId } = res.json();
    await eventually(() => titleOf(alice, conversationId), 'Kyoto Trip');
    await app.parley.runs.get(runId)?.done;

    upstream.enqueue({ status: 500, error: { message: 'upstream exploded' } });
    const failed = await alice.request('POST', `/api/conversations/${conversationId}/title`);
    expect(failed.statusCode, failed.body).toBe(502);
    expect(failed.json().code).toBe('model_error');
    expect(failed.json().error).toMatch(/openai\/gpt-4o-mini could not write a title/);
    expect(failed.body).not.toContain('sk-test');
    expect(await titleOf(alice, conversationId)).toBe('Kyoto Trip');

    // Spend the rest of the day's quota (the demo's replies count), then ask again.
    await app.parley.store.repos.usage.addTokenUsage(alice.userId as string, 1000, new Date());
    const calls = upstream.calls.length;
    const refused = await alice.request('POST', `/api/conversations/${conversationId}/title`);
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.json().code).toBe('quota_exceeded');
    expect(upstream.calls.length).toBe(calls);
  });

  it("an API token's daily budget holds for titles too: spent by them, and refused once used", async () => {
    const { app, store, alice, upstream } = await withFakeOpenAI();
    const made = await alice.request('POST', '/api/tokens', { name: 'script', dailyTokenBudget: 1_000_000 });
    expect(made.statusCode, made.body).toBe(201);
    const script = new Client(app);
    script.bearer = made.json().token;
    upstream.script({ chunks: ['Kyoto Trip'], usage: { inputTokens: 10, outputTokens: 2 } });
    const res = await script.request('POST', '/api/conversations/start', {
      content: 'Plan my trip to Kyoto',
    });
    expect(res.statusCode, res.body).toBe(202);
    const { conversationId, runId } = res.json();
    await app.parley.runs.get(runId)?.done;
    await eventually(() => titleOf(alice, conversationId), 'Kyoto Trip');
    // The background title's 12 tokens count on the token that sent the first message.
    const events = await titleUsage(store);
    expect(events.map((e) => e.api_token_id)).toEqual([made.json().id]);

    // The token's budget used up: a regenerate through it is refused
    // before any model call; the owner's own session is not bound by the token's budget.
    const lowered = await alice.request('PATCH', `/api/tokens/${made.json().id}`, { dailyTokenBudget: 1 });
    expect(lowered.statusCode, lowered.body).toBe(200);
    const calls = upstream.calls.length;
    const refused = await script.request('POST', `/api/conversations/${conversationId}/title`);
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.json().code).toBe('quota_exceeded');
    expect(upstream.calls.length).toBe(calls);
    upstream.script({ chunks: ['Kyoto in Spring'], usage: { inputTokens: 10, outputTokens: 3 } });
    expect((await alice.request('POST', `/api/conversations/${conversationId}/title`)).statusCode).toBe(200);
  });

  it('TITLE_MODEL=off: regenerate puts back the first words and no model is called', async () => {
    const { t, alice } = await start({ TITLE_MODEL: 'off' });
    const res = await alice.request('POST', '/api/conversations/start', { content: 'Soup for ten' });
    const { conversationId, runId } = res.json();
    await t.app.parley.runs.get(runId)?.done;
    await alice.request('PATCH', `/api/conversations/${conversationId}`, { title: 'x' });
    const again = await alice.request('POST', `/api/conversations/${conversationId}/title`);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().title).toBe('Soup for ten');
    expect(await titleUsage(t.store)).toHaveLength(0);
  });
});

describe('TITLE_MODEL at start-up', () => {
  it('an unknown model id stops startup with one line naming the setting', async () => {
    await expect(createTestApp({ env: { TITLE_MODEL: 'openai/gpt-9' } })).rejects.toThrow(
      /^Invalid setting TITLE_MODEL="openai\/gpt-9": expected off or one of demo/,
    );
  });
});
