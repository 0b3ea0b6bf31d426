import { afterEach, describe, expect, it } from 'vitest';
import { type AccessPolicy, canRead, canWrite, ownerOnly } from '../src/server/chat/access.js';
import type { ConversationRow } from '../src/server/store/schema.js';
import { Client } from './helpers/clients.js';
import { readSse, textOf } from './helpers/sse.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Access to a conversation is one policy (src/server/chat/access.ts) applied in one place. Proof:
 * an app built with a policy that also lets a named reader (Bob) read Alice's conversation lets
 * Bob read it on every read path (the conversation, its messages, its stream by active/last run
 * and by run id, its export) while writes stay refused; the default policy answers 404 on the
 * same paths. A path with its own `user_id` filter would still refuse Bob and fail here.
 */

const SECRET = 'alice-shared-note-91c2';

interface World {
  t: TestApp;
  base: string;
  alice: Client;
  bob: Client;
  carol: Client;
  conversationId: string;
  replyId: string;
  runId: string;
}

let world: World | undefined;

afterEach(async () => {
  await world?.t.close();
  world = undefined;
});

/** Alice has a conversation with one finished reply; Bob and Carol are other users. */
async function build(policy?: (reader: () => string) => AccessPolicy): Promise<World> {
  let readerId = '';
  const t = await createTestApp({
    env: { AUTH_MODE: 'local' },
    ...(policy ? { accessPolicy: policy(() => readerId) } : {}),
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const alice = new Client(t.app);
  const bob = new Client(t.app);
  const carol = new Client(t.app);
  await alice.signup('alice');
  await bob.signup('bob');
  await carol.signup('carol');
  readerId = bob.userId as string;
  const conversation = (await alice.request('POST', '/api/conversations', { title: SECRET })).json();
  const sent = (
    await alice.request('POST', `/api/conversations/${conversation.id}/messages`, { content: SECRET })
  ).json();
  await t.app.parley.runs.get(sent.runId)?.done;
  world = {
    t,
    base: `http://127.0.0.1:${address.port}`,
    alice,
    bob,
    carol,
    conversationId: conversation.id,
    replyId: sent.assistantMessage.id,
    runId: sent.runId,
  };
  return world;
}

/** Bob may also read (not write) every conversation: the shape membership would take. */
const bobAlsoReads = (reader: () => string): AccessPolicy => ({
  canRead: (conversation, userId) => ownerOnly.canRead(conversation, userId) || userId === reader(),
  canWrite: ownerOnly.canWrite,
});

async function stream(w: World, who: Client, query: string) {
  const res = await fetch(`${w.base}/api/conversations/${w.conversationId}/stream?${query}`, {
    headers: who.cookie ? { cookie: who.cookie } : {},
  });
  return { status: res.status, text: res.status === 200 ? textOf(await readSse(res)) : await res.text() };
}

/** Every read path of one conversation, as `who` sees it. */
async function reads(w: World, who: Client) {
  const id = w.conversationId;
  return {
    conversation: await who.request('GET', `/api/conversations/${id}`),
    messages: await who.request('GET', `/api/conversations/${id}/messages`),
    exportJson: await who.request('GET', `/api/conversations/${id}/export?format=json`),
    exportMarkdown: await who.request('GET', `/api/conversations/${id}/export?format=markdown`),
    lastRun: await stream(w, who, 'after=0'),
    namedRun: await stream(w, who, `runId=${w.runId}&after=0`),
  };
}

/** Every write path of one conversation, as `who`. */
async function writes(w: World, who: Client) {
  const id = w.conversationId;
  return {
    rename: await who.request('PATCH', `/api/conversations/${id}`, { title: 'taken' }),
    send: await who.request('POST', `/api/conversations/${id}/messages`, { content: 'injected' }),
    regenerate: await who.request('POST', `/api/messages/${w.replyId}/regenerate`),
    continue: await who.request('POST', `/api/messages/${w.replyId}/continue`),
    stop: await who.request('POST', `/api/conversations/${id}/stop`),
    delete: await who.request('DELETE', `/api/conversations/${id}`),
  };
}

function statuses(results: Record<string, { statusCode?: number; status?: number }>) {
  return Object.fromEntries(
    Object.entries(results).map(([path, res]) => [path, res.statusCode ?? res.status]),
  );
}

describe('the access policy', () => {
  it('is owner only by default', () => {
    const row = { id: 'c1', user_id: 'alice' } as ConversationRow;
    expect([canRead(row, 'alice'), canWrite(row, 'alice')]).toEqual([true, true]);
    expect([canRead(row, 'bob'), canWrite(row, 'bob')]).toEqual([false, false]);
  });

  it('is the one place: a policy admitting a reader opens every read path to them, and only those', async () => {
    const w = await build(bobAlsoReads);
    const bob = await reads(w, w.bob);
    expect(statuses(bob)).toEqual({
      conversation: 200,
      messages: 200,
      exportJson: 200,
      exportMarkdown: 200,
      lastRun: 200,
      namedRun: 200,
    });
    expect(bob.conversation.json().title).toBe(SECRET);
    expect(bob.messages.body).toContain(SECRET);
    expect(bob.exportJson.body).toContain(SECRET);
    expect(bob.exportMarkdown.body).toContain(SECRET);
    // The stream replays Alice's reply, the same text she got.
    const alice = await stream(w, w.alice, 'after=0');
    expect(alice.text.length).toBeGreaterThan(0);
    expect(bob.lastRun.text).toBe(alice.text);
    expect(bob.namedRun.text).toBe(alice.text);

    // Reading is not writing: every write still answers 404 and changes nothing.
    const refused = statuses(await writes(w, w.bob));
    expect(
      Object.values(refused).every((status) => status === 404),
      JSON.stringify(refused),
    ).toBe(true);
    expect((await w.alice.request('GET', `/api/conversations/${w.conversationId}`)).json().title).toBe(
      SECRET,
    );

    // Someone the policy does not name still gets 404 everywhere.
    const carol = statuses(await reads(w, w.carol));
    expect(
      Object.values(carol).every((status) => status === 404),
      JSON.stringify(carol),
    ).toBe(true);
  });

  it('answers 404 (never 403) on every path to another user by default, leaking nothing', async () => {
    const w = await build();
    const bob = await reads(w, w.bob);
    expect(
      Object.values(statuses(bob)).every((status) => status === 404),
      JSON.stringify(statuses(bob)),
    ).toBe(true);
    for (const res of Object.values(bob)) {
      expect('body' in res ? res.body : res.text).not.toContain(SECRET);
    }
    const refused = statuses(await writes(w, w.bob));
    expect(
      Object.values(refused).every((status) => status === 404),
      JSON.stringify(refused),
    ).toBe(true);
    // The owner still reads everything.
    expect(Object.values(statuses(await reads(w, w.alice))).every((status) => status === 200)).toBe(true);
  });

  it('also decides where /v1 may record an exchange (X-Parley-Conversation)', async () => {
    const bobAlsoWrites = (reader: () => string): AccessPolicy => ({
      canRead: (conversation, userId) => ownerOnly.canRead(conversation, userId) || userId === reader(),
      canWrite: (conversation, userId) => ownerOnly.canWrite(conversation, userId) || userId === reader(),
    });
    for (const [policy, expected] of [
      [undefined, 404],
      [bobAlsoWrites, 200],
    ] as const) {
      const w = await build(policy);
      const token = (await w.bob.request('POST', '/api/tokens', { name: 'script' })).json().token;
      const res = await fetch(`${w.base}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'x-parley-conversation': w.conversationId,
        },
        body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'from bob' }] }),
      });
      expect(res.status).toBe(expected);
      const messages = (await w.alice.request('GET', `/api/conversations/${w.conversationId}/messages`)).body;
      expect(messages.includes('from bob')).toBe(expected === 200);
      await w.t.close();
      world = undefined;
    }
  });
});
