import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoReply } from '../src/server/ai/demo-model.js';
import { type ServerProcess, startServer, stopAllServers } from './helpers/server-process.js';

/**
 * The server as an operator runs it: a real process, real signals, a real SQLite file that
 * outlives the process. What a crash or a deploy leaves behind must be recoverable.
 */

interface Message {
  id: string;
  role: string;
  content: string;
  status: string;
  parentId: string | null;
}

interface SseEvent {
  id: number | null;
  data: string;
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-process-'));
});

afterEach(async () => {
  await stopAllServers();
});

afterAll(async () => {
  await stopAllServers();
  await rm(dir, { recursive: true, force: true });
});

let dbCount = 0;
const freshDb = () => path.join(dir, `parley-${++dbCount}.db`);

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${response.status}: ${text}`);
  }
  return JSON.parse(text) as T;
}

async function post<T>(server: ServerProcess, url: string, body: object, status: number): Promise<T> {
  const response = await fetch(`${server.baseUrl}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return json<T>(response, status);
}

async function createConversation(server: ServerProcess): Promise<string> {
  return (await post<{ id: string }>(server, '/api/conversations', {}, 201)).id;
}

async function messages(server: ServerProcess, conversationId: string): Promise<Message[]> {
  const response = await fetch(`${server.baseUrl}/api/conversations/${conversationId}/messages`);
  return (await json<{ items: Message[] }>(response, 200)).items;
}

async function assistantOf(server: ServerProcess, conversationId: string): Promise<Message> {
  const reply = (await messages(server, conversationId)).find((message) => message.role === 'assistant');
  if (!reply) throw new Error('no assistant message');
  return reply;
}

/** Poll (every 25 ms) until `check` returns a value, or fail after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Reads an SSE body one event at a time, so a test can act between events. */
class SseReader {
  private readonly reader: ReadableStreamDefaultReader<string>;
  private buffer = '';
  readonly events: SseEvent[] = [];
  ended = false;

  constructor(body: NonNullable<Response['body']>) {
    this.reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next event, or null once the server has closed the stream. Heartbeat comments are skipped. */
  async next(): Promise<SseEvent | null> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        let id: number | null = null;
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = Number(line.slice(4));
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length === 0) continue;
        const event = { id, data: data.join('\n') };
        this.events.push(event);
        return event;
      }
      if (this.ended) return null;
      const { value, done } = await this.reader.read();
      if (done) this.ended = true;
      else this.buffer += value;
    }
  }

  parts(): { type: string; delta?: string; [key: string]: unknown }[] {
    return this.events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data));
  }

  text(): string {
    return this.parts()
      .filter((part) => part.type === 'text-delta')
      .map((part) => part.delta)
      .join('');
  }
}

