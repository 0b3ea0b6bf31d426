import { createOpenAI } from '@ai-sdk/openai';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../src/server/ids.js';
import { openStore } from '../src/server/store/database.js';
import { Client } from './helpers/clients.js';
import { storeTargets } from './helpers/databases.js';
import { startFakeOpenAI } from './helpers/fake-providers/openai.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

// The admin console's extras: a user's sessions (list, sign out everywhere) and each model's calls,
// failures and time to first token over time, from the usage events runs and /v1 calls write.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(options: TestAppOptions = {}): Promise<TestApp> {
  const t = await createTestApp({
    ...options,
    env: { AUTH_MODE: 'local', SIGNUP: 'open', RATE_LIMIT_RPM: '100000', ...options.env },
  });
  cleanup.push(() => t.close());
  return t;
}

interface HistoryItem {
  model: string;
  at: string;
  requests: number;
  errors: number;
  errorRate: number | null;
  ttftMsP50: number | null;
}

describe('admin: a user’s sessions', () => {
  it('lists them (no secrets), signs the user out everywhere and closes their open stream; tokens stay', async () => {
    const t = await start();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const base = `http://127.0.0.1:${address.port}`;
    const admin = new Client(t.app);
    await admin.signup('root-admin');
    const bob = new Client(t.app);
    await bob.signup('bob');
    const bobPhone = new Client(t.app);
    bobPhone.adopt(
      await bobPhone.request(
        'POST',
        '/api/auth/login',
        { username: 'bob', password: 'correct horse battery' },
        { 'user-agent': 'PhoneBrowser/1.0' },
      ),
    );
    const token = (await bob.request('POST', '/api/tokens', { name: 'script' })).json().token as string;

    const listed = await admin.request('GET', `/api/admin/users/${bob.userId}/sessions`);
    expect(listed.statusCode).toBe(200);
    const items = listed.json().items as Record<string, unknown>[];
    expect(items).toHaveLength(2);
    expect(items.map((s) => s.userAgent)).toContain('PhoneBrowser/1.0');
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastSeenAt', 'userAgent']);
    }
    const cookies = [bob.cookie, bobPhone.cookie].map((c) => decodeURIComponent(c?.split('=')[1] ?? ''));
    for (const secret of [...cookies, bob.csrfToken, bobPhone.csrfToken]) {
      expect(listed.body).not.toContain(secret);
    }

    // Bob's live events stream, open while the admin signs him out.
    const stream = await fetch(`${base}/api/events`, {
      headers: { cookie: bob.cookie ?? '', accept: 'text/event-stream' },
    });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    if (!reader) throw new Error('no stream body');
    cleanup.push(() => reader.cancel().catch(() => undefined));
    await reader.read();
    const ended = (async () => {
      for (;;) {
        const { done } = await reader.read().catch(() => ({ done: true }));
        if (done) return true;
      }
    })();

    const signedOut = await admin.request('DELETE', `/api/admin/users/${bob.userId}/sessions`);
    expect(signedOut.statusCode).toBe(204);
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000));
    expect(await Promise.race([ended, timeout])).toBe(true);
    expect((await bob.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await bobPhone.request('GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await admin.request('GET', '/api/auth/me')).statusCode).toBe(200);
    const script = new Client(t.app);
    script.bearer = token;
    expect((await script.request('GET', '/api/auth/me')).statusCode).toBe(200);
    expect((await admin.request('GET', `/api/admin/users/${bob.userId}/sessions`)).json().items).toEqual([]);

    // Audited: the admin signed bob out.
    const audit = (await admin.request('GET', `/api/admin/audit?type=sign-out&userId=${bob.userId}`)).json();
    expect(audit.items[0]).toMatchObject({
      type: 'sign-out',
      actorId: admin.userId,
      targetId: bob.userId,
      detail: { everywhere: true, endedSessions: 2 },
    });
    // Bob signs in again as usual.
    expect((await bob.login('bob')).statusCode).toBe(200);
  });

  it('answers 404 for an unknown user', async () => {
    const t = await start();
    const admin = new Client(t.app);
    await admin.signup('root-admin');
    expect((await admin.request('GET', '/api/admin/users/nobody/sessions')).statusCode).toBe(404);
    expect((await admin.request('DELETE', '/api/admin/users/nobody/sessions')).statusCode).toBe(404);
  });
});

