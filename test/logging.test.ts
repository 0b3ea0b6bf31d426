import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

let t: TestApp;
afterEach(async () => t?.close());

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('logs', () => {
  it('are JSON with request ids; a user message is logged by length, never by text; finished runs have their figures', async () => {
    const { logger, lines } = captureLogs();
    t = await createTestApp({ logger });
    const secret = 'my bank password is hunter2';
    const res = await t.app.inject({
      method: 'POST',
      url: '/chat/message',
      payload: { message: secret },
      headers: { 'x-request-id': 'req-from-proxy' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-from-proxy');

    const all = JSON.stringify(lines);
    expect(all).not.toContain('hunter2');
    const received = lines.find((line) => line.msg === 'user message received');
    expect(received).toMatchObject({ length: secret.length, reqId: 'req-from-proxy' });
    expect(received?.conversationId).toBeTruthy();
    const finished = lines.find((line) => line.msg === 'run finished');
    expect(finished).toMatchObject({ model: 'demo', status: 'complete' });
    expect(finished?.outputTokens).toBeGreaterThan(100);
    expect(typeof finished?.timeToFirstTokenMs).toBe('number');
    expect(typeof finished?.durationMs).toBe('number');
  });

  it('logs message text only when LOG_MESSAGE_CONTENT is set', async () => {
    const { logger, lines } = captureLogs();
    t = await createTestApp({ logger, env: { LOG_MESSAGE_CONTENT: 'true' } });
    await t.app.inject({ method: 'POST', url: '/chat/message', payload: { message: 'visible text' } });
    expect(lines.find((line) => line.msg === 'user message received')?.content).toBe('visible text');
  });

  it('logs client errors at info and server errors at error, with the request id', async () => {
    const { logger, lines } = captureLogs();
    t = await createTestApp({ logger });
    await t.app.inject({ method: 'GET', url: '/api/conversations/nope' });
    expect(lines.find((line) => line.code === 'not_found')).toMatchObject({ level: 30 });
    await t.store.close();
    const res = await t.app.inject({ method: 'GET', url: '/api/conversations' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error).not.toMatch(/sqlite|database|closed/i);
    const error = lines.find((line) => line.msg === 'request failed');
    expect(error).toMatchObject({ level: 50 });
    expect(error?.reqId).toBeTruthy();
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
  });
});
