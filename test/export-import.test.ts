import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoModel } from '../src/server/ai/demo-model.js';
import { ModelRegistry } from '../src/server/ai/model-registry.js';
import { ensureBuiltinUsers, LOCAL_USER_ID } from '../src/server/auth/builtin-users.js';
import { exportConversation } from '../src/server/chat/export.js';
import { importConversations } from '../src/server/chat/import.js';
import { AppError } from '../src/server/errors.js';
import { newId } from '../src/server/ids.js';
import { MemoryEventBus } from '../src/server/realtime/event-bus.js';
import { insertConversation } from '../src/server/store/conversations-repo.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { insertMessage } from '../src/server/store/messages-repo.js';
import type { MessageRow, NewMessage } from '../src/server/store/schema.js';
import {
  MAX_IMPORT_MESSAGES,
  PARLEY_EXPORT_FORMAT,
  type ParleyExportDto,
} from '../src/shared/export-schemas.js';
import { Client } from './helpers/clients.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';
import { createTestApp, type TestApp, tableCounts } from './helpers/test-app.js';

const ALICE = LOCAL_USER_ID;
const chatgptFixture = () =>
  JSON.parse(readFileSync(new URL('./fixtures/chatgpt-conversations.json', import.meta.url), 'utf8'));

/** Parent links as indices into the list: the shape of a tree, whatever its ids. */
function shape(messages: { id: string; parentId: string | null }[]): (number | null)[] {
  const index = new Map(messages.map((m, i) => [m.id, i]));
  return messages.map((m) => (m.parentId === null ? null : (index.get(m.parentId) ?? -1)));
}

/** A valid Parley export with `n` messages in one chain. */
function parleyFile(n = 2): ParleyExportDto {
  return {
    format: PARLEY_EXPORT_FORMAT,
    version: 1,
    conversation: { title: 'Imported', model: 'demo' },
    messages: Array.from({ length: n }, (_, i) => ({
      id: `m${i}`,
      parentId: i === 0 ? null : `m${i - 1}`,
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `message ${i}`,
    })),
  };
}

