import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoReply } from '../src/server/ai/demo-model.js';
import { type ServerProcess, startServer, stopAllServers } from './helpers/server-process.js';
import { parseSse, type SseEvent } from './helpers/sse.js';

/**
 * SIGTERM while several replies stream, as a rollout or a scale-in does it: readiness turns false
 * first, a reply that can finish within SHUTDOWN_GRACE_MS finishes, one that cannot is saved as
 * `interrupted` with exactly the text its client received, every stream ends cleanly, and the
 * process exits 0. (test/process.test.ts covers the single-stream cases.)
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'parley-shutdown-'));
});
afterEach(async () => stopAllServers());
afterAll(async () => {
  await stopAllServers();
  await rm(dir, { recursive: true, force: true });
});

/** An SSE stream read in the background; remembers when it ended. */
class Stream {
  private text = '';
  endedAt: number | undefined;
  readonly done: Promise<void>;

  constructor(response: Response) {
    if (!response.body) throw new Error('no body');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    this.done = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.text += value;
      }
      this.endedAt = Date.now();
    })();
  }

  events(): SseEvent[] {
    return parseSse(this.text);
  }

  parts(): { type: string; delta?: string; [key: string]: unknown }[] {
    return this.events()
      .filter((event) => event.data !== '[DONE]')
      .map((event) => JSON.parse(event.data));
  }

  received(): string {
    return this.parts()
      .filter((part) => part.type === 'text-delta')
      .map((part) => part.delta)
      .join('');
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function send(server: ServerProcess, conversationId: string, content: string): Promise<Stream> {
  const response = await fetch(`${server.baseUrl}/api/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ content }),
    signal: AbortSignal.timeout(30_000),
  });
  expect(response.status).toBe(200);
  return new Stream(response);
}

async function newConversation(server: ServerProcess): Promise<string> {
  const response = await fetch(`${server.baseUrl}/api/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  return ((await response.json()) as { id: string }).id;
}

describe('SIGTERM during active streams', () => {
  it('turns readiness false first, lets a short reply finish, checkpoints a long one, exits 0', async () => {
    const dbFile = path.join(dir, 'parley.db');
    // About 230 tokens a reply at 15 ms each: ~3.5 s per reply against a 1.5 s grace period.
    const server = await startServer({ dbFile, env: { DEMO_DELAY_MS: '15', SHUTDOWN_GRACE_MS: '1500' } });
    const [first, second] = [await newConversation(server), await newConversation(server)];
    const nearlyDone = 'A reply that is nearly done';
    const justStarted = 'A reply that has just started';

    // One reply 80% through when the signal comes (it needs well under the grace to finish)...
    const finishing = await send(server, first, nearlyDone);
    await until(
      'the first reply to be 80% done',
      () => finishing.received().length >= demoReply(nearlyDone).length * 0.8,
    );
    // ...and one just begun (it needs more than twice the grace).
    const cut = await send(server, second, justStarted);
    await until(
      'the second reply to stream',
      () => cut.parts().filter((p) => p.type === 'text-delta').length >= 3,
    );

    const signalledAt = Date.now();
    server.kill('SIGTERM');
    await server.waitForLog(/^shutting down/);
    // Readiness is false while both streams are still open: load balancers stop routing first.
    const ready = await fetch(`${server.baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const readyAt = Date.now();
    expect(ready.status).toBe(503);
    expect(cut.endedAt).toBeUndefined();
    // No new run starts on a server that is draining.
    const late = await fetch(`${server.baseUrl}/api/conversations/${first}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'too late' }),
      signal: AbortSignal.timeout(2_000),
    }).catch(() => undefined);
    expect(late?.status, 'a request during the drain').toBe(503);
    // In the documented error shape, saying when to come back.
    expect(await late?.json()).toEqual({ error: expect.any(String), code: 'unavailable' });
    expect(Number(late?.headers.get('retry-after'))).toBeGreaterThan(0);

    await Promise.all([finishing.done, cut.done]);
    const exit = await server.waitForExit(60_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(readyAt).toBeLessThan(finishing.endedAt as number);
    expect(readyAt).toBeLessThan(cut.endedAt as number);
    // It exits on its own (waitForExit above) after cutting the long reply at the grace period
    // (interrupted, below), not after letting it finish: no wall-clock bound needed.

    // The short reply finished normally...
    expect(finishing.parts().at(-1)).toMatchObject({
      type: 'finish',
      messageMetadata: { status: 'complete' },
    });
    expect(finishing.events().at(-1)?.data).toBe('[DONE]');
    expect(finishing.received()).toBe(demoReply(nearlyDone));
    // ...the long one was cut at the end of the grace period, and said so.
    expect(cut.parts().find((p) => p.type === 'abort')).toMatchObject({ reason: 'server shutdown' });
    expect(cut.parts().at(-1)).toMatchObject({ type: 'finish', messageMetadata: { status: 'interrupted' } });
    expect(cut.events().at(-1)?.data).toBe('[DONE]');
    expect((cut.endedAt as number) - signalledAt).toBeGreaterThanOrEqual(1_400);
    const runs = server.logs().filter((log) => log.msg === 'run finished');
    expect(runs.map((log) => log.status).sort()).toEqual(['complete', 'interrupted']);

    // What the store kept: the whole short reply, and exactly the text the long one's client saw.
    const restarted = await startServer({ dbFile, env: { DEMO_DELAY_MS: '0' } });
    const replyOf = async (conversationId: string) => {
      const response = await fetch(`${restarted.baseUrl}/api/conversations/${conversationId}/messages`);
      const { items } = (await response.json()) as {
        items: { role: string; status: string; content: string }[];
      };
      return items.find((message) => message.role === 'assistant');
    };
    expect(await replyOf(first)).toMatchObject({ status: 'complete', content: demoReply(nearlyDone) });
    expect(await replyOf(second)).toMatchObject({ status: 'interrupted', content: cut.received() });
    expect(cut.received().length).toBeGreaterThan(0);
    expect(demoReply(justStarted).startsWith(cut.received())).toBe(true);
  });
});

