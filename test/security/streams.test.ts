import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { demoReply } from '../../src/server/ai/demo-model.js';
import { MAX_SYSTEM_PROMPT_CHARS } from '../../src/shared/api-schemas.js';
import { Client } from '../helpers/clients.js';
import { createPostgresDatabase, type TestDatabase } from '../helpers/databases.js';
import { postgresTestUrl, redisTestUrl, uniquePrefix } from '../helpers/redis.js';
import { parseSse, textOf } from '../helpers/sse.js';
import { createTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app.js';

// Issue 13, item 4: streams. An account must not exhaust the server's memory or stream slots,
// and an identity that lost access loses its open streams (and, if disabled, its replies) at once.

const opened: TestApp[] = [];
const sockets: net.Socket[] = [];
const readers: ReadableStreamDefaultReader<string>[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const reader of readers.splice(0)) await reader.cancel().catch(() => undefined);
  for (const t of opened.splice(0)) await t.close();
});

const ACCOUNTS = { AUTH_MODE: 'local', SIGNUP: 'open', RATE_LIMIT_RPM: '100000' };

async function start(options: TestAppOptions = {}) {
  const t = await createTestApp({ ...options, env: { ...ACCOUNTS, ...options.env } });
  opened.push(t);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { t, app: t.app, port: address.port, base: `http://127.0.0.1:${address.port}` };
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** How a browser (cookie) or a script (Bearer) authenticates a real-socket request. */
function credentials(client: Client): Record<string, string> {
  if (client.bearer) return { authorization: `Bearer ${client.bearer}` };
  return { cookie: client.cookie ?? '', 'x-csrf-token': client.csrfToken ?? '' };
}

/**
 * A stream client that sends its request and then never reads: the kernel and Node buffers on
 * its side fill up and everything else the server writes stays queued on the server.
 */
function nonReadingStream(port: number, path: string, headers: Record<string, string>): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => undefined);
  const lines = Object.entries({ host: '127.0.0.1', accept: 'text/event-stream', ...headers }).map(
    ([name, value]) => `${name}: ${value}`,
  );
  socket.write(`GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  socket.pause();
  return socket;
}

/** An SSE stream read as a browser would, event by event. */
class LiveStream {
  private buffer = '';
  readonly events: { id: number | null; data: string }[] = [];
  ended = false;

  constructor(
    readonly status: number,
    readonly headers: Headers,
    private readonly reader: ReadableStreamDefaultReader<string> | undefined,
  ) {
    if (reader) readers.push(reader);
    void this.pump();
  }

  static async open(url: string, init: RequestInit): Promise<LiveStream> {
    const res = await fetch(url, init);
    const reader =
      res.status === 200 ? res.body?.pipeThrough(new TextDecoderStream()).getReader() : undefined;
    if (!reader) await res.body?.cancel();
    return new LiveStream(res.status, res.headers, reader);
  }

  private async pump() {
    if (!this.reader) return;
    try {
      for (;;) {
        const { value, done } = await this.reader.read();
        if (done) break;
        this.buffer += value;
        const end = this.buffer.lastIndexOf('\n\n');
        if (end >= 0) {
          this.events.push(...parseSse(this.buffer.slice(0, end + 2)));
          this.buffer = this.buffer.slice(end + 2);
        }
      }
    } catch {
      // A reset connection ends the stream just the same for the client.
    }
    this.ended = true;
  }

  /** The client goes away. */
  async close() {
    await this.reader?.cancel();
  }

  parts() {
    return this.events.filter((e) => e.data !== '[DONE]').map((e) => JSON.parse(e.data) as { type: string });
  }

  async until(what: string, test: () => boolean, ms = 10_000) {
    await waitFor(() => test() || undefined, what, ms);
  }
}

function eventsStream(base: string, client: Client) {
  return LiveStream.open(`${base}/api/events`, { headers: credentials(client) });
}

function runStream(base: string, client: Client, conversationId: string, content: string) {
  return LiveStream.open(`${base}/api/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { ...credentials(client), 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ content }),
  });
}

