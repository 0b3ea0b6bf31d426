import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../src/server/ai/models.js';
import { buildApp } from '../src/server/app.js';
import { parseConfig } from '../src/server/config.js';
import { openStore } from '../src/server/store/database.js';
import { Client } from './helpers/clients.js';
import { storeTargets } from './helpers/databases.js';
import type { FakeServer, RecordedRequest } from './helpers/fake-providers/fake-server.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';

// Per-chat settings (issue 18 item 4): a conversation's temperature and max output tokens, as a
// user of the API sees them (set, cleared, refused out of range, private to their owner), on the
// wire of the model call its replies make, and through an export and import, on SQLite and
// PostgreSQL.

interface Conv {
  id: string;
  model: string;
  systemPrompt: string | null;
  temperature: number | null;
  maxOutputTokens: number | null;
  updatedAt: string;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const MODEL = 'openai/gpt-4o-mini';

describe.each(storeTargets())('chat settings on $name', (target) => {
  /** Parley as main.ts builds it (settings → registry → app), with OpenAI at a fake server. */
  async function start() {
    const db = await target.create();
    cleanup.push(() => db.drop());
    const fake = await startFakeOpenAI();
    cleanup.push(() => fake.close());
    const env = {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
      DEMO_DELAY_MS: '0',
      SHUTDOWN_GRACE_MS: '100',
      AUTH_MODE: 'local',
      SIGNUP: 'open',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_MODELS: 'gpt-4o-mini',
      // Titles off: a title call to the same fake server would interleave with the replies' calls.
      TITLE_MODEL: 'off',
    };
    const config = parseConfig(env);
    const logger = pino({ level: 'silent' });
    const models = await createModelRegistry(config, { logger, env });
    const store = await openStore(config.databaseUrl);
    const app = await buildApp({ config, store, models, logger });
    cleanup.push(async () => {
      await app.close();
      await store.close();
    });
    const alice = new Client(app);
    await alice.signup('alice');
    return { app, fake, alice };
  }

  async function create(client: Client, body: object = {}): Promise<Conv> {
    const res = await client.request('POST', '/api/conversations', { model: MODEL, ...body });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }

  const get = async (client: Client, id: string): Promise<Conv> =>
    (await client.request('GET', `/api/conversations/${id}`)).json();

  /** A reply through the public API; the model call it made. */
  async function reply(client: Client, fake: FakeServer, id: string): Promise<RecordedRequest> {
    const calls = fake.calls.length;
    const res = await client.request('POST', `/api/conversations/${id}/messages`, { content: 'Hello' });
    expect(res.statusCode, res.body).toBe(202);
    const call = await fake.waitForCall(calls + 1);
    const messageId = res.json().assistantMessage.id as string;
    for (let i = 0; i < 200; i++) {
      const items = (await client.request('GET', `/api/conversations/${id}/messages`)).json().items as {
        id: string;
        status: string;
      }[];
      if (items.find((m) => m.id === messageId)?.status === 'complete') return call;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the reply did not complete');
  }

  it('PATCH sets and clears temperature and max output tokens; a new conversation has none', async () => {
    const { alice } = await start();
    const conv = await create(alice);
    expect(conv).toMatchObject({ temperature: null, maxOutputTokens: null });

    const set = await alice.request('PATCH', `/api/conversations/${conv.id}`, {
      temperature: 0.7,
      maxOutputTokens: 1234,
      systemPrompt: 'Be brief.',
    });
    expect(set.statusCode, set.body).toBe(200);
    // 0.7 exactly (a 4-byte float would read back 0.699999988 on PostgreSQL).
    expect(set.json()).toMatchObject({ temperature: 0.7, maxOutputTokens: 1234, systemPrompt: 'Be brief.' });
    expect(await get(alice, conv.id)).toMatchObject({ temperature: 0.7, maxOutputTokens: 1234 });
    // The list shows them too, and a settings change is activity (like a system prompt change).
    const listed = (await alice.request('GET', '/api/conversations')).json().items[0];
    expect(listed).toMatchObject({ id: conv.id, temperature: 0.7, maxOutputTokens: 1234 });
    expect(set.json().updatedAt >= conv.updatedAt).toBe(true);

    // The edges are allowed.
    for (const [temperature, maxOutputTokens] of [
      [0, 1],
      [2, 100_000],
    ]) {
      const edge = await alice.request('PATCH', `/api/conversations/${conv.id}`, {
        temperature,
        maxOutputTokens,
      });
      expect(edge.statusCode, edge.body).toBe(200);
      expect(edge.json()).toMatchObject({ temperature, maxOutputTokens });
    }

    // One at a time: the other stays.
    const onlyTemp = await alice.request('PATCH', `/api/conversations/${conv.id}`, { temperature: null });
    expect(onlyTemp.json()).toMatchObject({ temperature: null, maxOutputTokens: 100_000 });
    const cleared = await alice.request('PATCH', `/api/conversations/${conv.id}`, { maxOutputTokens: null });
    expect(cleared.json()).toMatchObject({ temperature: null, maxOutputTokens: null });
    expect(await get(alice, conv.id)).toMatchObject({ temperature: null, maxOutputTokens: null });

    // POST sets them at creation.
    const made = await create(alice, { temperature: 1.25, maxOutputTokens: 64 });
    expect(made).toMatchObject({ temperature: 1.25, maxOutputTokens: 64 });
    expect(await get(alice, made.id)).toMatchObject({ temperature: 1.25, maxOutputTokens: 64 });
  });

  it('out of range is a 400 naming the field, and nothing changes', async () => {
    const { alice } = await start();
    const conv = await create(alice, { temperature: 0.5, maxOutputTokens: 500 });
    const bad: [object, string][] = [
      [{ temperature: -0.1 }, 'temperature'],
      [{ temperature: 2.01 }, 'temperature'],
      [{ temperature: '1' }, 'temperature'],
      [{ maxOutputTokens: 0 }, 'maxOutputTokens'],
      [{ maxOutputTokens: 100_001 }, 'maxOutputTokens'],
      [{ maxOutputTokens: 12.5 }, 'maxOutputTokens'],
      [{ maxOutputTokens: -3 }, 'maxOutputTokens'],
      // Bigger than the demo model's context window (8192): refused for that model.
      [{ model: 'demo', maxOutputTokens: 9000 }, 'maxOutputTokens'],
      // A valid change alongside a bad one changes nothing either.
      [{ systemPrompt: 'changed', temperature: 3 }, 'temperature'],
    ];
    for (const [body, field] of bad) {
      const res = await alice.request('PATCH', `/api/conversations/${conv.id}`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().code).toBe('validation_error');
      expect(res.json().error).toContain(field);
      const created = await alice.request('POST', '/api/conversations', { model: MODEL, ...body });
      expect(created.statusCode, JSON.stringify(body)).toBe(400);
    }
    const after = await get(alice, conv.id);
    expect(after).toMatchObject({ temperature: 0.5, maxOutputTokens: 500, systemPrompt: null, model: MODEL });
    expect(after.updatedAt).toBe(conv.updatedAt);
    // Within the demo model's window it is fine.
    const demo = await alice.request('PATCH', `/api/conversations/${conv.id}`, {
      model: 'demo',
      maxOutputTokens: 8192,
    });
    expect(demo.statusCode, demo.body).toBe(200);
    // Only the two conversations asked for exist: the refused POSTs created none.
    expect((await alice.request('GET', '/api/conversations')).json().items).toHaveLength(1);
  });

  it('another user cannot read or change them (404, never 403); anonymous is 401', async () => {
    const { app, alice } = await start();
    const conv = await create(alice, { temperature: 0.2, maxOutputTokens: 100 });
    const bob = new Client(app);
    await bob.signup('bob');
    const patch = await bob.request('PATCH', `/api/conversations/${conv.id}`, { temperature: 1.9 });
    expect(patch.statusCode).toBe(404);
    expect(patch.json().code).toBe('not_found');
    expect((await bob.request('GET', `/api/conversations/${conv.id}`)).statusCode).toBe(404);
    expect((await bob.request('GET', `/api/conversations/${conv.id}/export?format=json`)).statusCode).toBe(
      404,
    );
    const anonymous = new Client(app);
    expect(
      (await anonymous.request('PATCH', `/api/conversations/${conv.id}`, { maxOutputTokens: 5 })).statusCode,
    ).toBe(401);
    expect(await get(alice, conv.id)).toMatchObject({ temperature: 0.2, maxOutputTokens: 100 });
  });

  it('a reply sends them on the wire, and omits them when unset', async () => {
    const { fake, alice } = await start();
    const conv = await create(alice, { systemPrompt: 'Answer in French.' });

    const plain = await reply(alice, fake, conv.id);
    expect(plain.body.model).toBe('gpt-4o-mini');
    expect(plain.body).not.toHaveProperty('temperature');
    expect(plain.body).not.toHaveProperty('max_tokens');
    expect(plain.body).not.toHaveProperty('max_completion_tokens');

    await alice.request('PATCH', `/api/conversations/${conv.id}`, { temperature: 0.3, maxOutputTokens: 321 });
    const tuned = await reply(alice, fake, conv.id);
    expect(tuned.body.temperature).toBe(0.3);
    expect(tuned.body.max_tokens).toBe(321);
    expect(tuned.body.messages[0]).toEqual({ role: 'system', content: 'Answer in French.' });

    // A regenerated reply uses the settings as they are now.
    await alice.request('PATCH', `/api/conversations/${conv.id}`, { temperature: 0, maxOutputTokens: null });
    const messages = (await alice.request('GET', `/api/conversations/${conv.id}/messages`)).json().items as {
      id: string;
      role: string;
    }[];
    const last = messages.filter((m) => m.role === 'assistant').at(-1) as { id: string };
    const calls = fake.calls.length;
    const regen = await alice.request('POST', `/api/messages/${last.id}/regenerate`, {});
    expect(regen.statusCode, regen.body).toBe(202);
    const again = await fake.waitForCall(calls + 1);
    expect(again.body.temperature).toBe(0);
    expect(again.body).not.toHaveProperty('max_tokens');
  });

  it('export and import keep them (JSON round trip); the markdown names them', async () => {
    const { alice } = await start();
    const conv = await create(alice, { temperature: 0.9, maxOutputTokens: 2048, systemPrompt: 'Rhyme.' });
    const exported = await alice.request('GET', `/api/conversations/${conv.id}/export?format=json`);
    expect(exported.statusCode).toBe(200);
    const file = exported.json();
    expect(file.conversation).toMatchObject({
      temperature: 0.9,
      maxOutputTokens: 2048,
      systemPrompt: 'Rhyme.',
    });

    const markdown = await alice.request('GET', `/api/conversations/${conv.id}/export?format=markdown`);
    expect(markdown.body).toContain('**Settings:** temperature 0.9 · max output tokens 2048');

    const imported = await alice.request('POST', '/api/conversations/import', file);
    expect(imported.statusCode, imported.body).toBe(201);
    const [copy] = imported.json().imported as { id: string }[];
    expect(await get(alice, (copy as { id: string }).id)).toMatchObject({
      temperature: 0.9,
      maxOutputTokens: 2048,
      systemPrompt: 'Rhyme.',
    });

    // An export without them (older Parley) imports with none.
    const { temperature: _t, maxOutputTokens: _m, ...older } = file.conversation;
    const legacy = await alice.request('POST', '/api/conversations/import', { ...file, conversation: older });
    expect(legacy.statusCode, legacy.body).toBe(201);
    const legacyId = legacy.json().imported[0].id as string;
    expect(await get(alice, legacyId)).toMatchObject({ temperature: null, maxOutputTokens: null });

    // Out of range in a file: refused whole, naming the place.
    const before = (await alice.request('GET', '/api/conversations?limit=200')).json().items.length;
    const refused = await alice.request('POST', '/api/conversations/import', {
      ...file,
      conversation: { ...file.conversation, temperature: 7 },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'validation_error' });
    expect(refused.json().error).toContain('temperature');
    expect((await alice.request('GET', '/api/conversations?limit=200')).json().items).toHaveLength(before);
  });
});
