import { afterEach, describe, expect, it } from 'vitest';
import { demoReply } from '../src/server/ai/demo-model.js';
import { createTestApp, type TestApp, tableCounts } from './helpers/test-app.js';

// The original Flask app's tests, kept as the contract: same routes, codes and error strings.
describe('seed contract', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('serves the home page', async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('<title>Parley</title>');
  });

  it('answers a valid message with 200 and status success', async () => {
    t = await createTestApp();
    const res = await t.app.inject({
      method: 'POST',
      url: '/chat/message',
      payload: { message: 'Hello, AI!' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.response).toBe(demoReply('Hello, AI!'));
  });

  it('rejects an empty object, a missing or non-string message, and non-JSON, changing nothing', async () => {
    t = await createTestApp();
    const before = await tableCounts(t.store);
    const bodies = [
      { payload: {} },
      { payload: { text: 'hi' } },
      { payload: { message: 42 } },
      { payload: [1, 2] },
      { payload: 'not json', headers: { 'content-type': 'application/json' } },
      { payload: 'message=hi', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      // Flask's get_json() reads only bodies sent as JSON: a JSON text sent as text/plain (what a
      // cross-site form or no-cors fetch can send) is not one.
      { payload: '{"message":"hi"}', headers: { 'content-type': 'text/plain' } },
      { payload: '{"message":"hi"}' },
      { payload: '' },
    ];
    for (const { payload, headers } of bodies) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/chat/message',
        payload: payload as never,
        headers,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json()).toEqual({ error: 'Invalid request format' });
    }
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('accepts JSON sent as application/json with parameters or as application/*+json', async () => {
    t = await createTestApp();
    for (const type of ['application/json; charset=utf-8', 'application/vnd.api+json']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/chat/message',
        headers: { 'content-type': type },
        payload: JSON.stringify({ message: 'Hello, AI!' }),
      });
      expect(res.statusCode, type).toBe(200);
    }
  });

  it('with accounts (AUTH_MODE=local, GUEST_ACCESS=off) answers 401 in the API error shape without a login', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    const before = await tableCounts(t.store);
    for (const res of [
      await t.app.inject({ method: 'POST', url: '/chat/message', payload: { message: 'hi' } }),
      await t.app.inject({ method: 'GET', url: '/chat/history' }),
    ]) {
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: expect.any(String), code: 'unauthorized' });
    }
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('rejects blank messages with the exact error string', async () => {
    t = await createTestApp();
    const before = await tableCounts(t.store);
    for (const message of ['', '   ', '\n\t ']) {
      const res = await t.app.inject({ method: 'POST', url: '/chat/message', payload: { message } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'Message cannot be empty' });
    }
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('lists history as User then AI with ISO 8601 UTC timestamps, oldest first', async () => {
    t = await createTestApp();
    expect((await t.app.inject({ method: 'GET', url: '/chat/history' })).json()).toEqual([]);
    await t.app.inject({ method: 'POST', url: '/chat/message', payload: { message: 'first' } });
    await t.app.inject({ method: 'POST', url: '/chat/message', payload: { message: 'second' } });
    const res = await t.app.inject({ method: 'GET', url: '/chat/history' });
    expect(res.statusCode).toBe(200);
    const history = res.json() as { user: string; message: string; timestamp: string }[];
    expect(history.map((entry) => [entry.user, entry.message])).toEqual([
      ['User', 'first'],
      ['AI', demoReply('first')],
      ['User', 'second'],
      ['AI', demoReply('second')],
    ]);
    for (const entry of history) {
      expect(Object.keys(entry).sort()).toEqual(['message', 'timestamp', 'user']);
      expect(entry.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(new Date(entry.timestamp).toISOString()).toBe(entry.timestamp);
    }
  });

  it('keeps at most MAX_MESSAGES entries, the newest', async () => {
    t = await createTestApp({ env: { MAX_MESSAGES: '3' } });
    for (const message of ['one', 'two', 'three']) {
      await t.app.inject({ method: 'POST', url: '/chat/message', payload: { message } });
    }
    const history = (await t.app.inject({ method: 'GET', url: '/chat/history' })).json() as {
      message: string;
    }[];
    expect(history.map((entry) => entry.message)).toEqual([demoReply('two'), 'three', demoReply('three')]);
  });

  it('accepts concurrent messages and loses none', async () => {
    t = await createTestApp();
    const messages = Array.from({ length: 8 }, (_, i) => `question ${i}`);
    const results = await Promise.all(
      messages.map((message) => t.app.inject({ method: 'POST', url: '/chat/message', payload: { message } })),
    );
    expect(results.map((res) => res.statusCode)).toEqual(messages.map(() => 200));
    const history = (await t.app.inject({ method: 'GET', url: '/chat/history' })).json() as {
      user: string;
      message: string;
    }[];
    expect(
      history
        .filter((entry) => entry.user === 'User')
        .map((entry) => entry.message)
        .sort(),
    ).toEqual([...messages].sort());
    expect(history.filter((entry) => entry.user === 'AI')).toHaveLength(8);
  });
});
