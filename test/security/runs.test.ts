import type { LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from '../helpers/databases.js';
import { postgresTestUrl } from '../helpers/redis.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// Issue 13, item 9: state transitions are claimed atomically. Parallel `continue` (or
// `regenerate`) requests on one message used to start one model call each (10 of 10 on
// PostgreSQL): each read the message, saw it continuable, and wrote `streaming` unguarded.

/**
 * A model that counts its calls and writes "partial " at once, then holds the rest of the reply
 * until the test opens the gate (or the run is stopped): a run stays in flight while the race runs.
 */
function gatedModel() {
  let calls = 0;
  let open = () => {};
  let gate = Promise.resolve();
  const model = new MockLanguageModelV3({
    doStream: async ({ abortSignal }) => {
      calls += 1;
      const held = gate;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async start(controller) {
          controller.enqueue({ type: 'text-start', id: '1' });
          controller.enqueue({ type: 'text-delta', id: '1', delta: 'partial ' });
          const aborted = new Promise<void>((resolve) =>
            abortSignal?.addEventListener('abort', () => resolve()),
          );
          await Promise.race([held, aborted]);
          if (abortSignal?.aborted) {
            controller.error(abortSignal.reason);
            return;
          }
          controller.enqueue({ type: 'text-delta', id: '1', delta: 'and the rest.' });
          controller.enqueue({ type: 'text-end', id: '1' });
          controller.enqueue({
            type: 'finish',
            finishReason: { unified: 'stop', raw: 'stop' },
            usage: {
              inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
              outputTokens: { total: 2, text: 2, reasoning: undefined },
            },
          });
          controller.close();
        },
      });
      return { stream };
    },
  });
  return {
    model,
    calls: () => calls,
    /** Hold every call made from now on until release(); counting starts again at 0. */
    hold() {
      calls = 0;
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
    },
    release: () => open(),
  };
}

const pgUrl = postgresTestUrl();
const targets: { name: string; create: () => Promise<TestDatabase> }[] = [
  { name: 'SQLite', create: async () => ({ name: 'sqlite', url: 'sqlite::memory:', drop: async () => {} }) },
  ...(pgUrl ? [{ name: 'PostgreSQL', create: () => createPostgresDatabase(pgUrl) }] : []),
];

