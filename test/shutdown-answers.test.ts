import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * What a client reads while the server closes (a rollout, a scale-in): every request that is
 * refused gets the documented error shape, `{"error", "code": "unavailable"}` with Retry-After
 * (the OpenAI-compatible API its own `{"error": {...}}` shape), never Fastify's own
 * `{"error": "Service Unavailable", "message", "statusCode"}`. Requests arrive on a kept-alive
 * connection, as through a load balancer, while closing drains a running reply.
 */

let t: TestApp | undefined;
let closing: Promise<void> | undefined;
afterEach(async () => {
  await closing?.catch(() => undefined);
  if (!closing) await t?.close();
  t = undefined;
  closing = undefined;
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('requests while the server closes', () => {
  it('are refused in the documented error shape, with Retry-After', async () => {
    // A reply of ~230 tokens at 50 ms each keeps closing busy (grace 3 s) while we ask.
    t = await createTestApp({ env: { DEMO_DELAY_MS: '50', SHUTDOWN_GRACE_MS: '3000' } });
    const app = t.app;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address !== 'object') throw new Error('no address');
    const base = `http://127.0.0.1:${address.port}`;

    const created = await fetch(`${base}/api/conversations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const { id: conversationId } = (await created.json()) as { id: string };
    const streaming = await fetch(`${base}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ content: 'A long answer, please' }),
    });
    expect(streaming.status).toBe(200);
    const reading = streaming.body?.pipeTo(new WritableStream()).catch(() => undefined);

    closing = t.close();
    await until('readiness to turn false', async () => (await fetch(`${base}/readyz`)).status === 503);

    const asks: { name: string; request: () => Promise<Response> }[] = [
      { name: 'readiness', request: () => fetch(`${base}/readyz`) },
      { name: 'a list', request: () => fetch(`${base}/api/conversations`) },
      {
        name: 'a new message',
        request: () =>
          fetch(`${base}/api/conversations/${conversationId}/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ content: 'too late' }),
          }),
      },
      { name: 'a route that does not exist', request: () => fetch(`${base}/api/nothing-here`) },
    ];
    for (const { name, request } of asks) {
      const response = await request();
      expect(response.status, name).toBe(503);
      expect(response.headers.get('content-type'), name).toMatch(/^application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort(), `${name}: ${JSON.stringify(body)}`).toEqual(['code', 'error']);
      expect(body.code, name).toBe('unavailable');
      expect(body.error, name).toMatch(/shutting down|restarting/i);
      if (name !== 'readiness') expect(Number(response.headers.get('retry-after')), name).toBeGreaterThan(0);
    }

    // The OpenAI-compatible API answers in OpenAI's error shape, as its clients expect.
    const v1 = await fetch(`${base}/v1/models`, { headers: { authorization: 'Bearer nope' } });
    expect(v1.status).toBe(503);
    const v1Body = (await v1.json()) as { error?: { message?: string; type?: string } };
    expect(v1Body.error?.message).toMatch(/shutting down/i);
    expect(Number(v1.headers.get('retry-after'))).toBeGreaterThan(0);

    await closing;
    await reading;
  });
});
