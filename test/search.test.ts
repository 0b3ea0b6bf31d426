import { Migrator } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinUsers, GUEST_USER_ID, LOCAL_USER_ID } from '../src/server/auth/builtin-users.js';
import { parseSearchText, searchConversations, splitSnippet } from '../src/server/chat/search.js';
import { newId } from '../src/server/ids.js';
import {
  deleteConversation,
  insertConversation,
  updateConversation,
} from '../src/server/store/conversations-repo.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { insertMessage, updateMessage } from '../src/server/store/messages-repo.js';
import { migrationProvider } from '../src/server/store/migrations/index.js';
import type { MessageRow, MessageStatus } from '../src/server/store/schema.js';
import { fts5Query } from '../src/server/store/search-repo.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const ALICE = LOCAL_USER_ID;
const BOB = GUEST_USER_ID;

describe('search text parsing', () => {
  it('keeps words, drops chunks without letters or digits, and quotes for FTS5', () => {
    expect(parseSearchText('  "foo  AND OR ( bar*')).toEqual({
      terms: ['"foo', 'AND', 'OR', 'bar*'],
      prefix: false,
    });
    expect(parseSearchText('kayak tri')).toEqual({ terms: ['kayak', 'tri'], prefix: true });
    expect(parseSearchText('kayak ')).toEqual({ terms: ['kayak'], prefix: false });
    expect(parseSearchText('*** ((( ---')).toEqual({ terms: [], prefix: false });
    expect(fts5Query({ terms: ['say "hi"', 'NEAR(x'], prefix: true })).toBe('"say ""hi""" "NEAR(x"*');
  });

  it('turns marked snippets into text and ranges', () => {
    expect(splitSnippet('a \u0002kayak\u0003 and \u0002two\u0003…')).toEqual({
      snippet: 'a kayak and two…',
      highlights: [
        { start: 2, end: 7 },
        { start: 12, end: 15 },
      ],
    });
    // Stray markers never leak into the text.
    expect(splitSnippet('\u0003x\u0002\u0002y').snippet).toBe('xy');
  });
});

