import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, tableCounts } from './helpers/test-app.js';

// Every kind of bad input gets its 4xx with {"error", "code"} and leaves the store as it was.

let t: TestApp;
afterEach(async () => t?.close());

async function setup() {
  t = await createTestApp();
  const created = await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} });
  const conversationId = created.json().id as string;
  const sent = await t.app.inject({
    method: 'POST',
    url: `/api/conversations/${conversationId}/messages`,
    payload: { content: 'hello' },
  });
  const assistantId = sent.json().assistantMessage.id as string;
  await t.app.parley.runs.get(sent.json().runId)?.done;
  return { conversationId, assistantId };
}

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  payload?: string | object;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

describe('bad input', () => {
  it('gets a clear 4xx JSON error and changes nothing', async () => {
    const { conversationId: c, assistantId: a } = await setup();
    const cases: Case[] = [
      {
        name: 'malformed JSON',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: '{"content": "hi"',
        headers: { 'content-type': 'application/json' },
        status: 400,
        code: 'invalid_json',
      },
      {
        name: 'empty JSON body',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: '',
        headers: { 'content-type': 'application/json' },
        status: 400,
        code: 'invalid_json',
      },
      {
        name: 'unsupported media type',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: 'content=hi',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'text/plain body',
        method: 'POST',
        url: '/api/conversations',
        payload: 'hello',
        headers: { 'content-type': 'text/plain' },
        status: 415,
        code: 'unsupported_media_type',
      },
      {
        name: 'body over the limit',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: JSON.stringify({ content: 'x'.repeat(2 * 1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
        status: 413,
        code: 'payload_too_large',
      },
      {
        name: 'message over 100,000 characters',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: { content: 'x'.repeat(100_001) },
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'blank message',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: { content: '  \n ' },
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'content of the wrong type',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: { content: 42 },
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'missing content',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: { text: 'hi' },
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'unknown model',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: { content: 'hi', model: 'gpt-99' },
        status: 400,
        code: 'unknown_model',
      },
      {
        name: 'parent from nowhere',
        method: 'POST',
        url: `/api/conversations/${c}/messages`,
        payload: { content: 'hi', parentId: 'no-such-message' },
        status: 404,
        code: 'not_found',
      },
      {
        name: 'unknown conversation',
        method: 'POST',
        url: '/api/conversations/nope/messages',
        payload: { content: 'hi' },
        status: 404,
        code: 'not_found',
      },
      {
        name: 'unknown conversation (GET)',
        method: 'GET',
        url: '/api/conversations/nope',
        status: 404,
        code: 'not_found',
      },
      {
        name: 'unknown conversation (DELETE)',
        method: 'DELETE',
        url: '/api/conversations/nope',
        status: 404,
        code: 'not_found',
      },
      {
        name: 'unknown conversation (stream)',
        method: 'GET',
        url: '/api/conversations/nope/stream',
        status: 404,
        code: 'not_found',
      },
      {
        name: 'unknown conversation (stop)',
        method: 'POST',
        url: '/api/conversations/nope/stop',
        status: 404,
        code: 'not_found',
      },
      {
        name: 'unknown message (regenerate)',
        method: 'POST',
        url: '/api/messages/nope/regenerate',
        status: 404,
        code: 'not_found',
      },
      {
        name: 'unknown message (continue)',
        method: 'POST',
        url: '/api/messages/nope/continue',
        status: 404,
        code: 'not_found',
      },
      {
        name: 'continue a complete reply',
        method: 'POST',
        url: `/api/messages/${a}/continue`,
        status: 409,
        code: 'not_continuable',
      },
      { name: 'unknown route', method: 'GET', url: '/api/nothing-here', status: 404, code: 'not_found' },
      { name: 'wrong method', method: 'DELETE', url: '/chat/history', status: 404, code: 'not_found' },
      {
        name: 'bad page size',
        method: 'GET',
        url: '/api/conversations?limit=0',
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'bad cursor',
        method: 'GET',
        url: '/api/conversations?cursor=garbage',
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'bad resume point',
        method: 'GET',
        url: `/api/conversations/${c}/stream`,
        headers: { 'last-event-id': 'abc' },
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'empty patch',
        method: 'PATCH',
        url: `/api/conversations/${c}`,
        payload: {},
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'unknown field in patch',
        method: 'PATCH',
        url: `/api/conversations/${c}`,
        payload: { owner: 'someone-else' },
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'title too long',
        method: 'PATCH',
        url: `/api/conversations/${c}`,
        payload: { title: 't'.repeat(201) },
        status: 400,
        code: 'validation_error',
      },
      {
        name: 'create with unknown model',
        method: 'POST',
        url: '/api/conversations',
        payload: { model: 'nope' },
        status: 400,
        code: 'unknown_model',
      },
    ];

    const before = await tableCounts(t.store);
    const conversationBefore = (await t.app.inject({ method: 'GET', url: `/api/conversations/${c}` })).json();
    for (const testCase of cases) {
      const res = await t.app.inject({
        method: testCase.method,
        url: testCase.url,
        payload: testCase.payload as never,
        headers: testCase.headers,
      });
      expect(res.statusCode, testCase.name).toBe(testCase.status);
      const body = res.json();
      expect(body.code, testCase.name).toBe(testCase.code);
      expect(typeof body.error, testCase.name).toBe('string');
      expect(body.error.length, testCase.name).toBeGreaterThan(5);
      expect(Object.keys(body).sort(), testCase.name).toEqual(['code', 'error']);
    }
    expect(await tableCounts(t.store)).toEqual(before);
    expect((await t.app.inject({ method: 'GET', url: `/api/conversations/${c}` })).json()).toEqual(
      conversationBefore,
    );
  });

  it('never leaks a server error message for a client mistake', async () => {
    t = await createTestApp();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/conversations',
      payload: '{"__proto__": {"polluted": true}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBeLessThan(500);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
