import net from 'node:net';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { storeTargets } from './helpers/databases.js';
import { multipartFile } from './helpers/multipart.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

// Share links, as their owner, another signed-in user and an anonymous reader see them, on SQLite
// and PostgreSQL: made, read signed out (public) or signed in (users), frozen, revoked, continued,
// followed while a reply streams, and gone with their conversation or account.

interface SharedMessage {
  role: string;
  content: string;
  status: string;
  parts: { type: string; fileId?: string; url?: string; text?: string }[];
}
interface Snapshot {
  id: string;
  title: string | null;
  visibility: string;
  messages: SharedMessage[];
  streaming: boolean;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(storeTargets())('share links on $name', (target) => {
  async function start(
    options: TestAppOptions = {},
  ): Promise<{ t: TestApp; alice: Client; bob: Client; anon: Client }> {
    const db = await target.create();
    cleanup.push(() => db.drop());
    const t = await createTestApp({
      ...options,
      env: { AUTH_MODE: 'local', DATABASE_URL: db.url, ...options.env },
    });
    cleanup.push(() => t.close());
    const alice = new Client(t.app);
    await alice.signup('alice');
    const bob = new Client(t.app);
    await bob.signup('bob');
    return { t, alice, bob, anon: new Client(t.app) };
  }

  /** A conversation of `client` with one finished exchange per message. */
  async function chat(t: TestApp, client: Client, title: string, ...contents: string[]): Promise<string> {
    const conversation = (await client.request('POST', '/api/conversations', { title })).json();
    for (const content of contents) await send(t, client, conversation.id, { content });
    return conversation.id;
  }

  async function send(t: TestApp, client: Client, id: string, body: object, wait = true) {
    const res = await client.request('POST', `/api/conversations/${id}/messages`, body);
    expect(res.statusCode, res.body).toBe(202);
    const accepted = res.json();
    if (wait) await t.app.parley.runs.get(accepted.runId)?.done;
    return accepted;
  }

  async function share(client: Client, id: string, body?: object) {
    const res = await client.request('POST', `/api/conversations/${id}/share`, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; url: string; visibility: string; messageCount: number };
  }

  const read = async (client: Client, id: string) => client.request('GET', `/api/shares/${id}`);

  it('public: readable signed out, frozen at share time, listed and revoked by its owner only', async () => {
    const { t, alice, bob, anon } = await start();
    const id = await chat(t, alice, 'Trip ideas', 'Where should we go in spring?');
    const link = await share(alice, id, { visibility: 'public' });
    expect(link).toMatchObject({ url: `/s/${link.id}`, visibility: 'public', messageCount: 2 });
    expect(link.id).toMatch(/^[A-Za-z0-9_-]{24}$/);

    // Written after sharing: never in the snapshot.
    await send(t, alice, id, { content: 'And in autumn?' });

    const res = await read(anon, link.id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const snapshot: Snapshot = res.json();
    expect(snapshot.title).toBe('Trip ideas');
    expect(snapshot.streaming).toBe(false);
    expect(snapshot.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(snapshot.messages[0]?.content).toBe('Where should we go in spring?');
    expect(snapshot.messages[1]?.status).toBe('complete');
    expect(res.body).not.toContain('autumn');
    // Nothing that names the owner or the conversation.
    expect(res.body).not.toContain(alice.userId);
    expect(res.body).not.toContain(id);
    expect(res.body).not.toContain('alice');

    // Listed for the owner only; bob's list is his own (empty).
    const mine = (await alice.request('GET', '/api/shares')).json().items;
    expect(mine.map((s: { id: string }) => s.id)).toEqual([link.id]);
    expect((await bob.request('GET', '/api/shares')).json().items).toEqual([]);
    expect((await anon.request('GET', '/api/shares')).statusCode).toBe(401);

    // Bob cannot revoke it (404), and it still reads; the owner can, and then it is gone for all.
    expect((await bob.request('DELETE', `/api/shares/${link.id}`)).statusCode).toBe(404);
    expect((await anon.request('DELETE', `/api/shares/${link.id}`)).statusCode).toBe(401);
    expect((await read(anon, link.id)).statusCode).toBe(200);
    expect((await alice.request('DELETE', `/api/shares/${link.id}`)).statusCode).toBe(204);
    for (const who of [anon, bob, alice]) {
      const after = await read(who, link.id);
      expect(after.statusCode).toBe(404);
      expect(after.json()).toEqual({
        error: 'This share link was removed or never existed.',
        code: 'not_found',
      });
    }
    expect((await alice.request('DELETE', `/api/shares/${link.id}`)).statusCode).toBe(404);
    expect((await alice.request('GET', '/api/shares')).json().items).toEqual([]);
  });

  it('users (the default): 401 signed out with a sign-in message, 200 for another signed-in user and an API token', async () => {
    const { t, alice, bob, anon } = await start();
    const id = await chat(t, alice, 'Team notes', 'Summarise the plan');
    const link = await share(alice, id);
    expect(link.visibility).toBe('users');

    const refused = await read(anon, link.id);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('unauthorized');
    expect(refused.json().error).toMatch(/sign in/i);
    expect(refused.body).not.toContain('Summarise');

    const asBob = await read(bob, link.id);
    expect(asBob.statusCode).toBe(200);
    expect(asBob.json().messages[0].content).toBe('Summarise the plan');

    const token = (await bob.request('POST', '/api/tokens', { name: 'script' })).json().token;
    const script = new Client(t.app);
    script.bearer = token;
    expect((await read(script, link.id)).statusCode).toBe(200);
  });

  it('another user cannot share my conversation; bad input is a 400; unknown ids a 404', async () => {
    const { t, alice, bob, anon } = await start();
    const id = await chat(t, alice, 'Mine', 'hello');
    const res = await bob.request('POST', `/api/conversations/${id}/share`, { visibility: 'public' });
    expect(res.statusCode).toBe(404);
    expect((await anon.request('POST', `/api/conversations/${id}/share`, {})).statusCode).toBe(401);
    expect((await bob.request('GET', '/api/shares')).json().items).toEqual([]);
    expect((await alice.request('GET', '/api/shares')).json().items).toEqual([]);

    for (const body of [{ visibility: 'everyone' }, { visibility: 'public', extra: 1 }]) {
      const bad = await alice.request('POST', `/api/conversations/${id}/share`, body);
      expect(bad.statusCode).toBe(400);
      expect(bad.json().code).toBe('validation_error');
    }
    // No body at all: the default visibility.
    expect((await share(alice, id)).visibility).toBe('users');

    for (const bogus of ['nope', 'A'.repeat(24), 'x'.repeat(64)]) {
      expect((await read(anon, bogus)).statusCode).toBe(404);
    }
    expect((await read(anon, 'x'.repeat(65))).statusCode).toBe(400);

    // An empty conversation has nothing to share.
    const empty = (await alice.request('POST', '/api/conversations', { title: 'empty' })).json();
    const refused = await alice.request('POST', `/api/conversations/${empty.id}/share`, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatch(/nothing to share/i);
  });

  it('attachments: readable only through their share, only those in the snapshot, and not after revoke', async () => {
    const { t, alice, bob, anon } = await start();
    const image = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#2266aa' } })
      .png()
      .toBuffer();
    const upload = multipartFile(image, 'diagram.png');
    const file = (await alice.request('POST', '/api/files', upload.payload, upload.headers)).json();
    const other = multipartFile(Buffer.from('private notes'), 'private.txt');
    const otherFile = (await alice.request('POST', '/api/files', other.payload, other.headers)).json();
    const conversation = (await alice.request('POST', '/api/conversations', { title: 'Pics' })).json();
    await send(t, alice, conversation.id, { content: 'Look at this', files: [file.id] });
    // A file of another of alice's conversations.
    const elsewhere = (await alice.request('POST', '/api/conversations', { title: 'Other' })).json();
    await send(t, alice, elsewhere.id, { content: 'notes', files: [otherFile.id] });

    const link = await share(alice, conversation.id, { visibility: 'public' });
    const snapshot: Snapshot = (await read(anon, link.id)).json();
    const part = snapshot.messages[0]?.parts.find((p) => p.type === 'file');
    expect(part).toMatchObject({ fileId: file.id, url: `/api/shares/${link.id}/files/${file.id}` });

    const got = await anon.request('GET', part?.url as string);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.headers['content-security-policy']).toContain('sandbox');
    expect(got.rawPayload.equals(image)).toBe(true);
    const thumb = await anon.request('GET', `${part?.url}?preview=true`);
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');

    // The owner's file route stays the owner's; a file not in the snapshot is not served.
    expect((await bob.request('GET', `/api/files/${file.id}`)).statusCode).toBe(404);
    expect((await anon.request('GET', `/api/shares/${link.id}/files/${otherFile.id}`)).statusCode).toBe(404);
    expect((await bob.request('GET', `/api/shares/${link.id}/files/${otherFile.id}`)).statusCode).toBe(404);

    // A users share's files need a signed-in reader too.
    const usersLink = await share(alice, conversation.id, { visibility: 'users' });
    expect((await anon.request('GET', `/api/shares/${usersLink.id}/files/${file.id}`)).statusCode).toBe(401);
    expect((await bob.request('GET', `/api/shares/${usersLink.id}/files/${file.id}`)).statusCode).toBe(200);

    expect((await alice.request('DELETE', `/api/shares/${link.id}`)).statusCode).toBe(204);
    expect((await anon.request('GET', part?.url as string)).statusCode).toBe(404);
  });

  it('continue in my account: a copy of the snapshot (attachments too) becomes the reader’s conversation', async () => {
    const { t, alice, bob, anon } = await start();
    const image = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#aa3311' } })
      .png()
      .toBuffer();
    const upload = multipartFile(image, 'red.png');
    const file = (await alice.request('POST', '/api/files', upload.payload, upload.headers)).json();
    const conversation = (await alice.request('POST', '/api/conversations', { title: 'Recipe' })).json();
    await send(t, alice, conversation.id, { content: 'What colour is it?', files: [file.id] });
    await send(t, alice, conversation.id, { content: 'Thanks' });
    const link = await share(alice, conversation.id, { visibility: 'public' });
    await send(t, alice, conversation.id, { content: 'after the share' });

    expect((await anon.request('POST', `/api/shares/${link.id}/continue`)).statusCode).toBe(401);
    const res = await bob.request('POST', `/api/shares/${link.id}/continue`);
    expect(res.statusCode, res.body).toBe(201);
    const copy = res.json();
    expect(copy).toMatchObject({ title: 'Recipe', messages: 4, url: `/c/${copy.conversationId}` });

    // Bob's own conversation now: he can read it and send in it; alice's is untouched.
    const messages = (await bob.request('GET', `/api/conversations/${copy.conversationId}/messages`)).json()
      .items as { content: string; parts: { type: string; fileId?: string }[] }[];
    expect(messages.map((m) => m.content)).toEqual([
      'What colour is it?',
      expect.any(String),
      'Thanks',
      expect.any(String),
    ]);
    const copied = messages[0]?.parts.find((p) => p.type === 'file');
    expect(copied?.fileId).toBeDefined();
    expect(copied?.fileId).not.toBe(file.id);
    const bytes = await bob.request('GET', `/api/files/${copied?.fileId}`);
    expect(bytes.statusCode).toBe(200);
    expect(bytes.rawPayload.equals(image)).toBe(true);
    expect((await alice.request('GET', `/api/conversations/${copy.conversationId}`)).statusCode).toBe(404);
    await send(t, bob, copy.conversationId, { content: 'carry on' });
    expect(
      (await alice.request('GET', `/api/conversations/${conversation.id}/messages`)).json().items,
    ).toHaveLength(6);
    // A revoked share cannot be continued.
    await alice.request('DELETE', `/api/shares/${link.id}`);
    expect((await bob.request('POST', `/api/shares/${link.id}/continue`)).statusCode).toBe(404);
  });

  it('a reply still streaming when shared is seen growing, then frozen complete', async () => {
    const { t, alice, anon } = await start({ env: { DEMO_DELAY_MS: '8' }, checkpointMs: 20 });
    const conversation = (await alice.request('POST', '/api/conversations', { title: 'Live' })).json();
    const accepted = await send(
      t,
      alice,
      conversation.id,
      { content: 'Tell me a long story about lighthouses' },
      false,
    );
    // Some text is checkpointed before the share is made.
    for (let i = 0; i < 100; i++) {
      const page = (await alice.request('GET', `/api/conversations/${conversation.id}/messages`)).json();
      if (page.items.some((m: { role: string; content: string }) => m.role === 'assistant' && m.content))
        break;
      await sleep(20);
    }
    const link = await share(alice, conversation.id, { visibility: 'public' });
    const first: Snapshot = (await read(anon, link.id)).json();
    expect(first.streaming).toBe(true);
    expect(first.messages[1]?.status).toBe('streaming');
    const lengths = [first.messages[1]?.content.length ?? 0];
    for (let i = 0; i < 200; i++) {
      await sleep(30);
      const next: Snapshot = (await read(anon, link.id)).json();
      lengths.push(next.messages[1]?.content.length ?? 0);
      if (!next.streaming) break;
    }
    expect(Math.max(...lengths)).toBeGreaterThan(lengths[0] as number);
    await t.app.parley.runs.get(accepted.runId)?.done;
    const done: Snapshot = (await read(anon, link.id)).json();
    expect(done.streaming).toBe(false);
    expect(done.messages[1]?.status).toBe('complete');
    const final = (await alice.request('GET', `/api/conversations/${conversation.id}/messages`)).json();
    const reply = final.items.find((m: { role: string }) => m.role === 'assistant');
    expect(done.messages[1]?.content).toBe(reply.content);

    // Frozen into the snapshot: a new reply in the same conversation does not change it.
    await send(t, alice, conversation.id, { content: 'another one' });
    const later: Snapshot = (await read(anon, link.id)).json();
    expect(later.messages).toEqual(done.messages);
    const row = await t.store.db
      .selectFrom('shares')
      .select('live_message_id')
      .where('id', '=', link.id)
      .executeTakeFirstOrThrow();
    expect(row.live_message_id).toBeNull();
  });

  it("a disabled account's links stop serving (snapshot, files, continue) and serve again once enabled", async () => {
    // alice signed up first: she is the admin; bob owns the link.
    const { t, alice, bob, anon } = await start();
    const id = await chat(t, bob, 'Notes', 'A note for the team');
    const link = await share(bob, id, { visibility: 'public' });
    expect((await read(anon, link.id)).statusCode).toBe(200);
    const disable = (disabled: boolean) =>
      alice.request('PATCH', `/api/admin/users/${bob.userId}`, { disabled });
    expect((await disable(true)).statusCode).toBe(200);
    expect((await read(anon, link.id)).statusCode).toBe(404);
    expect((await read(alice, link.id)).statusCode).toBe(404);
    expect((await alice.request('POST', `/api/shares/${link.id}/continue`)).statusCode).toBe(404);
    expect((await disable(false)).statusCode).toBe(200);
    expect((await read(anon, link.id)).statusCode).toBe(200);
  });

  it("a tool's error reaches a reader as 'failed', never its details (hosts, paths)", async () => {
    const { t, alice, anon } = await start();
    const id = await chat(t, alice, 'Lookup', 'Look it up');
    const reply = await t.store.db
      .selectFrom('messages')
      .select('id')
      .where('conversation_id', '=', id)
      .where('role', '=', 'assistant')
      .executeTakeFirstOrThrow();
    const failedCall = {
      type: 'dynamic-tool',
      toolCallId: 'call-1',
      toolName: 'intranet/lookup',
      state: 'output-error',
      input: { q: 'x' },
      errorText: 'connect ECONNREFUSED 10.20.30.40:9000 (/srv/mcp/lookup.sock)',
    };
    await t.store.db
      .updateTable('messages')
      .set({ parts: JSON.stringify([failedCall, { type: 'text', text: 'The lookup failed.' }]) })
      .where('id', '=', reply.id)
      .execute();
    const link = await share(alice, id, { visibility: 'public' });
    const res = await read(anon, link.id);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('10.20.30.40');
    expect(res.body).not.toContain('/srv/mcp');
    const tool = (res.json() as Snapshot).messages[1]?.parts[0] as { errorText?: string; state?: string };
    expect(tool).toMatchObject({ state: 'output-error', errorText: 'The tool call failed.' });
  });

  it('readers that never read a large shared file hold at most 4 downloads per address (then 429)', async () => {
    const { t, alice } = await start();
    // Far larger than the socket buffers: a reader that never reads keeps its response unsent.
    const big = Buffer.alloc(16 * 1024 * 1024, 'lorem ipsum dolor sit amet\n');
    const upload = multipartFile(big, 'big.txt');
    const file = (await alice.request('POST', '/api/files', upload.payload, upload.headers)).json();
    const conversation = (await alice.request('POST', '/api/conversations', { title: 'Big' })).json();
    await send(t, alice, conversation.id, { content: 'The big file', files: [file.id] });
    const link = await share(alice, conversation.id, { visibility: 'public' });
    const path = `/api/shares/${link.id}/files/${file.id}`;
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(base);
    const stalled: net.Socket[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const socket = net.connect(Number(port), '127.0.0.1');
        socket.on('error', () => undefined);
        socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        socket.pause();
        stalled.push(socket);
      }
      // Once the four are being served, a fifth from the same address waits its turn.
      let status = 0;
      for (let i = 0; i < 100 && status !== 429; i++) {
        const res = await fetch(`${base}${path}`, { method: 'HEAD' }).catch(() => undefined);
        status = res?.status ?? 0;
        if (status !== 429) await sleep(50);
      }
      expect(status).toBe(429);
    } finally {
      for (const socket of stalled) socket.destroy();
    }
    // Their connections gone, the slots are free again.
    let after = 0;
    for (let i = 0; i < 100 && after !== 200; i++) {
      after = (await fetch(`${base}${path}`, { method: 'HEAD' })).status;
      if (after !== 200) await sleep(50);
    }
    expect(after).toBe(200);
  });

  it('deleting the conversation or the account deletes its shares', async () => {
    const { t, alice, bob, anon } = await start();
    const first = await chat(t, alice, 'One', 'hi');
    const second = await chat(t, bob, 'Two', 'hello');
    const a = await share(alice, first, { visibility: 'public' });
    const b = await share(bob, second, { visibility: 'public' });
    expect((await alice.request('DELETE', `/api/conversations/${first}`)).statusCode).toBe(204);
    expect((await read(anon, a.id)).statusCode).toBe(404);
    expect((await alice.request('GET', '/api/shares')).json().items).toEqual([]);

    expect((await read(anon, b.id)).statusCode).toBe(200);
    expect(
      (await bob.request('DELETE', '/api/auth/me', { password: 'correct horse battery' })).statusCode,
    ).toBe(204);
    expect((await read(anon, b.id)).statusCode).toBe(404);
    const left = await t.store.db.selectFrom('shares').select('id').execute();
    expect(left).toEqual([]);
  });

  it('at most 100 share links per user: the next is a 409 until one is revoked', async () => {
    const { t, alice } = await start();
    const id = await chat(t, alice, 'Popular', 'hi');
    let last = '';
    for (let i = 0; i < 100; i++) last = (await share(alice, id)).id;
    const refused = await alice.request('POST', `/api/conversations/${id}/share`, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatch(/100 share links/);
    const listed = (await alice.request('GET', '/api/shares')).json().items;
    expect(listed).toHaveLength(100);
    expect(listed[0].id).toBe(last);
    await alice.request('DELETE', `/api/shares/${last}`);
    await share(alice, id);
  });
});

describe('share links under burst', () => {
  it('anonymous readers are rate-limited by address like other public routes', async () => {
    const t = await createTestApp({ env: { AUTH_MODE: 'local', RATE_LIMIT_RPM: '5' } });
    cleanup.push(() => t.close());
    const alice = new Client(t.app);
    await alice.signup('alice');
    const conversation = (await alice.request('POST', '/api/conversations', { title: 'x' })).json();
    const accepted = (
      await alice.request('POST', `/api/conversations/${conversation.id}/messages`, { content: 'hi' })
    ).json();
    await t.app.parley.runs.get(accepted.runId)?.done;
    const link = (
      await alice.request('POST', `/api/conversations/${conversation.id}/share`, { visibility: 'public' })
    ).json();
    const anon = new Client(t.app);
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await anon.request('GET', `/api/shares/${link.id}`)).statusCode);
    // (The sign-up came from the same address and counted too.)
    expect(codes[0]).toBe(200);
    expect(codes.at(-1)).toBe(429);
    expect((await anon.request('GET', `/api/shares/${link.id}`)).json().code).toBe('rate_limited');
    // The owner, signed in, is counted apart and still reads it.
    expect((await alice.request('GET', `/api/shares/${link.id}`)).statusCode).toBe(200);
  });
});