// The same search tests on every dialect, in one loop.
for (const target of storeTargets()) {
  describe(`search on ${target.name}`, () => {
    let database: TestDatabase;
    let store: Store;

    async function open() {
      database = await target.create();
      store = await openStore(database.url);
      await ensureBuiltinUsers(store.repos, new Date().toISOString());
    }

    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    async function conversation(userId = ALICE, title: string | null = null) {
      const at = new Date().toISOString();
      return insertConversation(store.db, {
        id: newId(),
        user_id: userId,
        title,
        model: 'demo',
        created_at: at,
        updated_at: at,
      });
    }

    async function message(
      conversationId: string,
      content: string,
      options: { userId?: string; role?: 'user' | 'assistant'; status?: MessageStatus } = {},
    ): Promise<MessageRow> {
      const at = new Date().toISOString();
      return insertMessage(store.db, {
        id: newId(),
        conversation_id: conversationId,
        user_id: options.userId ?? ALICE,
        parent_id: null,
        role: options.role ?? 'user',
        content,
        status: options.status ?? 'complete',
        created_at: at,
        updated_at: at,
      });
    }

    const search = (q: string, userId = ALICE, limit = 20, cursor?: string) =>
      searchConversations(store, userId, q, limit, cursor);

    it('ranks more occurrences and title matches above a single mention', async () => {
      await open();
      const titled = await conversation(ALICE, 'Kayak trip');
      const other = await conversation();
      const once = await message(other.id, 'we talked about the kayak and lunch plans for the weekend');
      const twice = await message(other.id, 'the kayak is light and the kayak is fast on the lake');
      const page = await search('kayak');
      const order = page.items.map((hit) => hit.messageId ?? `title:${hit.conversationId}`);
      expect(order).toHaveLength(3);
      expect(order.indexOf(twice.id)).toBeLessThan(order.indexOf(once.id));
      expect(order.indexOf(`title:${titled.id}`)).toBeLessThan(order.indexOf(once.id));
      const scores = page.items.map((hit) => hit.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      const title = page.items.find((hit) => hit.messageId === null);
      expect(title).toMatchObject({ conversationTitle: 'Kayak trip', role: null });
    });

    it('marks the matched words in plain-text snippets', async () => {
      await open();
      const c = await conversation(ALICE, 'Boats');
      await message(
        c.id,
        `${'filler words before the match '.repeat(10)}<b>Kayaks</b> & <script>alert(1)</script> then the KAYAK again ${'and some more words after it '.repeat(10)}`,
        { role: 'assistant' },
      );
      const [hit] = (await search('kayak')).items;
      if (!hit) throw new Error('no hit');
      expect(hit.role).toBe('assistant');
      expect(hit.conversationTitle).toBe('Boats');
      expect(hit.snippet.length).toBeLessThan(400);
      expect(hit.snippet).not.toContain('\u0002');
      expect(hit.snippet).not.toContain('\u0003');
      expect(hit.highlights.length).toBeGreaterThan(0);
      for (const { start, end } of hit.highlights) {
        expect(hit.snippet.slice(start, end).toLowerCase()).toMatch(/^kayaks?$/);
      }
    });

    it('matches the last word as a prefix, all words required', async () => {
      await open();
      const c = await conversation();
      const m = await message(c.id, 'Paddling across the fjord at dawn');
      expect((await search('fjo')).items.map((hit) => hit.messageId)).toEqual([m.id]);
      expect((await search('paddling fjo')).items.map((hit) => hit.messageId)).toEqual([m.id]);
      expect((await search('paddling volcano')).items).toEqual([]);
      // A finished word is not a prefix.
      expect((await search('fjo ')).items).toEqual([]);
    });

    it("searches only the caller's own conversations", async () => {
      await open();
      const mine = await conversation(ALICE, 'secret harbour');
      await message(mine.id, 'the harbour code is 4711');
      const theirs = await conversation(BOB, 'harbour for bob');
      await message(theirs.id, 'bob parks at the harbour', { userId: BOB });
      const alice = await search('harbour');
      expect(alice.items.length).toBe(2);
      expect(alice.items.every((hit) => hit.conversationId === mine.id)).toBe(true);
      const bob = await search('harbour', BOB);
      expect(bob.items.length).toBe(2);
      expect(bob.items.every((hit) => hit.conversationId === theirs.id)).toBe(true);
      expect(JSON.stringify(bob)).not.toContain('4711');
      expect((await search('4711', BOB)).items).toEqual([]);
    });

    it('treats query syntax as plain text and never fails', async () => {
      await open();
      const c = await conversation(ALICE, 'weird');
      await message(c.id, 'foo and or bar near baz "quoted" (parens) 3.14 foo-bar it\'s');
      const queries = [
        '"foo',
        'AND OR (',
        'NEAR(',
        '*',
        '"',
        "'",
        '\\',
        '-foo',
        'foo:bar',
        '^foo',
        'foo*',
        ')))',
        '%_',
        '🛶',
        'a'.repeat(200),
        'NOT',
        "it's",
        '3.14',
        'foo-bar',
        'quoted"',
        '{foo}',
        'col:foo',
        'foo\u0000bar',
        '\u0000',
      ];
      for (const q of queries) {
        const page = await search(q);
        expect(Array.isArray(page.items), q).toBe(true);
      }
      expect((await search('"foo')).items.length).toBe(1);
      expect((await search('AND OR (')).items.length).toBe(1);
      expect((await search('foo-bar')).items.length).toBe(1);
    });

    it('indexes a streamed reply once it is complete, not its checkpoints', async () => {
      await open();
      const c = await conversation();
      const reply = await message(c.id, '', { role: 'assistant', status: 'streaming' });
      await updateMessage(store.db, reply.id, {
        content: 'the zebra crossing',
        updated_at: new Date().toISOString(),
      });
      await updateMessage(store.db, reply.id, {
        content: 'the zebra crossing is striped',
        updated_at: new Date().toISOString(),
      });
      expect((await search('zebra')).items).toEqual([]);
      await updateMessage(store.db, reply.id, {
        content: 'the zebra crossing is striped black and white',
        status: 'complete',
        updated_at: new Date().toISOString(),
      });
      const hits = (await search('zebra')).items;
      expect(hits.map((hit) => hit.messageId)).toEqual([reply.id]);
      expect(hits[0]?.snippet).toContain('black and white');
      // Stopped and interrupted replies are searchable too; a continued one drops out while it streams.
      await updateMessage(store.db, reply.id, { status: 'streaming', updated_at: new Date().toISOString() });
      expect((await search('zebra')).items).toEqual([]);
      await updateMessage(store.db, reply.id, {
        content: 'the zebra crossing is striped black and white, mostly',
        status: 'stopped',
        updated_at: new Date().toISOString(),
      });
      expect((await search('mostly')).items.map((hit) => hit.messageId)).toEqual([reply.id]);
      expect((await search('zebra')).items).toHaveLength(1);
    });

    it('follows renames and forgets deleted conversations', async () => {
      await open();
      const c = await conversation(ALICE, 'Old name walrus');
      await message(c.id, 'the walrus message');
      await updateConversation(store.db, ALICE, c.id, { title: 'New name narwhal' });
      expect((await search('narwhal')).items.map((hit) => hit.conversationTitle)).toEqual([
        'New name narwhal',
      ]);
      const walrus = await search('walrus');
      expect(walrus.items.map((hit) => hit.messageId === null)).toEqual([false]);
      expect(walrus.items[0]?.conversationTitle).toBe('New name narwhal');

      const keep = await conversation(ALICE, 'kept walrus');
      expect(await deleteConversation(store.db, ALICE, c.id)).toBe(true);
      expect((await search('narwhal')).items).toEqual([]);
      expect((await search('walrus')).items.map((hit) => hit.conversationId)).toEqual([keep.id]);
    });

    it('pages through all hits without repeats', async () => {
      await open();
      const c = await conversation();
      const ids = new Set<string>();
      for (let i = 0; i < 25; i++) {
        ids.add((await message(c.id, `page test pelican number ${i}${i % 3 === 0 ? ' pelican' : ''}`)).id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await search('pelican', ALICE, 10, cursor);
        seen.push(...page.items.map((hit) => hit.messageId as string));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(25);
      expect(new Set(seen)).toEqual(ids);
    });

    it('indexes rows that existed before the search migration', async () => {
      await open();
      const c = await conversation(ALICE, 'pre-existing ocelot');
      const m = await message(c.id, 'an ocelot from before');
      const migrator = new Migrator({ db: store.db, provider: migrationProvider });
      const names = Object.keys(await migrationProvider.getMigrations()).sort();
      const before = names[names.indexOf('004-search') - 1] as string;
      expect((await migrator.migrateTo(before)).error).toBeUndefined();
      // Rows written without the search schema in place.
      const later = await message(c.id, 'an ocelot written while search was gone');
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const hits = (await search('ocelot')).items.map((hit) => hit.messageId);
      expect(hits).toHaveLength(3);
      expect(hits).toEqual(expect.arrayContaining([null, m.id, later.id]));
    });
  });
}

describe('GET /api/search', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  it('finds a streamed reply and the message it answers', async () => {
    const conversation = (
      await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })
    ).json();
    const started = (
      await t.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversation.id}/messages`,
        payload: { content: 'Tell me about the axolotl please' },
      })
    ).json();
    await t.app.parley.runs.get(started.runId)?.done;

    const res = await t.app.inject({ method: 'GET', url: '/api/search?q=axolotl' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const roles = body.items.map((hit: { role: string | null }) => String(hit.role)).sort();
    // The demo model quotes the question, so its reply matches too; the title made from the first
    // message (role null: a title hit) as well.
    expect(roles).toEqual(['assistant', 'null', 'user']);
    for (const hit of body.items) {
      expect(hit.conversationId).toBe(conversation.id);
      expect(typeof hit.score).toBe('number');
      expect(hit.snippet.slice(hit.highlights[0].start, hit.highlights[0].end).toLowerCase()).toBe('axolotl');
    }
    expect(body.nextCursor).toBeNull();

    const demo = (await t.app.inject({ method: 'GET', url: '/api/search?q=demo%20mod&limit=1' })).json();
    expect(demo.items).toHaveLength(1);
    expect(demo.items[0].role).toBe('assistant');
  });

  it('refuses a missing, empty or too long q and a bad cursor with 400', async () => {
    for (const url of [
      '/api/search',
      '/api/search?q=',
      `/api/search?q=${'a'.repeat(201)}`,
      '/api/search?q=x&limit=0',
      '/api/search?q=x&cursor=not-a-cursor',
    ]) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code).toBe('validation_error');
    }
  });

  it('answers odd queries with an empty page, not an error', async () => {
    for (const q of ['"', 'AND OR (', '***', '   ', 'NEAR(a b)']) {
      const res = await t.app.inject({ method: 'GET', url: `/api/search?q=${encodeURIComponent(q)}` });
      expect(res.statusCode, q).toBe(200);
    }
  });
});