describe.each(storeTargets())('admin: model history ($name)', (target) => {
  async function startOn(options: TestAppOptions = {}) {
    const database = await target.create();
    const store = await openStore(database.url);
    cleanup.push(async () => {
      await store.close();
      await database.drop();
    });
    return start({ ...options, store });
  }

  it('counts each model’s runs and /v1 calls and their failures, with the time to first token', async () => {
    const fake = await startFakeOpenAI();
    cleanup.push(() => fake.close());
    fake.script({ status: 500, error: { message: 'upstream exploded', type: 'server_error' } });
    const failing = createOpenAI({ baseURL: fake.baseURL, apiKey: 'sk-test' }).chat('gpt-4o-mini');
    const t = await startOn({ models: [{ id: 'fake/failing', model: failing }] });
    const admin = new Client(t.app);
    await admin.signup('root-admin');
    const script = new Client(t.app);
    script.bearer = (await admin.request('POST', '/api/tokens', { name: 'script' })).json().token;

    const ask = async (model: string) => {
      const conversation = (await admin.request('POST', '/api/conversations', { model })).json();
      const sent = await admin.request('POST', `/api/conversations/${conversation.id}/messages`, {
        content: 'hi',
      });
      expect(sent.statusCode).toBe(202);
      for (let i = 0; i < 250; i++) {
        const items = (await admin.request('GET', `/api/conversations/${conversation.id}/messages`)).json()
          .items as { role: string; status: string }[];
        const reply = items.find((m) => m.role === 'assistant');
        if (reply && reply.status !== 'streaming') return reply.status;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('the reply did not end');
    };
    const v1 = (model: string) =>
      script.request('POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] });

    expect(await ask('demo')).toBe('complete');
    expect(await ask('demo')).toBe('complete');
    for (let i = 0; i < 3; i++) expect(await ask('fake/failing')).toBe('error');
    expect((await v1('demo')).statusCode).toBe(200);
    expect((await v1('fake/failing')).statusCode).toBeGreaterThanOrEqual(500);

    const today = new Date().toISOString().slice(0, 10);
    const res = await admin.request('GET', `/api/admin/models/history?bucket=day&from=${today}&to=${today}`);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { bucket: string; items: HistoryItem[] };
    expect(body.bucket).toBe('day');
    const demo = body.items.find((item) => item.model === 'demo');
    const broken = body.items.find((item) => item.model === 'fake/failing');
    expect(demo).toMatchObject({ at: `${today}T00:00:00.000Z`, requests: 3, errors: 0, errorRate: 0 });
    expect(demo?.ttftMsP50).toEqual(expect.any(Number));
    expect(demo?.ttftMsP50).toBeGreaterThanOrEqual(0);
    // A failed call is counted, with no first token.
    expect(broken).toMatchObject({ requests: 4, errors: 4, errorRate: 1, ttftMsP50: null });

    // Hours add up to the same calls.
    const hours = (await admin.request('GET', '/api/admin/models/history?bucket=hour')).json()
      .items as HistoryItem[];
    const sum = (model: string, key: 'requests' | 'errors') =>
      hours.filter((h) => h.model === model).reduce((total, h) => total + h[key], 0);
    expect([sum('demo', 'requests'), sum('demo', 'errors')]).toEqual([3, 0]);
    expect([sum('fake/failing', 'requests'), sum('fake/failing', 'errors')]).toEqual([4, 4]);
    for (const hour of hours) expect(hour.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/);
  });

  it('buckets known events by hour and day: exact counts, error rates and median first-token times', async () => {
    const t = await startOn();
    const admin = new Client(t.app);
    await admin.signup('root-admin');
    const event = (model: string, at: string, ttft: number | null, failed = false) => ({
      id: newId(),
      user_id: admin.userId as string,
      api_token_id: null,
      model,
      provider: 'test',
      source: 'chat',
      input_tokens: 10,
      output_tokens: failed ? 0 : 5,
      cost_micros: null,
      day: at.slice(0, 10),
      created_at: at,
      ttft_ms: ttft,
      failed: failed ? 1 : 0,
    });
    await t.store.db
      .insertInto('usage_events')
      .values([
        // 2026-03-01 09h: alpha 3 calls (one failed before its first token): median of 100, 300 → 200.
        event('alpha', '2026-03-01T09:05:00.000Z', 300),
        event('alpha', '2026-03-01T09:10:00.000Z', 100),
        event('alpha', '2026-03-01T09:59:59.999Z', null, true),
        // 10h: alpha 3 calls, median of 50, 70, 400 → 70; one failed after its first token.
        event('alpha', '2026-03-01T10:00:00.000Z', 400),
        event('alpha', '2026-03-01T10:30:00.000Z', 50, true),
        event('alpha', '2026-03-01T10:31:00.000Z', 70),
        // beta: 2 failures, no first token.
        event('beta', '2026-03-01T10:45:00.000Z', null, true),
        event('beta', '2026-03-01T10:46:00.000Z', null, true),
        // The next day, outside a one-day range.
        event('alpha', '2026-03-02T00:00:00.000Z', 10),
      ])
      .execute();

    const get = (query: string) => admin.request('GET', `/api/admin/models/history?${query}`);
    const hours = await get('bucket=hour&from=2026-03-01&to=2026-03-01');
    expect(hours.statusCode).toBe(200);
    expect(hours.json()).toEqual({
      bucket: 'hour',
      from: '2026-03-01',
      to: '2026-03-01',
      items: [
        {
          model: 'alpha',
          at: '2026-03-01T09:00:00.000Z',
          requests: 3,
          errors: 1,
          errorRate: 1 / 3,
          ttftMsP50: 200,
        },
        {
          model: 'alpha',
          at: '2026-03-01T10:00:00.000Z',
          requests: 3,
          errors: 1,
          errorRate: 1 / 3,
          ttftMsP50: 70,
        },
        {
          model: 'beta',
          at: '2026-03-01T10:00:00.000Z',
          requests: 2,
          errors: 2,
          errorRate: 1,
          ttftMsP50: null,
        },
      ],
    });

    const days = (await get('bucket=day&from=2026-03-01&to=2026-03-02')).json();
    expect(days.items).toEqual([
      {
        model: 'alpha',
        at: '2026-03-01T00:00:00.000Z',
        requests: 6,
        errors: 2,
        errorRate: 2 / 6,
        ttftMsP50: 100,
      },
      {
        model: 'beta',
        at: '2026-03-01T00:00:00.000Z',
        requests: 2,
        errors: 2,
        errorRate: 1,
        ttftMsP50: null,
      },
      { model: 'alpha', at: '2026-03-02T00:00:00.000Z', requests: 1, errors: 0, errorRate: 0, ttftMsP50: 10 },
    ]);

    const csv = await get('bucket=hour&from=2026-03-01&to=2026-03-01&format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('parley-model-history-2026-03-01-2026-03-01.csv');
    expect(csv.body.split('\r\n')).toEqual([
      'model,at,requests,errors,error_rate,ttft_ms_p50',
      `alpha,2026-03-01T09:00:00.000Z,3,1,${1 / 3},200`,
      `alpha,2026-03-01T10:00:00.000Z,3,1,${1 / 3},70`,
      'beta,2026-03-01T10:00:00.000Z,2,2,1,',
      '',
    ]);

    // A range without calls: no items.
    expect((await get('bucket=day&from=2025-01-01&to=2025-01-31')).json().items).toEqual([]);
  });
});
