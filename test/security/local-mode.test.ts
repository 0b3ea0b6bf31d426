import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { demoReply } from '../../src/server/ai/demo-model.js';
import { createTestApp, type TestApp, tableCounts } from '../helpers/test-app.js';

// AUTH_MODE=none has no login: what a hostile page the owner visits can make the browser send
// to http://localhost:3000 must not read or change anything.
let t: TestApp;
afterEach(async () => t?.close());

function expectApiError(res: LightMyRequestResponse, status: number, code: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json()).toEqual({ error: expect.any(String), code });
}

const routes = [
  { method: 'GET', url: '/' },
  { method: 'GET', url: '/chat/history' },
  { method: 'GET', url: '/api/conversations' },
  { method: 'GET', url: '/api/events' },
  { method: 'GET', url: '/api/auth/me' },
  { method: 'GET', url: '/no/such/route' },
  { method: 'POST', url: '/api/conversations', payload: { title: 'planted' } },
  { method: 'POST', url: '/chat/message', payload: { message: 'planted' } },
] as const;

describe('AUTH_MODE=none refuses cross-site and rebinding requests', () => {
  it('a cross-site text/plain post (an HTML form or no-cors fetch) changes nothing', async () => {
    t = await createTestApp();
    const before = await tableCounts(t.store);
    const seed = await t.app.inject({
      method: 'POST',
      url: '/chat/message',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ message: 'planted by evil.example' }),
    });
    // The seed route keeps its own words for a body that is not JSON.
    expect(seed.statusCode).toBe(400);
    expect(seed.json()).toEqual({ error: 'Invalid request format' });
    const form = await t.app.inject({
      method: 'POST',
      url: '/chat/message',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '{"message":"x"}=',
    });
    expect(form.statusCode).toBe(400);
    expect(form.json()).toEqual({ error: 'Invalid request format' });
    for (const type of [
      'text/plain',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
    ]) {
      const api = await t.app.inject({
        method: 'POST',
        url: '/api/conversations',
        headers: { 'content-type': type },
        payload: '{"title":"planted"}',
      });
      expectApiError(api, 415, 'unsupported_media_type');
    }
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('a request whose Origin is another site is refused with 403 on every route', async () => {
    t = await createTestApp();
    const before = await tableCounts(t.store);
    for (const route of routes) {
      for (const origin of ['https://evil.example', 'null', 'http://localhost:8080']) {
        const res = await t.app.inject({ ...route, headers: { origin } });
        expectApiError(res, 403, 'forbidden');
      }
    }
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('Sec-Fetch-Site: cross-site is refused; a plain link to the app still opens it', async () => {
    t = await createTestApp();
    const before = await tableCounts(t.store);
    for (const route of routes) {
      const res = await t.app.inject({
        ...route,
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
      });
      expectApiError(res, 403, 'forbidden');
    }
    // A top-level navigation cannot read or change anything: following a link is fine, a form
    // post (also a navigation) is not.
    const link = await t.app.inject({
      method: 'GET',
      url: '/',
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
    });
    expect(link.statusCode).toBe(200);
    const formPost = await t.app.inject({
      method: 'POST',
      url: '/chat/message',
      payload: { message: 'planted' },
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
    });
    expectApiError(formPost, 403, 'forbidden');
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('DNS rebinding: a foreign Host header is refused with 421 on every route, including streams', async () => {
    t = await createTestApp();
    const before = await tableCounts(t.store);
    for (const route of routes) {
      for (const host of [
        'evil.example',
        'evil.example:3000',
        'localhost.evil.example',
        '127.0.0.1.nip.io',
      ]) {
        const res = await t.app.inject({ ...route, headers: { host } });
        expectApiError(res, 421, 'misdirected_request');
      }
    }
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('loopback names, PUBLIC_URL host and a specific HOST are served', async () => {
    t = await createTestApp({
      env: {
        PUBLIC_URL: 'https://parley.example.org',
        HOST: '192.168.1.20',
        CORS_ORIGINS: 'https://app.example',
      },
    });
    for (const host of [
      'localhost',
      'localhost:3000',
      '127.0.0.1:3000',
      '127.1.2.3',
      '[::1]:3000',
      'parley.example.org',
      '192.168.1.20:3000',
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { host } });
      expect(res.statusCode, host).toBe(200);
    }
    expectApiError(
      await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { host: '192.168.1.21' } }),
      421,
      'misdirected_request',
    );
    // The app's own origins: same host, PUBLIC_URL, CORS_ORIGINS.
    for (const [host, origin] of [
      ['localhost:3000', 'http://localhost:3000'],
      ['localhost:80', 'http://localhost'],
      ['parley.example.org', 'https://parley.example.org'],
      ['127.0.0.1:3000', 'https://parley.example.org'],
      ['localhost:3000', 'https://app.example'],
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/conversations',
        payload: {},
        headers: { host: host as string, origin: origin as string, 'sec-fetch-site': 'same-origin' },
      });
      expect(res.statusCode, `${host} ${origin}`).toBe(201);
    }
  });

  it('X-Forwarded-Host counts only from a TRUST_PROXY proxy', async () => {
    t = await createTestApp({ env: { PUBLIC_URL: 'https://parley.example.org', TRUST_PROXY: '1' } });
    // The proxy (10.0.0.2) names the upstream by its service name and passes the public host on.
    const proxied = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      remoteAddress: '10.0.0.2',
      headers: {
        host: 'parley:3000',
        'x-forwarded-host': 'parley.example.org',
        'x-forwarded-for': '203.0.113.5',
      },
    });
    expect(proxied.statusCode).toBe(200);
    await t.close();

    t = await createTestApp();
    const forged = await t.app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { host: 'evil.example', 'x-forwarded-host': 'localhost' },
    });
    expectApiError(forged, 421, 'misdirected_request');
  });

  it('a wildcard HOST (0.0.0.0) is not a name: only loopback and PUBLIC_URL are', async () => {
    t = await createTestApp({ env: { HOST: '0.0.0.0' } });
    expectApiError(
      await t.app.inject({ method: 'GET', url: '/', headers: { host: '0.0.0.0:3000' } }),
      421,
      'misdirected_request',
    );
    expect(
      (await t.app.inject({ method: 'GET', url: '/', headers: { host: 'localhost:3000' } })).statusCode,
    ).toBe(200);
  });

  it('scripts and curl (no Origin) keep working, with and without a body', async () => {
    t = await createTestApp();
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/conversations',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'curl/8.5.0' },
      payload: '{"title":"from curl"}',
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/conversations/${id}`,
      payload: { title: 'renamed' },
    });
    expect(patched.statusCode).toBe(200);
    // A write without a body needs no content type.
    expect(
      (await t.app.inject({ method: 'POST', url: `/api/conversations/${id}/stop` })).statusCode,
    ).toBeLessThan(300);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/conversations/${id}` })).statusCode).toBe(204);
    const sent = await t.app.inject({
      method: 'POST',
      url: '/chat/message',
      payload: { message: 'Hello, AI!' },
    });
    expect(sent.statusCode).toBe(200);
    expect(sent.json().response).toBe(demoReply('Hello, AI!'));
  });

  it('the checks are for AUTH_MODE=none only: accounts mode has sessions, CSRF tokens and SameSite cookies', async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    const res = await t.app.inject({ method: 'GET', url: '/', headers: { host: 'parley.internal:3000' } });
    expect(res.statusCode).toBe(200);
  });
});