async function newConversation(client: Client): Promise<string> {
  const res = await client.request('POST', '/api/conversations', {});
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function apiToken(client: Client): Promise<{ id: string; token: string }> {
  const res = await client.request('POST', '/api/tokens', { name: 'script' });
  expect(res.statusCode).toBe(201);
  return res.json();
}

function asBearer(app: TestApp['app'], token: string): Client {
  const script = new Client(app);
  script.bearer = token;
  return script;
}

const isReady = (stream: LiveStream) => () => stream.parts().some((p) => p.type === 'ready');

describe('backpressure: a client that does not read costs a bounded amount of memory', () => {
  it('100 non-reading /api/events streams + 300 PATCHes: RSS grows < 100 MB and the slow streams are closed', async () => {
    const { app, port } = await start({ env: { MAX_STREAMS_PER_USER: '1000' } });
    const alice = new Client(app);
    await alice.signup('alice');
    const conversationId = await newConversation(alice);
    // Every conversation.updated event carries the conversation, system prompt included: ~20 KB.
    const prompt = await alice.request('PATCH', `/api/conversations/${conversationId}`, {
      systemPrompt: 'x'.repeat(MAX_SYSTEM_PROMPT_CHARS),
    });
    expect(prompt.statusCode).toBe(200);

    const streams = Array.from({ length: 100 }, () =>
      nonReadingStream(port, '/api/events', credentials(alice)),
    );
    await waitFor(() => app.parley.sse.heldBy(alice.userId as string) === 100, '100 open streams');
    const before = process.memoryUsage().rss;

    for (let i = 0; i < 300; i++) {
      const res = await alice.request('PATCH', `/api/conversations/${conversationId}`, {
        title: `title ${i}`,
      });
      expect(res.statusCode).toBe(200);
    }
    const grown = process.memoryUsage().rss - before;
    console.log(
      `RSS growth with 100 non-reading streams after 300 PATCHes: ${(grown / 2 ** 20).toFixed(1)} MB`,
    );
    expect(grown).toBeLessThan(100 * 2 ** 20);

    // The server closed them: the attacker's sockets see the connection end once they read.
    await waitFor(() => app.parley.sse.heldBy(alice.userId as string) === 0, 'slow streams closed');
    await Promise.all(
      streams.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.closed) resolve();
            socket.on('close', () => resolve());
            socket.resume();
          }),
      ),
    );
  });

  it('a run-stream client that never reads does not hold up the run: the reply is saved in full', async () => {
    const { app, port } = await start();
    const alice = new Client(app);
    await alice.signup('alice');
    const conversationId = await newConversation(alice);
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => undefined);
    const body = JSON.stringify({ content: 'a long reply nobody reads '.repeat(50) });
    const head = Object.entries({
      host: '127.0.0.1',
      accept: 'text/event-stream',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...credentials(alice),
    })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n');
    socket.write(`POST /api/conversations/${conversationId}/messages HTTP/1.1\r\n${head}\r\n\r\n${body}`);
    socket.pause();
    // The reply is saved in full whatever the reader does.
    const reply = await waitFor(async () => {
      const res = await alice.request('GET', `/api/conversations/${conversationId}/messages`);
      const items = res.json().items as { role: string; status: string; content: string }[];
      return items.find((m) => m.role === 'assistant' && m.status === 'complete');
    }, 'the reply');
    expect(reply.content.length).toBeGreaterThan(0);
  });
});

describe('per-user cap on open streams', () => {
  it('cap+1 streams: the last is 429 with Retry-After; another user is unaffected; closing one frees a slot', async () => {
    const { app, base } = await start({ env: { MAX_STREAMS_PER_USER: '3' } });
    const alice = new Client(app);
    await alice.signup('alice');
    const bob = new Client(app);
    await bob.signup('bob');
    const conversationId = await newConversation(alice);

    const held = [
      await eventsStream(base, alice),
      await eventsStream(base, alice),
      await eventsStream(base, alice),
    ];
    expect(held.map((s) => s.status)).toEqual([200, 200, 200]);

    const refused = await fetch(`${base}/api/events`, { headers: credentials(alice) });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: 'too_many_streams', error: expect.any(String) });
    // A streamed send counts too, and is refused before any run starts.
    const streamedSend = await runStream(base, alice, conversationId, 'no room');
    expect(streamedSend.status).toBe(429);
    const messages = (await alice.request('GET', `/api/conversations/${conversationId}/messages`)).json();
    expect(messages.items).toEqual([]);

    const other = await eventsStream(base, bob);
    expect(other.status).toBe(200);

    await held[0]?.close();
    await waitFor(() => app.parley.sse.heldBy(alice.userId as string) === 2, 'a slot freed');
    const again = await eventsStream(base, alice);
    expect(again.status).toBe(200);
    await again.until('ready', isReady(again));
  });

  it('parallel opens never exceed the cap', async () => {
    const { app, base } = await start({ env: { MAX_STREAMS_PER_USER: '5' } });
    const alice = new Client(app);
    await alice.signup('alice');
    const all = await Promise.all(Array.from({ length: 30 }, () => eventsStream(base, alice)));
    expect(all.filter((s) => s.status === 200)).toHaveLength(5);
    expect(all.filter((s) => s.status === 429)).toHaveLength(25);
  });
});

