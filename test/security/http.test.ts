import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../helpers/clients.js';
import { storeTargets, type TestDatabase } from '../helpers/databases.js';
import { readSse } from '../helpers/sse.js';
import { createTestApp, type TestApp, type TestAppOptions, tableCounts } from '../helpers/test-app.js';

/**
 * HTTP limits, from the attacker's side: slow requests are cut at the timeout, connections are
 * capped, malformed HTTP and framework errors answer in the documented shape, NUL and non-finite
 * numbers are refused at the schema level on both dialects, and a forged request id is replaced.
 */

let t: TestApp | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await t?.close();
  t = undefined;
});

async function listening(options: TestAppOptions = {}): Promise<{ app: TestApp; port: number }> {
  t = await createTestApp(options);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { app: t, port: address.port };
}

/** A raw TCP client: what it was sent, and when the server closed it. */
interface RawConnection {
  socket: Socket;
  received(): string;
  closed: Promise<number>;
}

function open(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    sockets.push(socket);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', () => {});
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now())));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** Status and JSON body of a raw HTTP/1.1 answer. */
function parseAnswer(raw: string): { status: number; body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const status = Number(head.split(' ')[1]);
  return { status, body: body ? JSON.parse(body) : undefined };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('timeouts', () => {
  it('are on by default, with the connection cap', async () => {
    t = await createTestApp();
    const server = t.app.server;
    expect(server.requestTimeout).toBe(60_000);
    expect(server.headersTimeout).toBe(30_000);
    expect(server.keepAliveTimeout).toBe(72_000);
    expect(server.timeout).toBe(300_000);
    expect(server.maxConnections).toBe(20_000);
  });

  /**
   * An attacker who keeps a request open by dripping a byte a second for up to a minute. Returns
   * how many drips it got in before the server closed the connection; the minute of drips is
   * only a hang guard (the server not cutting at all), never what shows the cut.
   */
  async function drip(connection: RawConnection, next: (i: number) => string): Promise<number> {
    let stillOpen = true;
    void connection.closed.then(() => {
      stillOpen = false;
    });
    let drips = 0;
    for (let i = 0; i < 60 && stillOpen; i++) {
      await sleep(1_000);
      if (!stillOpen) break;
      connection.socket.write(next(i));
      drips++;
    }
    expect(stillOpen, 'hang guard: the server never closed a request dripped for a minute').toBe(false);
    return drips;
  }

  it('cuts a body dripped a byte a second at the request timeout, with a 408 in the error shape', async () => {
    const { port } = await listening({ httpTimeouts: { requestMs: 2_000, headersMs: 2_000 } });
    const connection = await open(port);
    const started = Date.now();
    // 100 bytes announced, one sent: the body is still incomplete when the server answers.
    connection.socket.write(
      'POST /api/conversations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    const drips = await drip(connection, () => ' ');
    const closedAt = await connection.closed;
    // Cut by the request timeout (its code, in the error shape), while the body was still short of
    // its announced length: the server answered before the request was complete.
    const answer = parseAnswer(connection.received());
    expect(answer.status).toBe(408);
    expect(answer.body).toEqual({ error: expect.any(String), code: 'request_timeout' });
    expect(1 + drips).toBeLessThan(100);
    // Not before the timeout: a lower bound, which a busy machine can only lengthen.
    expect(closedAt - started).toBeGreaterThanOrEqual(1_500);
  }, 70_000);

  it('cuts headers dripped a byte a second (slowloris) at the headers timeout', async () => {
    const { port } = await listening({ httpTimeouts: { requestMs: 2_000, headersMs: 2_000 } });
    const connection = await open(port);
    const started = Date.now();
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    await drip(connection, (i) => `X-${i}: y\r\n`);
    const closedAt = await connection.closed;
    // Answered 408 although the headers never ended (no blank line was ever sent): the timeout
    // cut them, not the end of the request.
    expect(parseAnswer(connection.received()).status).toBe(408);
    expect(closedAt - started).toBeGreaterThanOrEqual(1_500);
  }, 70_000);

  it('never cuts an SSE stream that lasts longer than the request timeout', async () => {
    const { app, port } = await listening({
      httpTimeouts: { requestMs: 1_000, headersMs: 1_000, idleMs: 10_000 },
      heartbeatMs: 200,
      // A reply that streams for several request timeouts.
      demo: { delayMs: 25 },
    });
    const base = `http://127.0.0.1:${port}`;
    const events = await fetch(`${base}/api/events`, { headers: { accept: 'text/event-stream' } });
    expect(events.status).toBe(200);
    const eventsBody = readSse(events);

    const created = (await app.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })).json();
    const started = Date.now();
    const sent = await fetch(`${base}/api/conversations/${created.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ content: 'tell me a long story' }),
    });
    expect(sent.status).toBe(200);
    const streamed = await readSse(sent);
    const lasted = Date.now() - started;
    // Lower bounds only (here and below): the stream outlived two request timeouts; a busy
    // machine can only make it last longer.
    expect(lasted).toBeGreaterThan(2_000);
    const parts = streamed.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data));
    expect(parts.at(-1)?.type, 'the stream ran to its end').toBe('finish');

    // The events stream opened before the reply is still open well past the timeout.
    await sleep(Math.max(0, 3_500 - (Date.now() - started)));
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    let closedEarly = false;
    void eventsBody.then(() => {
      closedEarly = true;
    });
    await sleep(300);
    expect(closedEarly, '/api/events is still open').toBe(false);
  }, 60_000);
});

describe('connection cap', () => {
  it('refuses the cap+1-th connection and serves again once one closes', async () => {
    const { app, port } = await listening({ env: { MAX_CONNECTIONS: '3' } });
    const held = [await open(port), await open(port), await open(port)];
    // The server has accepted all three before the fourth arrives.
    for (let i = 0; i < 50; i++) {
      const count = await new Promise<number>((resolve) =>
        app.app.server.getConnections((_e, n) => resolve(n)),
      );
      if (count === 3) break;
      await sleep(20);
    }
    const fourth = await open(port);
    fourth.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await fourth.closed;
    expect(fourth.received(), 'nothing served beyond the cap').toBe('');

    held[0]?.socket.destroy();
    await held[0]?.closed;
    await sleep(50);
    const again = await open(port);
    again.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    await again.closed;
    expect(again.received()).toMatch(/^HTTP\/1.1 200/);
  });
});

describe('malformed HTTP and framework errors', () => {
  it('answers every client error in the documented {"error","code"} shape', async () => {
    const { port } = await listening();
    const cases: { name: string; raw: string; status: number; code: string }[] = [
      { name: 'garbage request line', raw: 'HELLO\r\n\r\n', status: 400, code: 'bad_request' },
      {
        name: 'headers over 16 KiB',
        raw: `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        status: 431,
        code: 'headers_too_large',
      },
      {
        name: 'URL over 16 KiB',
        raw: `GET /api/conversations?cursor=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
        status: 431,
        code: 'headers_too_large',
      },
      {
        name: 'non-numeric Content-Length',
        raw: 'POST /api/conversations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}',
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'invalid URL encoding',
        raw: 'GET /api/conversations/%ZZ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
        status: 400,
        code: 'bad_request',
      },
      {
        name: 'unknown route',
        raw: 'GET /api/nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
        status: 404,
        code: 'not_found',
      },
      {
        name: 'unsupported method on a route',
        raw: 'PUT /api/conversations HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
        status: 404,
        code: 'not_found',
      },
      {
        name: 'body over the limit',
        raw: `POST /api/conversations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\nConnection: close\r\n\r\n{`,
        status: 413,
        code: 'payload_too_large',
      },
    ];
    for (const testCase of cases) {
      const connection = await open(port);
      connection.socket.write(testCase.raw);
      await Promise.race([connection.closed, sleep(5_000)]);
      const answer = parseAnswer(connection.received());
      expect(answer.status, testCase.name).toBe(testCase.status);
      expect(answer.body, testCase.name).toEqual({ error: expect.any(String), code: testCase.code });
      connection.socket.destroy();
    }
  });

  it('rate-limit errors come in the error shape', async () => {
    t = await createTestApp({ env: { RATE_LIMIT_RPM: '2' } });
    let last = await t.app.inject({ method: 'GET', url: '/api/conversations' });
    for (let i = 0; i < 3; i++) last = await t.app.inject({ method: 'GET', url: '/api/conversations' });
    expect(last.statusCode).toBe(429);
    expect(last.json()).toEqual({ error: expect.any(String), code: 'rate_limited' });
  });
});

describe('x-request-id', () => {
  it('keeps a short plain id and replaces a forged one', async () => {
    t = await createTestApp();
    const plain = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'edge-42.abc:1' },
    });
    expect(plain.headers['x-request-id']).toBe('edge-42.abc:1');
    for (const forged of ['a'.repeat(65), '<script>alert(1)</script>', 'id with spaces', 'x\u007f', '']) {
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': forged } });
      expect(res.headers['x-request-id'], JSON.stringify(forged)).not.toBe(forged);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('non-finite query integers', () => {
  it('answers 400 for limit=Infinity, 1e999 and NaN on every route with a limit', async () => {
    t = await createTestApp();
    const conversation = (
      await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })
    ).json();
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.parameters?.some((p) => p.in === 'query' && p.name === 'limit'))
        .map(([method]) => ({ method: method.toUpperCase(), path })),
    );
    expect(routes.length, 'routes with a limit').toBeGreaterThanOrEqual(4);
    for (const route of routes) {
      const url = route.path.replace(/\{id\}/g, conversation.id);
      const extra = route.path === '/api/search' ? 'q=hello&' : '';
      for (const value of ['Infinity', '-Infinity', '1e999', 'NaN']) {
        const res = await t.app.inject({
          method: route.method as 'GET',
          url: `${url}?${extra}limit=${value}`,
        });
        expect(res.statusCode, `${route.path} limit=${value}`).toBe(400);
        expect(res.json(), `${route.path} limit=${value}`).toEqual({
          error: expect.any(String),
          code: 'validation_error',
        });
      }
    }
  });
});

for (const target of storeTargets()) {
  describe(`NUL characters on ${target.name}`, () => {
    let database: TestDatabase | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
      await database?.drop();
      database = undefined;
    });

    it('are refused with 400 in titles, usernames, ids and cursors, and change nothing', async () => {
      database = await target.create();
      t = await createTestApp({ env: { AUTH_MODE: 'local', DATABASE_URL: database.url } });
      const alice = new Client(t.app);
      await alice.signup('alice');
      const conversation = (await alice.request('POST', '/api/conversations', { title: 'mine' })).json();
      const anonymous = new Client(t.app);
      const before = await tableCounts(t.store);
      const id = conversation.id as string;
      const attempts: [Client, 'GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown?][] = [
        [
          anonymous,
          'POST',
          '/api/auth/login',
          { username: 'ali\u0000ce', password: 'correct horse battery' },
        ],
        [anonymous, 'POST', '/api/auth/signup', { username: 'bob\u0000', password: 'correct horse battery' }],
        [alice, 'POST', '/api/conversations', { title: 'a\u0000b' }],
        [alice, 'POST', '/api/conversations', { systemPrompt: '\u0000' }],
        [alice, 'PATCH', `/api/conversations/${id}`, { title: 'x\u0000' }],
        [alice, 'POST', `/api/conversations/${id}/messages`, { content: 'hi\u0000' }],
        [alice, 'POST', `/api/conversations/${id}/messages`, { content: 'hi', parentId: 'p\u0000' }],
        [alice, 'POST', `/api/conversations/${id}/messages`, { content: 'hi', model: 'demo\u0000' }],
        [alice, 'POST', '/api/tokens', { name: 'tok\u0000' }],
        [alice, 'GET', '/api/conversations/a%00b'],
        [alice, 'PATCH', '/api/conversations/a%00b', { title: 'ok' }],
        [alice, 'DELETE', '/api/conversations/a%00b'],
        [alice, 'GET', '/api/conversations/a%00b/messages'],
        [alice, 'GET', `/api/conversations/${id}/messages?before=m%00`],
        [alice, 'GET', '/api/conversations?cursor=c%00'],
        [alice, 'GET', '/api/search?q=a%00b'],
        [alice, 'GET', '/api/search?q=ab&cursor=%00'],
        [alice, 'GET', '/api/admin/users?cursor=%00'],
        [alice, 'PATCH', '/api/admin/users/u%00', { disabled: true }],
        [alice, 'DELETE', '/api/tokens/t%00'],
        [alice, 'GET', '/api/conversations/a%00/export'],
        [alice, 'POST', '/api/messages/m%00/regenerate', {}],
        [alice, 'POST', '/api/messages/m%00/continue', {}],
        [alice, 'GET', '/api/conversations/c%00/stream'],
        [alice, 'POST', '/api/conversations/c%00/stop'],
      ];
      for (const [client, method, url, payload] of attempts) {
        const res = await client.request(method, url, payload);
        const what = `${method} ${url} ${JSON.stringify(payload) ?? ''}`;
        expect(res.statusCode, what).toBe(400);
        expect(res.json(), what).toEqual({ error: expect.any(String), code: 'validation_error' });
      }
      // The seed route parses its own body; the message rule (chat-service) refuses NUL there
      // (after finding or creating the caller's default conversation: no message is written).
      const seed = await alice.request('POST', '/chat/message', { message: 'hi\u0000' });
      expect(seed.statusCode).toBe(400);
      expect(seed.json().code).toBe('validation_error');
      expect((await tableCounts(t.store)).messages).toBe(before.messages);
      // The OpenAI-compatible API answers the same refusal in OpenAI's error shape.
      const token = (await alice.request('POST', '/api/tokens', { name: 'script' })).json().token as string;
      const beforeV1 = await tableCounts(t.store);
      expect(beforeV1.messages).toBe(before.messages);
      const v1 = await t.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${token}` },
        payload: { model: 'demo', messages: [{ role: 'user', content: 'a\u0000b' }] },
      });
      expect(v1.statusCode).toBe(400);
      expect(v1.json().error).toMatchObject({ type: 'invalid_request_error', param: 'messages[0].content' });
      expect(await tableCounts(t.store)).toEqual(beforeV1);
    });
  });
}