describe.each(targets)('one run per message on $name', ({ create }) => {
  let database: TestDatabase;
  let t: TestApp | undefined;
  let gated: ReturnType<typeof gatedModel>;
  beforeAll(async () => {
    database = await create();
  });
  afterEach(async () => {
    gated?.release();
    await t?.close();
    t = undefined;
  });
  afterAll(async () => database?.drop());

  async function start(env: Record<string, string> = {}) {
    gated = gatedModel();
    t = await createTestApp({
      env: {
        DATABASE_URL: database.url,
        MAX_CONCURRENT_RUNS: '100',
        MESSAGE_LIMIT_RPM: '100000',
        RATE_LIMIT_RPM: '100000',
        ...env,
      },
      models: [{ id: 'gated', model: gated.model }],
    });
    return t;
  }

  const post = (url: string, payload: object = {}) =>
    (t as TestApp).app.inject({ method: 'POST', url, payload });

  async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** A conversation on the gated model whose reply the user stopped half-way: continuable. */
  async function stoppedReply(): Promise<{ conversationId: string; replyId: string; userMessageId: string }> {
    const { id: conversationId } = (await post('/api/conversations', { model: 'gated' })).json();
    gated.hold();
    const sent = await post(`/api/conversations/${conversationId}/messages`, { content: 'Tell me more' });
    expect(sent.statusCode).toBe(202);
    const { assistantMessage, userMessage } = sent.json();
    await until('the model to start', () => gated.calls() === 1);
    expect((await post(`/api/conversations/${conversationId}/stop`)).statusCode).toBe(200);
    return { conversationId, replyId: assistantMessage.id, userMessageId: userMessage.id };
  }

  async function replies(conversationId: string, parentId: string) {
    const res = await (t as TestApp).app.inject({
      method: 'GET',
      url: `/api/conversations/${conversationId}/messages?limit=200`,
    });
    return (
      res.json().items as { id: string; parentId: string; role: string; status: string; content: string }[]
    ).filter((message) => message.role === 'assistant' && message.parentId === parentId);
  }

  async function runRows(messageIds: string[]): Promise<number> {
    const row = await (t as TestApp).store.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('message_id', 'in', messageIds)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** After the race: the model got exactly one call (give a late one time to show up). */
  async function expectOneModelCall(): Promise<void> {
    await until('the winning run to call the model', () => gated.calls() >= 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gated.calls()).toBe(1);
  }

  for (const parallel of [10, 50]) {
    it(`${parallel} parallel continue on one stopped reply: one 202, one model call, the rest 409`, async () => {
      await start();
      const { conversationId, replyId, userMessageId } = await stoppedReply();
      expect((await replies(conversationId, userMessageId))[0]).toMatchObject({
        status: 'stopped',
        content: 'partial ',
      });
      gated.hold();

      const answers = await Promise.all(
        Array.from({ length: parallel }, () => post(`/api/messages/${replyId}/continue`)),
      );
      const accepted = answers.filter((res) => res.statusCode === 202);
      const refused = answers.filter((res) => res.statusCode === 409);
      expect(accepted).toHaveLength(1);
      expect(refused).toHaveLength(parallel - 1);
      for (const res of refused) expect(res.json().code).toBe('not_continuable');
      // One run row: the one initial reply plus one continuation.
      expect(await runRows([replyId])).toBe(2);
      await expectOneModelCall();

      // The winner writes the reply to the end, once.
      gated.release();
      await (t as TestApp).app.parley.runs.get(accepted[0]?.json().runId)?.done;
      expect((await replies(conversationId, userMessageId))[0]).toMatchObject({
        status: 'complete',
        content: 'partial partial and the rest.',
      });
    });

    it(`${parallel} parallel regenerate of one reply: one 202, one model call, the rest 409`, async () => {
      await start();
      const { conversationId, replyId, userMessageId } = await stoppedReply();
      gated.hold();

      const answers = await Promise.all(
        Array.from({ length: parallel }, () => post(`/api/messages/${replyId}/regenerate`)),
      );
      const accepted = answers.filter((res) => res.statusCode === 202);
      const refused = answers.filter((res) => res.statusCode === 409);
      expect(accepted).toHaveLength(1);
      expect(refused).toHaveLength(parallel - 1);
      for (const res of refused) expect(res.json().code).toBe('conflict');
      const siblings = await replies(conversationId, userMessageId);
      expect(siblings).toHaveLength(2);
      expect(await runRows(siblings.map((message) => message.id))).toBe(2);
      await expectOneModelCall();

      // While that reply streams, continuing its stopped sibling is refused too.
      const sibling = await post(`/api/messages/${replyId}/continue`);
      expect(sibling.statusCode).toBe(409);
      expect(sibling.json().code).toBe('conflict');
      expect(gated.calls()).toBe(1);

      // Once it is written, the user may regenerate again.
      gated.release();
      await (t as TestApp).app.parley.runs.get(accepted[0]?.json().runId)?.done;
      const again = await post(`/api/messages/${replyId}/regenerate`);
      expect(again.statusCode).toBe(202);
      await (t as TestApp).app.parley.runs.get(again.json().runId)?.done;
    });
  }

  it('a losing request gives its run slot back', async () => {
    // As many slots as racers: a loser that kept its slot would make one of the runs below a 429.
    const slots = 10;
    await start({ MAX_CONCURRENT_RUNS: String(slots) });
    const { replyId } = await stoppedReply();
    gated.hold();
    const answers = await Promise.all(
      Array.from({ length: slots }, () => post(`/api/messages/${replyId}/continue`)),
    );
    const accepted = answers.filter((res) => res.statusCode === 202);
    expect(accepted).toHaveLength(1);
    gated.release();
    await (t as TestApp).app.parley.runs.get(accepted[0]?.json().runId)?.done;

    // All slots are free again: the user can have `slots` replies written at once.
    gated.hold();
    const conversations = await Promise.all(
      Array.from(
        { length: slots },
        async () => (await post('/api/conversations', { model: 'gated' })).json().id,
      ),
    );
    const started = await Promise.all(
      conversations.map((id) => post(`/api/conversations/${id}/messages`, { content: 'at once' })),
    );
    expect(started.map((res) => res.statusCode)).toEqual(Array(slots).fill(202));
    await until('every run to call the model', () => gated.calls() === slots);
    gated.release();
    await Promise.all(started.map((res) => (t as TestApp).app.parley.runs.get(res.json().runId)?.done));
  });
});
