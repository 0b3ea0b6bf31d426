import { afterEach, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { storeTargets } from './helpers/databases.js';
import { textReader } from './helpers/sse.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// Titles as a user sees them in the sidebar: the first words of the first message at once,
// whatever becomes of the reply, and never over a title the user chose.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe.each(storeTargets())('titles on $name', (target) => {
  async function start(env: Record<string, string> = {}): Promise<{ t: TestApp; alice: Client }> {
    const db = await target.create();
    cleanup.push(() => db.drop());
    const t = await createTestApp({ env: { AUTH_MODE: 'local', DATABASE_URL: db.url, ...env } });
    cleanup.push(() => t.close());
    const alice = new Client(t.app);
    await alice.signup('alice');
    return { t, alice };
  }

  async function titleOf(client: Client, id: string): Promise<string | null> {
    const res = await client.request('GET', `/api/conversations/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().title;
  }

  async function eventually(read: () => Promise<unknown>, expected: unknown): Promise<void> {
    for (let i = 0; i < 50 && (await read()) !== expected; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await read()).toBe(expected);
  }

  it('a first message titles its new conversation at once with its first words (≤ 60 chars)', async () => {
    const { t, alice } = await start({ DEMO_DELAY_MS: '50' });
    const long = `How do I plan a two week trip to Kyoto and Osaka in spring with a small budget and kids?`;
    const res = await alice.request('POST', '/api/conversations/start', { content: long });
    expect(res.statusCode, res.body).toBe(202);
    const { conversationId, runId } = res.json();
    // While the reply still streams, the row already has its placeholder.
    const title = await titleOf(alice, conversationId);
    expect(title).toBe('How do I plan a two week trip to Kyoto and Osaka in spring…');
    expect((title ?? '').length).toBeLessThanOrEqual(61);
    await alice.request('POST', `/api/conversations/${conversationId}/stop`);
    await t.app.parley.runs.get(runId)?.done;
  });

  it('a first reply that is stopped still leaves a titled conversation', async () => {
    const { t, alice } = await start({ DEMO_DELAY_MS: '200' });
    const created = await alice.request('POST', '/api/conversations', {});
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(created.json().title).toBeNull();
    const sent = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'Budget for a bike',
    });
    expect(sent.statusCode, sent.body).toBe(202);
    expect((await alice.request('POST', `/api/conversations/${id}/stop`)).statusCode).toBeLessThan(300);
    await t.app.parley.runs.get(sent.json().runId)?.done;
    await eventually(() => titleOf(alice, id), 'Budget for a bike');
  });

  it('a title the user chose is never replaced, even by a write that was already on its way', async () => {
    const { t, alice } = await start();
    const created = await alice.request('POST', '/api/conversations', {});
    const id = created.json().id;
    expect((await alice.request('PATCH', `/api/conversations/${id}`, { title: 'Mine' })).statusCode).toBe(
      200,
    );
    const sent = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'Something else',
    });
    await t.app.parley.runs.get(sent.json().runId)?.done;
    expect(await titleOf(alice, id)).toBe('Mine');

    // A late machine title compares against the title it replaces (untitled) and loses.
    const me = (await alice.request('GET', '/api/auth/me')).json();
    const repos = t.app.parley.store.repos;
    expect(await repos.conversations.replaceTitle(me.user.id, id, null, 'Late title')).toBeUndefined();
    expect(await titleOf(alice, id)).toBe('Mine');
    // The same write against the title it really replaces does land (the check above is not vacuous).
    expect((await repos.conversations.replaceTitle(me.user.id, id, 'Mine', 'Next'))?.title).toBe('Next');
    expect(await titleOf(alice, id)).toBe('Next');
  });

  it("publishes the placeholder title on the user's live events, for other tabs to show", async () => {
    const { t, alice } = await start();
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events`, {
      headers: { cookie: alice.cookie ?? '' },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = textReader(res);
    const seen: { type: string; conversation?: { id: string; title: string | null } }[] = [];
    let buffer = '';
    const until = async (found: () => boolean) => {
      while (!found()) {
        buffer += (await reader.read()).value ?? '';
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) seen.push(JSON.parse(data.slice(6)));
        }
      }
    };
    await until(() => seen.some((e) => e.type === 'ready'));
    const id = (await alice.request('POST', '/api/conversations', {})).json().id;
    const sent = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'Soup for ten',
    });
    await until(() =>
      seen.some(
        (e) => e.type === 'conversation.updated' && e.conversation?.id === id && e.conversation?.title,
      ),
    );
    controller.abort();
    const updated = seen.find((e) => e.type === 'conversation.updated' && e.conversation?.id === id);
    expect(updated?.conversation?.title).toBe('Soup for ten');
    await t.app.parley.runs.get(sent.json().runId)?.done;
  });
});
