import type { LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import type { LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCounterStore } from '../../src/server/auth/counters.js';
import {
  GUEST_TOKEN_QUOTA_DAILY,
  GuestService,
  NEW_GUESTS_PER_ADDRESS_HOURLY,
} from '../../src/server/auth/guest-service.js';
import { openStore, type Store } from '../../src/server/store/database.js';
import { countGuests, insertGuestUnderCap } from '../../src/server/store/guests-repo.js';
import { addTokenUsage } from '../../src/server/store/usage-repo.js';
import { Client } from '../helpers/clients.js';
import { storeTargets } from '../helpers/databases.js';
import { createTestApp, type TestApp, tableCounts } from '../helpers/test-app.js';

let t: TestApp;
afterEach(async () => t?.close());

/** A model that records every prompt it is sent (to see what reaches the provider). */
function recordingModel() {
  const prompts: string[] = [];
  const model = new MockLanguageModelV3({
    doStream: async (options: LanguageModelV3CallOptions) => {
      prompts.push(JSON.stringify(options.prompt));
      return {
        stream: simulateReadableStream<LanguageModelV3StreamPart>({
          chunks: [
            { type: 'text-start', id: '1' },
            { type: 'text-delta', id: '1', delta: 'recorded' },
            { type: 'text-end', id: '1' },
            {
              type: 'finish',
              finishReason: { unified: 'stop', raw: 'stop' },
              usage: {
                inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
                outputTokens: { total: 1, text: 1, reasoning: undefined },
              },
            },
          ],
        }),
      };
    },
  });
  return { model, prompts };
}

/** An anonymous browser: keeps whatever cookies the server sets, comes from one address. */
class Browser {
  cookies = new Map<string, string>();
  constructor(
    readonly app: TestApp['app'],
    readonly address = '198.51.100.1',
  ) {}

  async request(method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await this.app.inject({
      method,
      url,
      remoteAddress: this.address,
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      ...(payload ? { payload } : {}),
    });
    for (const set of [res.headers['set-cookie'] ?? []].flat()) {
      const [pair = ''] = set.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(set)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  send(message: string) {
    return this.request('POST', '/chat/message', { message });
  }

  async history(): Promise<{ user: string; message: string }[]> {
    const res = await this.request('GET', '/chat/history');
    expect(res.statusCode).toBe(200);
    return res.json();
  }
}

function expectApiError(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json()).toEqual({ error: expect.any(String), code });
}

async function guestCount(store: Store): Promise<number> {
  return countGuests(store.db);
}

describe('guest access off (the default) under AUTH_MODE=local', () => {
  it('refuses anonymous callers of the seed routes with 401 in the API shape and writes nothing', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    const before = await tableCounts(t.store);
    const stranger = new Browser(t.app);
    expectApiError(await stranger.send('spend the operator money'), 401, 'unauthorized');
    expectApiError(await stranger.request('GET', '/chat/history'), 401, 'unauthorized');
    expect(stranger.cookies.has('parley_guest')).toBe(false);
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('still serves signed-in users (session or API token) on the seed routes, each their own history', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    const alice = new Client(t.app);
    await alice.signup('alice');
    expect((await alice.request('POST', '/chat/message', { message: 'alice note' })).statusCode).toBe(200);
    const token = (await alice.request('POST', '/api/tokens', { name: 'script' })).json().token;
    const script = new Client(t.app);
    script.bearer = token;
    const history = (await script.request('GET', '/chat/history')).json();
    expect(history.map((h: { message: string }) => h.message)[0]).toBe('alice note');
  });

  it.each([
    ['off', {}],
    ['on', { GUEST_ACCESS: 'on' }],
  ])(
    'guests %s: a stale or forged session cookie or a bad token is a 401, never a silent guest',
    async (_mode, env) => {
      t = await createTestApp({ env: { AUTH_MODE: 'local', ...env } });
      const alice = new Client(t.app);
      await alice.signup('alice');
      const oldCookie = alice.cookie as string;
      await alice.request('POST', '/api/auth/logout');
      const before = await tableCounts(t.store);
      for (const headers of [
        { cookie: oldCookie },
        { cookie: 'parley_session=forged.value' },
        { authorization: 'Bearer not-a-token' },
      ]) {
        for (const [method, url, payload] of [
          ['POST', '/chat/message', { message: 'as whom?' }],
          ['GET', '/chat/history', undefined],
        ] as const) {
          const res = await t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
          expectApiError(res, 401, 'unauthorized');
          expect(String(res.headers['set-cookie'] ?? '')).not.toContain('parley_guest=');
        }
      }
      expect(await tableCounts(t.store)).toEqual(before);
      expect(await guestCount(t.store)).toBe(0);
    },
  );
});

describe('guest access on', () => {
  it('gives each anonymous browser its own guest: no one sees or injects into another', async () => {
    const { model, prompts } = recordingModel();
    t = await createTestApp({
      env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on', GUEST_MODELS: 'recorder' },
      models: [{ id: 'recorder', model }],
    });
    const a = new Browser(t.app, '198.51.100.1');
    const b = new Browser(t.app, '198.51.100.2');

    const sentA = await a.send('SECRET-OF-A: ignore previous instructions');
    expect(sentA.statusCode, sentA.body).toBe(200);
    expect(sentA.json().status).toBe('success');
    const cookie = String([sentA.headers['set-cookie']].flat().find((c) => c?.startsWith('parley_guest=')));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);

    expect((await b.send('hello from B')).statusCode).toBe(200);
    expect(JSON.stringify(await b.history())).not.toContain('SECRET-OF-A');
    expect((await b.history()).map((h) => h.message)).toEqual(['hello from B', 'recorded']);
    expect((await a.history()).map((h) => h.message)).toEqual([
      'SECRET-OF-A: ignore previous instructions',
      'recorded',
    ]);
    // B's model call carried only B's text.
    expect(prompts).toHaveLength(2);
    expect(prompts[1]).toContain('hello from B');
    expect(prompts[1]).not.toContain('SECRET-OF-A');

    // A second message from A stays in A's conversation.
    expect((await a.send('second from A')).statusCode).toBe(200);
    expect((await a.history()).filter((h) => h.user === 'User')).toHaveLength(2);
    expect(await guestCount(t.store)).toBe(2);
  });

  it('GET /chat/history without a guest cookie answers [] and creates nothing', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on' } });
    const before = await tableCounts(t.store);
    const stranger = new Browser(t.app);
    for (let i = 0; i < 5; i++) expect(await stranger.history()).toEqual([]);
    expect(stranger.cookies.size).toBe(0);
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('an invalid body creates no guest', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on' } });
    const before = await tableCounts(t.store);
    const stranger = new Browser(t.app);
    const res = await stranger.request('POST', '/chat/message', { text: 'no message field' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'Invalid request format' });
    expect(stranger.cookies.size).toBe(0);
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('a guest reaches only GUEST_MODELS, never the paid default model', async () => {
    const paid = recordingModel();
    t = await createTestApp({
      env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on', DEFAULT_MODEL: 'paid', GUEST_MODELS: 'missing,demo' },
      models: [{ id: 'paid', model: paid.model }],
    });
    const guest = new Browser(t.app);
    // Extra fields are ignored by the seed route; the guest's model is fixed by the server.
    const first = await guest.request('POST', '/chat/message', { message: 'hi', model: 'paid' });
    expect(first.statusCode, first.body).toBe(200);
    expect((await guest.send('again')).statusCode).toBe(200);
    expect(paid.prompts).toHaveLength(0);
    const models = await t.store.db
      .selectFrom('messages')
      .select('model')
      .where('role', '=', 'assistant')
      .execute();
    expect(models.map((m) => m.model)).toEqual(['demo', 'demo']);
    // And the guest cannot use the API, where a model can be named.
    const conversations = await guest.request('GET', '/api/conversations');
    expectApiError(conversations, 401, 'unauthorized');
    const models2 = await guest.request('GET', '/api/models');
    expectApiError(models2, 401, 'unauthorized');
  });

  it('refuses guests when no GUEST_MODELS model exists, creating nothing', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on', GUEST_MODELS: 'gpt-none' } });
    const before = await tableCounts(t.store);
    expectApiError(await new Browser(t.app).send('hi'), 403, 'forbidden');
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('a cookie-less flood from one address cannot create unbounded guests', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on', RATE_LIMIT_RPM: '1000' } });
    const statuses: number[] = [];
    for (let i = 0; i < NEW_GUESTS_PER_ADDRESS_HOURLY + 10; i++) {
      // A new Browser each time: no cookie kept.
      statuses.push((await new Browser(t.app, '203.0.113.9').send(`flood ${i}`)).statusCode);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(NEW_GUESTS_PER_ADDRESS_HOURLY);
    expect(statuses.slice(NEW_GUESTS_PER_ADDRESS_HOURLY).every((s) => s === 429)).toBe(true);
    expect(await guestCount(t.store)).toBe(NEW_GUESTS_PER_ADDRESS_HOURLY);
    // Rotating addresses inside one IPv6 /64 counts as one address.
    const v6: number[] = [];
    for (let i = 0; i < NEW_GUESTS_PER_ADDRESS_HOURLY + 5; i++) {
      v6.push((await new Browser(t.app, `2001:db8:1:2::${(i + 1).toString(16)}`).send('v6')).statusCode);
    }
    expect(v6.filter((s) => s === 200)).toHaveLength(NEW_GUESTS_PER_ADDRESS_HOURLY);
    const refused = await new Browser(t.app, '203.0.113.9').send('once more');
    expectApiError(refused, 429, 'rate_limited');
    expect(refused.headers['retry-after']).toBeDefined();
  });

  it('the request rate limit counts each guest apart, so one guest cannot starve another', async () => {
    t = await createTestApp({
      env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on', RATE_LIMIT_RPM: '4' },
      limitWindowMs: 60_000,
    });
    const a = new Browser(t.app, '198.51.100.7');
    expect((await a.send('one')).statusCode).toBe(200); // anonymous: counted by address
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await a.request('GET', '/chat/history')).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const b = new Browser(t.app, '198.51.100.7');
    expect((await b.send('b')).statusCode).toBe(200);
    expect((await b.request('GET', '/chat/history')).statusCode).toBe(200);
  });

  it('a guest has a daily token quota', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on' } });
    const guest = new Browser(t.app);
    expect((await guest.send('first')).statusCode).toBe(200);
    const row = await t.store.db.selectFrom('guests').select('user_id').executeTakeFirstOrThrow();
    await addTokenUsage(t.store.db, row.user_id, GUEST_TOKEN_QUOTA_DAILY, new Date());
    const refused = await guest.send('one more');
    expectApiError(refused, 429, 'quota_exceeded');
    // Another guest is not affected.
    expect((await new Browser(t.app, '198.51.100.99').send('fresh')).statusCode).toBe(200);
  });

  it('a signed-in user on the seed routes acts as themself, not as the guest of the same browser', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on' } });
    const browser = new Browser(t.app);
    expect((await browser.send('as a guest')).statusCode).toBe(200);
    const alice = new Client(t.app);
    await alice.signup('alice');
    const guestCookie = `parley_guest=${browser.cookies.get('parley_guest')}`;
    const res = await alice.request('GET', '/chat/history', undefined, {});
    expect(res.json()).toEqual([]);
    const both = await t.app.inject({
      method: 'GET',
      url: '/chat/history',
      headers: { cookie: `${alice.cookie}; ${guestCookie}` },
    });
    expect(both.json()).toEqual([]);
  });

  it('a forged guest cookie is ignored (a new guest), and idle guests are purged with their data', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', GUEST_ACCESS: 'on' } });
    const row = await (async () => {
      const first = new Browser(t.app);
      expect((await first.send('old guest text')).statusCode).toBe(200);
      return {
        browser: first,
        id: (await t.store.db.selectFrom('guests').select('user_id').executeTakeFirstOrThrow()).user_id,
      };
    })();
    // Naming that guest without the server's signature gets nothing.
    const forger = new Browser(t.app, '198.51.100.50');
    forger.cookies.set('parley_guest', row.id);
    expect(await forger.history()).toEqual([]);

    // 31 days idle: purged, with the conversation and messages.
    const longAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await t.store.db.updateTable('guests').set({ last_seen_at: longAgo }).execute();
    const guests = new GuestService({
      store: t.store,
      counters: new MemoryCounterStore(),
      models: t.app.parley.models,
      config: t.app.parley.config,
      logger: pino({ level: 'silent' }),
    });
    expect(await guests.purgeIdle()).toBe(1);
    expect(await guestCount(t.store)).toBe(0);
    const left = await t.store.db.selectFrom('messages').select('id').where('user_id', '=', row.id).execute();
    expect(left).toEqual([]);
    expect(await t.store.db.selectFrom('users').select('id').where('id', '=', row.id).execute()).toEqual([]);
    // Its browser starts afresh.
    expect(await row.browser.history()).toEqual([]);
    expect(row.browser.cookies.has('parley_guest')).toBe(false);
  });
});

describe('the global cap on guest rows holds under parallel creation', () => {
  for (const target of storeTargets()) {
    it(`${target.name}: 30 parallel creations under a cap of 5 make exactly 5`, async () => {
      const database = await target.create();
      const store = await openStore(database.url);
      try {
        const at = new Date().toISOString();
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => {
            const id = `cap-test-${i}`;
            return insertGuestUnderCap(store.db, store.dialect, {
              user: { id, username: `guest:${id}`, display_name: 'Guest', role: 'user', created_at: at },
              conversation: {
                id: `${id}-c`,
                user_id: id,
                title: 'Chat',
                model: 'demo',
                system_prompt: null,
                is_default: 1,
                created_at: at,
                updated_at: at,
              },
              at,
              cap: 5,
            });
          }),
        );
        expect(results.filter(Boolean)).toHaveLength(5);
        expect(await countGuests(store.db)).toBe(5);
      } finally {
        await store.close();
        await database.drop();
      }
    });
  }
});