describe('revocation ends the identity’s open streams at once', () => {
  it('logout ends that session’s events stream and run stream, not another session’s', async () => {
    const { app, base } = await start({ demo: { delayMs: 50 } });
    const alice = new Client(app);
    await alice.signup('alice');
    const laptop = new Client(app);
    await laptop.login('alice');
    const conversationId = await newConversation(alice);

    const events = await eventsStream(base, alice);
    const run = await runStream(base, alice, conversationId, 'keep talking');
    const other = await eventsStream(base, laptop);
    await events.until('ready', isReady(events));
    await other.until('ready', isReady(other));
    await run.until('some text', () => run.parts().some((p) => p.type === 'text-delta'));

    expect((await alice.request('POST', '/api/auth/logout')).statusCode).toBe(204);
    await events.until('events stream ended', () => events.ended, 2_000);
    await run.until('run stream ended', () => run.ended, 2_000);
    expect(run.events.at(-1)?.data).not.toBe('[DONE]');
    expect(other.ended).toBe(false);
  });

  it('revoking an API token ends the streams opened with it, not the user’s cookie streams', async () => {
    const { app, base } = await start();
    const alice = new Client(app);
    await alice.signup('alice');
    const token = await apiToken(alice);
    const script = asBearer(app, token.token);

    const scripted = await eventsStream(base, script);
    const browser = await eventsStream(base, alice);
    await scripted.until('ready', isReady(scripted));
    await browser.until('ready', isReady(browser));

    expect((await alice.request('DELETE', `/api/tokens/${token.id}`)).statusCode).toBe(204);
    await scripted.until('token stream ended', () => scripted.ended, 2_000);
    // The browser stream still delivers live events.
    const conversationId = await newConversation(alice);
    await browser.until('the created event', () =>
      browser.events.some((e) => e.data.includes(conversationId)),
    );
    expect(browser.ended).toBe(false);
  });

  it('disabling a user ends all their streams and stops their running reply, keeping its text', async () => {
    const { app, base } = await start({ demo: { delayMs: 50 } });
    const admin = new Client(app);
    await admin.signup('admin1');
    const bob = new Client(app);
    await bob.signup('bob');
    const script = asBearer(app, (await apiToken(bob)).token);
    const conversationId = await newConversation(bob);

    const events = await eventsStream(base, bob);
    const tokenEvents = await eventsStream(base, script);
    const run = await runStream(base, bob, conversationId, 'a long answer please');
    await events.until('ready', isReady(events));
    await tokenEvents.until('ready', isReady(tokenEvents));
    await run.until('some text', () => textOf(run.events).length > 20);

    const disabled = await admin.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    await events.until('cookie stream ended', () => events.ended, 2_000);
    await tokenEvents.until('token stream ended', () => tokenEvents.ended, 2_000);
    await run.until('run stream ended', () => run.ended, 2_000);

    const seen = textOf(run.events);
    const [message] = await app.parley.store.db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('role', '=', 'assistant')
      .execute();
    expect(message?.status).toBe('stopped');
    // Everything the user saw is kept, and the reply did not run to its end.
    expect(message?.content.startsWith(seen)).toBe(true);
    expect(message?.content.length).toBeLessThan(demoReply('a long answer please').length);
    expect(app.parley.runs.activeCount).toBe(0);
  });
});

const redisUrl = redisTestUrl();
const pgUrl = postgresTestUrl();

describe.skipIf(!redisUrl || !pgUrl)('two instances on PostgreSQL + Redis', () => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    for (const t of opened.splice(0)) await t.close();
    await database?.drop();
  });

  it('a token revoked through instance A ends its stream on instance B', async () => {
    database = await createPostgresDatabase(pgUrl as string);
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl as string,
      REDIS_KEY_PREFIX: uniquePrefix(),
      SESSION_SECRET: 'shared-by-both-instances',
    };
    const a = await start({ env });
    const b = await start({ env });
    const alice = new Client(a.app);
    await alice.signup('alice');
    const token = await apiToken(alice);

    const onB = await eventsStream(b.base, asBearer(b.app, token.token));
    const cookieOnB = await eventsStream(b.base, alice);
    await onB.until('ready', isReady(onB));
    await cookieOnB.until('ready', isReady(cookieOnB));

    expect((await alice.request('DELETE', `/api/tokens/${token.id}`)).statusCode).toBe(204);
    await onB.until('stream on B ended', () => onB.ended, 2_000);
    expect(cookieOnB.ended).toBe(false);
  });
});