describe('a server process', () => {
  it('recovers a reply cut off by SIGKILL and continues it to the exact full text', async () => {
    const dbFile = freshDb();
    const content = 'Tell me about crash recovery';
    const full = demoReply(content);

    const first = await startServer({ dbFile, env: { DEMO_DELAY_MS: '30' } });
    const conversationId = await createConversation(first);
    const accepted = await post<{ assistantMessage: Message; userMessage: Message }>(
      first,
      `/api/conversations/${conversationId}/messages`,
      { content },
      202,
    );

    // The reply takes ~6 s at 30 ms a token; wait for the first checkpoint (about once a second)
    // to reach the store instead of sleeping a fixed time.
    const checkpointed = await until(
      'a checkpoint of the streaming reply',
      async () => {
        const reply = await assistantOf(first, conversationId);
        return reply.content !== '' ? reply : undefined;
      },
      5_000,
    );
    expect(checkpointed.status).toBe('streaming');
    first.kill('SIGKILL');
    expect(await first.waitForExit()).toEqual({ code: null, signal: 'SIGKILL' });

    const second = await startServer({ dbFile, env: { DEMO_DELAY_MS: '0' } });
    const [user, reply] = await messages(second, conversationId);
    expect(user).toMatchObject({ id: accepted.userMessage.id, role: 'user', content, status: 'complete' });
    expect(reply).toMatchObject({
      id: accepted.assistantMessage.id,
      role: 'assistant',
      status: 'interrupted',
    });
    const partial = reply?.content ?? '';
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(full.length);
    expect(full.startsWith(partial)).toBe(true);

    await post(second, `/api/messages/${accepted.assistantMessage.id}/continue`, {}, 202);
    const done = await until('the continued reply to complete', async () => {
      const message = await assistantOf(second, conversationId);
      return message.status === 'streaming' ? undefined : message;
    });
    expect(done.status).toBe('complete');
    expect(done.content).toBe(full);

    second.kill('SIGTERM');
    expect(await second.waitForExit()).toEqual({ code: 0, signal: null });
  });

  /** Open a reply's SSE stream, read a few deltas, SIGTERM the server (grace 300 ms), read to the end. */
  async function sigtermDuringStream(content: string) {
    const dbFile = freshDb();
    const server = await startServer({ dbFile, env: { DEMO_DELAY_MS: '50', SHUTDOWN_GRACE_MS: '300' } });
    const conversationId = await createConversation(server);

    const response = await fetch(`${server.baseUrl}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ content }),
      signal: AbortSignal.timeout(15_000),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    if (!response.body) throw new Error('no body');
    const stream = new SseReader(response.body);

    let deltas = 0;
    while (deltas < 3) {
      const event = await stream.next();
      if (!event) throw new Error(`stream ended early: ${JSON.stringify(stream.events)}`);
      if (event.data.includes('"text-delta"')) deltas++;
    }

    const signalledAt = Date.now();
    server.kill('SIGTERM');
    while ((await stream.next()) !== null) {
      // Drain to the end: the server must close the stream itself.
    }
    const streamEndedMs = Date.now() - signalledAt;
    // A hang guard only: that the exit did not wait for the reply (~11 s) is shown by its text.
    const exit = await server.waitForExit(60_000);
    return { dbFile, conversationId, stream, streamEndedMs, exit };
  }

  it('on SIGTERM ends an open stream after the grace period and keeps exactly the text sent', async () => {
    const content = 'What happens on SIGTERM?';
    const { dbFile, conversationId, stream, streamEndedMs, exit } = await sigtermDuringStream(content);
    expect(exit).toEqual({ code: 0, signal: null });
    // The run was given its grace period before being cut off (a reply takes ~11 s here): a lower
    // bound, which a busy machine can only lengthen. That it was cut off, not waited for, is the
    // partial text and the `interrupted` status below.
    expect(streamEndedMs).toBeGreaterThanOrEqual(280);

    const parts = stream.parts();
    const types = parts.map((part) => part.type);
    expect(types.slice(0, 2)).toEqual(['start', 'data-run']);
    expect(parts.find((part) => part.type === 'abort')).toMatchObject({ reason: 'server shutdown' });
    expect(types.indexOf('abort')).toBe(types.indexOf('finish') - 1);
    expect(parts.find((part) => part.type === 'finish')).toMatchObject({
      messageMetadata: { status: 'interrupted' },
    });
    // Sequence numbers are 1, 2, 3... with no gap: the client saw every event up to the end.
    expect(stream.events.map((event) => event.id)).toEqual(stream.events.map((_, i) => i + 1));

    const received = stream.text();
    const full = demoReply(content);
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(full.length);
    expect(full.startsWith(received)).toBe(true);

    const restarted = await startServer({ dbFile, env: { DEMO_DELAY_MS: '0' } });
    const reply = await assistantOf(restarted, conversationId);
    expect(reply.status).toBe('interrupted');
    expect(reply.content).toBe(received);
  });

  // Shutdown must let a run stream flush its last events (abort, finish, [DONE]) before it closes.
  it('on SIGTERM ends an interrupted stream with [DONE]', async () => {
    const { stream } = await sigtermDuringStream('Does the stream end cleanly?');
    expect(stream.parts().map((part) => part.type)).toContain('abort');
    expect(stream.events.at(-1)?.data).toBe('[DONE]');
  });

  it('on SIGTERM with a long grace lets a short reply finish before exiting', async () => {
    const dbFile = freshDb();
    const content = 'Say hi';
    const server = await startServer({ dbFile, env: { DEMO_DELAY_MS: '2', SHUTDOWN_GRACE_MS: '10000' } });
    const conversationId = await createConversation(server);
    await post(server, `/api/conversations/${conversationId}/messages`, { content }, 202);

    // Only meaningful if the reply is still running when the signal lands.
    expect((await assistantOf(server, conversationId)).status).toBe('streaming');
    server.kill('SIGTERM');
    expect(await server.waitForExit(60_000)).toEqual({ code: 0, signal: null });
    // The run finished after shutdown began, i.e. the grace period is what let it complete.
    const order = server.logs().map((log) => String(log.msg));
    const shutdownAt = order.findIndex((msg) => msg.startsWith('shutting down'));
    expect(shutdownAt).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('run finished')).toBeGreaterThan(shutdownAt);
    expect(server.logs().find((log) => log.msg === 'run finished')).toMatchObject({ status: 'complete' });

    const restarted = await startServer({ dbFile, env: { DEMO_DELAY_MS: '0' } });
    const reply = await assistantOf(restarted, conversationId);
    expect(reply.status).toBe('complete');
    expect(reply.content).toBe(demoReply(content));
  });

  it('reports not ready from the moment shutdown begins', async () => {
    const dbFile = freshDb();
    const server = await startServer({ dbFile, env: { DEMO_DELAY_MS: '50', SHUTDOWN_GRACE_MS: '2000' } });
    const conversationId = await createConversation(server);
    await post(server, `/api/conversations/${conversationId}/messages`, { content: 'Readiness please' }, 202);
    expect((await fetch(`${server.baseUrl}/readyz`)).status).toBe(200);

    server.kill('SIGTERM');
    // Signal delivery is asynchronous: a request racing it may legitimately still see 200, so
    // probing starts once the server says it has begun shutting down.
    await server.waitForLog(/^shutting down/);
    const exited = server.waitForExit(60_000);
    let running = true;
    void exited.finally(() => {
      running = false;
    });

    const seen: (number | 'refused')[] = [];
    while (running) {
      try {
        const response = await fetch(`${server.baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        seen.push(response.status);
        await response.body?.cancel();
      } catch {
        seen.push('refused');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(await exited).toEqual({ code: 0, signal: null });
    expect(seen).not.toContain(200);
    // The 2 s grace keeps the listener open long enough to answer at least once.
    expect(seen).toContain(503);
    expect(server.logs().find((log) => log.msg === 'run finished')).toMatchObject({ status: 'interrupted' });
  });
});