// Import and export at the domain level on every dialect: one transaction, nothing on failure.
for (const target of storeTargets()) {
  describe(`export and import on ${target.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    const models = new ModelRegistry([
      {
        info: { id: 'demo', provider: 'parley', name: 'Demo', contextWindow: null, available: true },
        model: createDemoModel({ delayMs: 0 }),
      },
    ]);
    const deps = () => ({ store, models, bus: new MemoryEventBus() });

    async function open() {
      database = await target.create();
      store = await openStore(database.url);
      await ensureBuiltinUsers(store.repos, new Date().toISOString());
    }

    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    async function message(
      conversationId: string,
      parentId: string | null,
      role: 'user' | 'assistant',
      content: string,
      extra: Partial<NewMessage> = {},
    ): Promise<MessageRow> {
      const at = new Date().toISOString();
      return insertMessage(store.db, {
        id: newId(),
        conversation_id: conversationId,
        user_id: ALICE,
        parent_id: parentId,
        role,
        content,
        status: 'complete',
        model: role === 'assistant' ? 'demo' : null,
        created_at: at,
        updated_at: at,
        ...extra,
      });
    }

    /** A conversation with a regenerated reply (two branches) and an interrupted one. */
    async function tree() {
      const at = new Date().toISOString();
      const c = await insertConversation(store.db, {
        id: newId(),
        user_id: ALICE,
        title: 'Trip: "Oslo" / Bergen 🚆',
        model: 'demo',
        system_prompt: 'Answer briefly.',
        created_at: at,
        updated_at: at,
      });
      const u1 = await message(c.id, null, 'user', 'Which train goes to Bergen?');
      const a1 = await message(c.id, u1.id, 'assistant', 'The Bergen Line.', {
        input_tokens: 12,
        output_tokens: 5,
        finish_reason: 'stop',
      });
      const a1b = await message(c.id, u1.id, 'assistant', 'Take the Bergensbanen', { status: 'stopped' });
      const u2 = await message(c.id, a1.id, 'user', 'How long does it take?');
      const a2 = await message(c.id, u2.id, 'assistant', 'About seven', { status: 'interrupted' });
      return { c, u1, a1, a1b, u2, a2 };
    }

    async function refused(body: unknown, expected: RegExp) {
      const before = await tableCounts(store);
      const error = await importConversations(deps(), ALICE, body).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `accepted a bad file; expected ${expected}`).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
      expect((error as AppError).code).toBe('validation_error');
      expect((error as AppError).message).toMatch(expected);
      expect(await tableCounts(store)).toEqual(before);
    }

    it('round-trips a conversation tree through JSON under new ids', async () => {
      await open();
      const { c } = await tree();
      const file = JSON.parse((await exportConversation(store, ALICE, c.id, 'json')).body) as ParleyExportDto;
      expect(file.format).toBe('parley.conversation');
      expect(file.messages).toHaveLength(5);

      const result = await importConversations(deps(), ALICE, file);
      expect(result.imported).toEqual([{ id: expect.any(String), title: c.title, messages: 5 }]);
      const newId = result.imported[0]?.id as string;
      expect(newId).not.toBe(c.id);

      const again = JSON.parse(
        (await exportConversation(store, ALICE, newId, 'json')).body,
      ) as ParleyExportDto;
      expect(again.conversation).toMatchObject({
        title: file.conversation.title,
        model: 'demo',
        systemPrompt: 'Answer briefly.',
        createdAt: file.conversation.createdAt,
      });
      expect(shape(again.messages)).toEqual(shape(file.messages));
      const strip = ({ id: _id, parentId: _parentId, ...rest }: ParleyExportDto['messages'][number]) => rest;
      expect(again.messages.map(strip)).toEqual(file.messages.map(strip));
      const oldIds = new Set(file.messages.map((m) => m.id));
      expect(again.messages.some((m) => oldIds.has(m.id))).toBe(false);
    });

    it('drops NUL characters, which PostgreSQL cannot store', async () => {
      await open();
      const file = parleyFile(2);
      (file.messages[0] as { content: string }).content = 'nul\u0000here';
      const [entry] = (await importConversations(deps(), ALICE, file)).imported;
      const again = JSON.parse((await exportConversation(store, ALICE, entry?.id as string, 'json')).body);
      expect(again.messages[0].content).toBe('nulhere');
    });

    it('imports a ChatGPT export with its branches, skipping system, tool and empty nodes', async () => {
      await open();
      const result = await importConversations(deps(), ALICE, chatgptFixture());
      expect(result.imported.map(({ title, messages }) => ({ title, messages }))).toEqual([
        { title: 'Cooking eggs', messages: 4 },
        { title: 'Picture and weather', messages: 2 },
      ]);
      const [eggs, picture] = result.imported;

      const file = JSON.parse((await exportConversation(store, ALICE, eggs?.id as string, 'json')).body);
      const byContent = (text: string) =>
        file.messages.find((m: { content: string }) =>
          m.content.includes(text),
        ) as ParleyExportDto['messages'][number];
      const boil = byContent('boil an egg');
      const boiled = byContent('9 minutes');
      const poach = byContent('poach');
      const poached = byContent('Swirl');
      // The hidden system node is gone: both first questions are roots; each answer hangs below its question.
      expect(boil.parentId).toBeNull();
      expect(poach.parentId).toBeNull();
      expect(boiled.parentId).toBe(boil.id);
      expect(poached.parentId).toBe(poach.id);
      expect(boiled).toMatchObject({
        role: 'assistant',
        model: 'gpt-4o',
        createdAt: '2024-05-29T16:26:52.250Z',
      });
      expect(boil.createdAt).toBe('2024-05-29T16:26:50.500Z');
      expect(file.conversation.createdAt).toBe('2024-05-29T16:26:40.123Z');
      // current_node was the boiled-egg answer: it is the newest message, so it is the current branch.
      expect(file.messages.at(-1).id).toBe(boiled.id);
      const markdown = (await exportConversation(store, ALICE, eggs?.id as string, 'markdown')).body;
      expect(markdown).toContain('9 minutes');
      expect(markdown).not.toContain('poach');

      const second = JSON.parse((await exportConversation(store, ALICE, picture?.id as string, 'json')).body);
      expect(
        second.messages.map((m: ParleyExportDto['messages'][number]) => [m.role, m.content, m.model]),
      ).toEqual([
        ['user', 'What is in this picture? And what is the weather in Oslo?', null],
        ['assistant', 'It is a cat on a windowsill. In Oslo it is 3 °C with light snow.', 'gpt-4o-mini'],
      ]);
      expect(shape(second.messages)).toEqual([null, 0]);
    });

    it('refuses malformed files with a 400 naming the problem, and writes nothing', async () => {
      await open();
      await tree();
      const file = parleyFile(4);
      const edit = (change: (f: ParleyExportDto & Record<string, unknown>) => void) => {
        const copy = structuredClone(file) as ParleyExportDto & Record<string, unknown>;
        change(copy);
        return copy;
      };
      await refused(
        edit((f) => {
          (f.messages[1] as Record<string, unknown>).content = 42;
        }),
        /messages\[1\]\.content must be a string/,
      );
      await refused(
        edit((f) => {
          delete (f.messages[2] as Record<string, unknown>).role;
        }),
        /messages\[2\]\.role is missing/,
      );
      await refused(
        edit((f) => {
          delete (f as Record<string, unknown>).conversation;
        }),
        /conversation is missing/,
      );
      await refused(
        edit((f) => {
          (f.messages[3] as Record<string, unknown>).role = 'tool';
        }),
        /messages\[3\]\.role must be user or assistant/,
      );
      await refused(
        edit((f) => {
          (f.messages[0] as Record<string, unknown>).parentId = 'm3';
        }),
        /messages\[0\]\.parentId makes a cycle/,
      );
      await refused(
        edit((f) => {
          (f.messages[2] as Record<string, unknown>).parentId = 'nope';
        }),
        /messages\[2\]\.parentId names a message that is not in the file/,
      );
      await refused(
        edit((f) => {
          (f.messages[2] as Record<string, unknown>).id = 'm0';
        }),
        /messages\[2\]\.id repeats messages\[0\]\.id/,
      );
      await refused(
        edit((f) => {
          (f.messages[1] as Record<string, unknown>).createdAt = 'yesterday';
        }),
        /messages\[1\]\.createdAt must be an ISO 8601 date/,
      );
      await refused(
        edit((f) => {
          f.conversation.title = 7 as unknown as string;
        }),
        /conversation\.title must be a string or null/,
      );
      await refused(
        edit((f) => {
          f.version = 2 as 1;
        }),
        /version must be 1/,
      );
      await refused(
        edit((f) => {
          f.format = 'other' as typeof PARLEY_EXPORT_FORMAT;
        }),
        /format must be/,
      );
      await refused(parleyFile(MAX_IMPORT_MESSAGES + 1), new RegExp(`at most ${MAX_IMPORT_MESSAGES}`));
      await refused({ hello: 'world' }, /neither a Parley export .* nor ChatGPT/);
      await refused('just a string', /neither a Parley export/);
      await refused(null, /neither a Parley export/);
      await refused([], /contains no conversations/);
    });

    it('refuses malformed ChatGPT exports, even when only one conversation is bad', async () => {
      await open();
      // Break one field of the fixture (a path into the parsed JSON) and try to import it.
      const broken = (path: string[], value: unknown) => {
        const copy = chatgptFixture();
        let at = copy;
        for (const key of path.slice(0, -1)) at = at[key];
        at[path.at(-1) as string] = value;
        return copy;
      };
      const node = (id: string) => `bbb20000-0000-4000-8000-00000000000${id}`;
      await refused(
        broken(['1', 'mapping', node('3'), 'parent'], 'missing-node'),
        new RegExp(
          `conversations\\[1\\]\\.mapping\\["${node('3')}"\\]\\.parent names a node that is not in the mapping`,
        ),
      );
      await refused(
        broken(['1', 'mapping', node('1'), 'parent'], node('5')),
        /conversations\[1\]\.mapping\[".*"\]\.parent makes a cycle/,
      );
      await refused(
        broken(['1', 'mapping'], 'not a mapping'),
        /conversations\[1\]\.mapping must be an object/,
      );
      await refused([{ title: 'no mapping' }], /conversations\[0\]\.mapping is missing/);
      await refused(
        broken(['0', 'mapping', 'aaa10000-0000-4000-8000-000000000003', 'message', 'author'], {}),
        /conversations\[0\]\.mapping\[".*"\]\.message\.author\.role is missing/,
      );
      await refused(
        broken(['1', 'current_node'], 'elsewhere'),
        /conversations\[1\]\.current_node names a node that is not in the mapping/,
      );
    });

    it('writes all conversations of a file in one transaction', async () => {
      await open();
      // Make the database itself fail on the second conversation's messages.
      if (store.dialect === 'sqlite') {
        await sql`create trigger explode before insert on messages when new.content like '%windowsill%'
          begin select raise(abort, 'boom'); end`.execute(store.db);
      } else {
        await sql`create function explode() returns trigger language plpgsql as $$
          begin if new.content like '%windowsill%' then raise exception 'boom'; end if; return new; end $$`.execute(
          store.db,
        );
        await sql`create trigger explode before insert on messages for each row execute function explode()`.execute(
          store.db,
        );
      }
      const before = await tableCounts(store);
      await expect(importConversations(deps(), ALICE, chatgptFixture())).rejects.toThrow(/boom/);
      expect(await tableCounts(store)).toEqual(before);
    });
  });
}

describe('export and import over HTTP', () => {
  let t: TestApp;
  let alice: Client;
  let bob: Client;

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local' } });
    alice = new Client(t.app);
    bob = new Client(t.app);
    await alice.signup('alice');
    await bob.signup('bob');
  });
  afterAll(async () => t?.close());

  async function send(conversationId: string, content: string, parentId?: string) {
    const res = await alice.request('POST', `/api/conversations/${conversationId}/messages`, {
      content,
      ...(parentId ? { parentId } : {}),
    });
    expect(res.statusCode).toBe(202);
    const started = res.json();
    await t.app.parley.runs.get(started.runId)?.done;
    return started;
  }

  it('exports JSON and Markdown of the current branch as attachments', async () => {
    const c = (
      await alice.request('POST', '/api/conversations', { title: 'Trip: "Oslo" / Bergen 🚆' })
    ).json();
    const first = await send(c.id, 'Question one about trains');
    await send(c.id, 'Branch A follow-up', first.assistantMessage.id);
    // Edit the follow-up: a second branch from the same reply; the newest leaf is on it.
    await send(c.id, 'Branch B follow-up', first.assistantMessage.id);

    const md = await alice.request('GET', `/api/conversations/${c.id}/export?format=markdown`);
    expect(md.statusCode).toBe(200);
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.headers['content-disposition']).toBe(
      `attachment; filename="Trip Oslo Bergen.md"; filename*=UTF-8''Trip%20Oslo%20Bergen%20%F0%9F%9A%86.md`,
    );
    expect(md.body.startsWith('# Trip: "Oslo" / Bergen 🚆\n')).toBe(true);
    expect(md.body).toContain('## User');
    expect(md.body).toContain('## Assistant (demo)');
    expect(md.body).toContain('Question one about trains');
    expect(md.body).toContain('Branch B follow-up');
    expect(md.body).not.toContain('Branch A follow-up');
    expect(md.body.indexOf('Question one')).toBeLessThan(md.body.indexOf('Branch B'));

    const json = await alice.request('GET', `/api/conversations/${c.id}/export`);
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.headers['content-disposition']).toMatch(/^attachment; filename="Trip Oslo Bergen\.json"/);
    const file = json.json();
    expect(file.messages).toHaveLength(6);
    expect(file.messages.map((m: { content: string }) => m.content)).toEqual(
      expect.arrayContaining(['Branch A follow-up', 'Branch B follow-up']),
    );

    // Back in through the API: a new conversation of the caller's, listed with the others.
    const imported = await alice.request('POST', '/api/conversations/import', file);
    expect(imported.statusCode).toBe(201);
    const [entry] = imported.json().imported;
    expect(entry).toMatchObject({ title: 'Trip: "Oslo" / Bergen 🚆', messages: 6 });
    const list = (await alice.request('GET', '/api/conversations')).json();
    expect(list.items.map((item: { id: string }) => item.id)).toContain(entry.id);
  });

  it("answers 404 for another user's conversation and never exports it", async () => {
    const c = (await alice.request('POST', '/api/conversations', { title: 'alice only' })).json();
    await send(c.id, 'private words of alice');
    for (const format of ['json', 'markdown']) {
      const res = await bob.request('GET', `/api/conversations/${c.id}/export?format=${format}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('not_found');
      expect(res.body).not.toContain('private words');
    }
    expect((await bob.request('GET', `/api/conversations/${newId()}/export`)).statusCode).toBe(404);
    expect((await alice.request('GET', `/api/conversations/${c.id}/export?format=pdf`)).statusCode).toBe(400);
  });

  it('refuses what is not JSON, or too large, and writes nothing', async () => {
    const before = await tableCounts(t.store);
    const notJson = await alice.request('POST', '/api/conversations/import', undefined, {
      'content-type': 'application/json',
    });
    expect(notJson.statusCode).toBe(400);
    const garbage = await t.app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: {
        cookie: alice.cookie as string,
        'x-csrf-token': alice.csrfToken as string,
        'content-type': 'application/json',
      },
      payload: '{"format": "parley.conversation", "messages": [',
    });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json()).toEqual({ error: 'The request body is not valid JSON.', code: 'invalid_json' });
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: {
        cookie: alice.cookie as string,
        'x-csrf-token': alice.csrfToken as string,
        'content-type': 'text/plain',
      },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    const huge = await alice.request('POST', '/api/conversations/import', {
      ...parleyFile(1),
      padding: 'x'.repeat(21 * 1024 * 1024),
    });
    expect(huge.statusCode).toBe(413);
    // Bob's: Alice has used her five imports of this minute (import-gate.ts).
    const bad = await bob.request('POST', '/api/conversations/import', {
      ...parleyFile(2),
      messages: 'no',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: 'Import refused: messages must be an array.',
      code: 'validation_error',
    });
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('takes files larger than the usual body limit', async () => {
    const file = parleyFile(6);
    for (const m of file.messages) m.content = `${m.content} ${'long text '.repeat(40_000)}`;
    const res = await bob.request('POST', '/api/conversations/import', file);
    expect(res.statusCode).toBe(201);
    expect(res.json().imported[0].messages).toBe(6);
  });
});