describe('SIGTERM when the grace period ends mid-reply', () => {
  // 1 s: the usual case. 11 s: longer than Fastify's own 10 s plugin/close timeout, which used to
  // cut the shutdown short (exit 1, the reply's text lost).
  it.each([1_000, 11_000])(
    'with SHUTDOWN_GRACE_MS=%i: exits 0 and keeps every character the client received',
    async (graceMs) => {
      const dbFile = path.join(dir, `grace-${graceMs}.db`);
      const content = 'A long answer, please';
      // About 230 tokens at 100 ms each: ~23 s, longer than either grace period.
      const server = await startServer({
        dbFile,
        env: { DEMO_DELAY_MS: '100', SHUTDOWN_GRACE_MS: String(graceMs) },
      });
      const conversationId = await newConversation(server);
      const stream = await send(server, conversationId, content);
      await until('the reply to stream', () => stream.received().length > 0);

      const signalledAt = Date.now();
      server.kill('SIGTERM');
      await stream.done;
      const exit = await server.waitForExit(graceMs + 60_000);
      expect(exit, server.stderr().join('\n')).toEqual({ code: 0, signal: null });
      expect((stream.endedAt as number) - signalledAt).toBeGreaterThanOrEqual(graceMs - 100);
      expect(stream.parts().at(-1)).toMatchObject({
        type: 'finish',
        messageMetadata: { status: 'interrupted' },
      });
      const received = stream.received();
      expect(received.length).toBeGreaterThan(0);
      expect(received.length).toBeLessThan(demoReply(content).length);

      // After the restart the reply holds all the text the client saw, and can be finished.
      const restarted = await startServer({ dbFile, env: { DEMO_DELAY_MS: '0' } });
      const replyOf = async () => {
        const response = await fetch(`${restarted.baseUrl}/api/conversations/${conversationId}/messages`);
        const { items } = (await response.json()) as {
          items: { id: string; role: string; status: string; content: string }[];
        };
        const reply = items.find((message) => message.role === 'assistant');
        if (!reply) throw new Error('no reply');
        return reply;
      };
      const saved = await replyOf();
      expect(saved).toMatchObject({ status: 'interrupted', content: received });
      const continued = await fetch(`${restarted.baseUrl}/api/messages/${saved.id}/continue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(continued.status).toBe(202);
      let done = await replyOf();
      const deadline = Date.now() + 10_000;
      while (done.status === 'streaming' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        done = await replyOf();
      }
      expect(done).toMatchObject({ status: 'complete', content: demoReply(content) });
    },
    60_000,
  );
});

describe('SIGTERM, then a kill before the grace period ends', () => {
  it('the store already holds every character the client had received when the signal came', async () => {
    const dbFile = path.join(dir, 'killed-during-grace.db');
    const content = 'Write me something long';
    // Checkpoints every second would leave up to a second of text unsaved; SIGTERM saves it at once.
    const server = await startServer({ dbFile, env: { DEMO_DELAY_MS: '50', SHUTDOWN_GRACE_MS: '30000' } });
    const conversationId = await newConversation(server);
    const stream = await send(server, conversationId, content);
    await until('the reply to stream', () => stream.received().length > 20);

    // The killed server cuts the stream off: that ending is expected here.
    const cutOff = stream.done.catch(() => undefined);
    const seenAtSignal = stream.received();
    server.kill('SIGTERM');
    await server.waitForLog('running replies checkpointed');
    // The platform's patience ran out (e.g. a terminationGracePeriod shorter than the setting).
    server.kill('SIGKILL');
    await server.waitForExit();
    await cutOff;

    const restarted = await startServer({ dbFile, env: { DEMO_DELAY_MS: '0' } });
    const response = await fetch(`${restarted.baseUrl}/api/conversations/${conversationId}/messages`);
    const { items } = (await response.json()) as {
      items: { role: string; status: string; content: string }[];
    };
    const reply = items.find((message) => message.role === 'assistant');
    expect(reply?.status).toBe('interrupted');
    expect(reply?.content.startsWith(seenAtSignal)).toBe(true);
    expect(demoReply(content).startsWith(reply?.content ?? 'x')).toBe(true);
  });
});
