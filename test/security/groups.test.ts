import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoModel } from '../../src/server/ai/demo-model.js';
import { GUEST_USER_ID } from '../../src/server/auth/builtin-users.js';
import { Client } from '../helpers/clients.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Groups from the attacker's side: nobody but an admin reads or changes a group or its members,
 * a member cannot step outside their groups' models (chat, /v1, an old conversation, the seed
 * route), and bad input to the admin routes changes nothing.
 */

let t: TestApp;
let admin: Client;
let mallory: Client;
let groupId: string;

const routes = (
  id: string,
  userId: string,
): [method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, body?: object][] => [
  ['GET', '/api/admin/groups'],
  ['POST', '/api/admin/groups', { name: 'mine' }],
  ['PATCH', `/api/admin/groups/${id}`, { models: null }],
  ['DELETE', `/api/admin/groups/${id}`],
  ['GET', `/api/admin/groups/${id}/members`],
  ['PUT', `/api/admin/groups/${id}/members/${userId}`],
  ['DELETE', `/api/admin/groups/${id}/members/${userId}`],
];

async function snapshot() {
  const groups = (await admin.request('GET', '/api/admin/groups')).json();
  const members = (await admin.request('GET', `/api/admin/groups/${groupId}/members`)).json();
  return JSON.stringify({ groups, members });
}

beforeAll(async () => {
  t = await createTestApp({
    env: { AUTH_MODE: 'local', SIGNUP: 'open' },
    models: [{ id: 'premium', model: createDemoModel({ delayMs: 0 }) }],
  });
  admin = new Client(t.app);
  await admin.signup('boss');
  mallory = new Client(t.app);
  await mallory.signup('mallory');
  const created = await admin.request('POST', '/api/admin/groups', { name: 'Restricted', models: ['demo'] });
  groupId = created.json().id;
  await admin.request('PUT', `/api/admin/groups/${groupId}/members/${mallory.userId}`);
});

afterAll(async () => {
  await t?.close();
});

describe('group routes', () => {
  it('refuse anonymous callers (401) and non-admins (403), and change nothing', async () => {
    const before = await snapshot();
    const viaToken = new Client(t.app);
    viaToken.bearer = (await mallory.request('POST', '/api/tokens', { name: 'x' })).json().token;
    for (const [method, url, body] of routes(groupId, mallory.userId as string)) {
      expect((await new Client(t.app).request(method, url, body)).statusCode, `${method} ${url}`).toBe(401);
      const asUser = await mallory.request(method, url, body);
      expect(asUser.statusCode, `${method} ${url}`).toBe(403);
      expect(asUser.json().code).toBe('forbidden');
      expect((await viaToken.request(method, url, body)).statusCode, `${method} ${url} (token)`).toBe(403);
    }
    // A cookie write without the CSRF header is refused too, even for the admin.
    const noCsrf = await admin.request('DELETE', `/api/admin/groups/${groupId}`, undefined, {
      'x-csrf-token': '',
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(await snapshot()).toBe(before);
  });

  it('refuse bad input with a 4xx and change nothing', async () => {
    const before = await snapshot();
    const bad: [method: 'POST' | 'PATCH' | 'PUT', url: string, body?: unknown, status?: number][] = [
      ['POST', '/api/admin/groups', { name: 'x'.repeat(101) }],
      ['POST', '/api/admin/groups', { name: 'Extra', role: 'admin' }],
      ['POST', '/api/admin/groups', { name: 'Neg', tokenQuotaDaily: -1 }],
      ['POST', '/api/admin/groups', { name: 'Float', tokenQuotaMonthly: 1.5 }],
      ['POST', '/api/admin/groups', { name: 'Str', models: 'demo' }],
      ['POST', '/api/admin/groups', { name: 'Many', models: Array.from({ length: 201 }, (_, i) => `m${i}`) }],
      ['POST', '/api/admin/groups', { name: 'restricted' }, 409],
      ['POST', '/api/admin/groups', { name: 'Ghost', models: ['premium', 'ghost-model'] }],
      ['PATCH', `/api/admin/groups/${groupId}`, {}],
      ['PATCH', `/api/admin/groups/${groupId}`, { models: ['demo', 'nope'] }],
      ['PATCH', '/api/admin/groups/unknown-id', { models: null }, 404],
      // The built-in guest user is nobody's to group (the local one became the first admin).
      ['PUT', `/api/admin/groups/${groupId}/members/${GUEST_USER_ID}`, undefined, 404],
      ['PUT', `/api/admin/groups/${groupId}/members/${'x'.repeat(65)}`],
    ];
    for (const [method, url, body, status] of bad) {
      const res = await admin.request(method, url, body);
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)}`).toBe(status ?? 400);
      expect(res.json()).toMatchObject({ error: expect.any(String), code: expect.any(String) });
    }
    expect(await snapshot()).toBe(before);
  });

  it('store a name as text: markup comes back as the same string', async () => {
    const name = '<img src=x onerror=alert(1)>';
    const res = await admin.request('POST', '/api/admin/groups', { name });
    expect(res.statusCode).toBe(201);
    expect(res.json().name).toBe(name);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    await admin.request('DELETE', `/api/admin/groups/${res.json().id}`);
  });
});

describe('a member of a restricted group', () => {
  it('cannot widen their own models: chat, conversations, an old conversation, /v1 all refuse', async () => {
    const ids = (await mallory.request('GET', '/api/models')).json().models.map((m: { id: string }) => m.id);
    expect(ids).toEqual(['demo']);
    expect((await mallory.request('POST', '/api/conversations', { model: 'premium' })).statusCode).toBe(403);
    const own = (await mallory.request('POST', '/api/conversations', {})).json().id as string;
    expect(
      (await mallory.request('PATCH', `/api/conversations/${own}`, { model: 'premium' })).statusCode,
    ).toBe(403);
    const send = await mallory.request('POST', `/api/conversations/${own}/messages`, {
      content: 'hi',
      model: 'premium',
    });
    expect(send.statusCode).toBe(403);
    // The seed route uses the default conversation, on an allowed model.
    const seed = await mallory.request('POST', '/chat/message', { message: 'hello' });
    expect(seed.statusCode).toBe(200);

    // A reply made before a regenerate/continue on another model is refused the same way.
    const sent = await mallory.request('POST', `/api/conversations/${own}/messages`, { content: 'hi' });
    expect(sent.statusCode).toBe(202);
    await t.app.parley.runs.get(sent.json().runId)?.done;
    const replyId = sent.json().assistantMessage.id;
    const regenerate = await mallory.request('POST', `/api/messages/${replyId}/regenerate`, {
      model: 'premium',
    });
    expect(regenerate.statusCode).toBe(403);
    expect(regenerate.json().code).toBe('model_not_allowed');

    const script = new Client(t.app);
    script.bearer = (await mallory.request('POST', '/api/tokens', { name: 'gw' })).json().token;
    const v1 = await script.request('POST', '/v1/chat/completions', {
      model: 'premium',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(v1.statusCode).toBe(403);
    expect(v1.json().error.code).toBe('model_not_allowed');
    // Nor can they add themselves to a wider group.
    const wide = (await admin.request('POST', '/api/admin/groups', { name: 'Wide' })).json().id;
    expect(
      (await mallory.request('PUT', `/api/admin/groups/${wide}/members/${mallory.userId}`)).statusCode,
    ).toBe(403);
    expect((await mallory.request('POST', '/api/conversations', { model: 'premium' })).statusCode).toBe(403);
  });
});
