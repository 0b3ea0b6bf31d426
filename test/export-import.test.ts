import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import pino from 'pino';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoModel } from '../src/server/ai/demo-model.js';
import { ModelRegistry } from '../src/server/ai/model-registry.js';
import { ensureBuiltinUsers, GUEST_USER_ID, LOCAL_USER_ID } from '../src/server/auth/builtin-users.js';
import { exportConversation } from '../src/server/chat/export.js';
import { importConversations } from '../src/server/chat/import.js';
import { attachmentText, storedParts } from '../src/server/chat/message-parts.js';
import { AppError } from '../src/server/errors.js';
import { DatabaseBlobStore } from '../src/server/files/database-blob-store.js';
import { FileService } from '../src/server/files/file-service.js';
import { newId } from '../src/server/ids.js';
import { MemoryEventBus } from '../src/server/realtime/event-bus.js';
import { insertConversation } from '../src/server/store/conversations-repo.js';
import { openStore, type Store } from '../src/server/store/database.js';
import { insertMessage } from '../src/server/store/messages-repo.js';
import type { FileRow, MessageRow, NewMessage } from '../src/server/store/schema.js';
import { storedBytes } from '../src/server/store/storage-repo.js';
import {
  MAX_IMPORT_BODY_BYTES,
  MAX_IMPORT_MESSAGES,
  PARLEY_EXPORT_FORMAT,
  type ParleyExportDto,
} from '../src/shared/export-schemas.js';
import type { MessagePartDto } from '../src/shared/message-parts.js';
import { Client } from './helpers/clients.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';
import { multipartFile } from './helpers/multipart.js';
import { createTestApp, type TestApp, tableCounts } from './helpers/test-app.js';

const ALICE = LOCAL_USER_ID;
/** The second built-in user: the importer of another user's export. */
const BOB = GUEST_USER_ID;
const encode = (text: string) => new TextEncoder().encode(text);
const redSquare = () =>
  sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toBuffer();
/** An ELF header: an executable, whatever it is called. */
const executable = () => {
  const bytes = new Uint8Array(256);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
  return bytes;
};
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
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
    let files: FileService;
    const deps = (storageQuotaBytes?: number) => ({
      store,
      models,
      bus: new MemoryEventBus(),
      files,
      ...(storageQuotaBytes === undefined ? {} : { storageQuotaBytes }),
    });

    async function open() {
      database = await target.create();
      store = await openStore(database.url);
      await ensureBuiltinUsers(store.repos, new Date().toISOString());
      files = new FileService({
        store,
        blobs: new DatabaseBlobStore(store),
        maxFileBytes: 1024 * 1024,
        storageQuotaBytes: 1024 * 1024 * 1024,
        logger: pino({ level: 'silent' }),
      });
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
        // The JSON has no image bytes: the image is a note where it was, the text stays.
        [
          'user',
          '[image not included in the export]\nWhat is in this picture? And what is the weather in Oslo?',
          null,
        ],
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
      await refused(
        edit((f) => {
          (f.messages[1] as Record<string, unknown>).parts = [{ type: 'file' }];
        }),
        /messages\[1\]\.parts\[0\]\.fileId is missing/,
      );
      await refused(
        edit((f) => {
          (f.messages[1] as Record<string, unknown>).parts = [
            { type: 'text', text: 'hi' },
            { type: 'video' },
          ];
        }),
        /messages\[1\]\.parts\[1\]\.type must be text or file/,
      );
      await refused(
        edit((f) => {
          f.files = [{ id: 'f1', name: 'a.txt', mediaType: 'text/plain', size: -1 }];
        }),
        /files\[0\]\.size must be at least 0/,
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

    /** Rows and bytes an import could leave behind, files included. */
    async function everything() {
      const count = async (table: 'files' | 'file_blobs' | 'blob_deletions') =>
        Number(
          (
            await store.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        ...(await tableCounts(store)),
        files: await count('files'),
        blobs: await count('file_blobs'),
        deletions: await count('blob_deletions'),
        aliceBytes: await storedBytes(store.db, ALICE),
        bobBytes: await storedBytes(store.db, BOB),
      };
    }

    /** Alice's conversation: a message with a photo and a notes file, and the reply to it. */
    async function withAttachments() {
      const at = new Date().toISOString();
      const c = await insertConversation(store.db, {
        id: newId(),
        user_id: ALICE,
        title: 'Packing list',
        model: 'demo',
        created_at: at,
        updated_at: at,
      });
      const photoBytes = new Uint8Array(await redSquare());
      const notesBytes = encode('# Notes\nBring a scarf.\n');
      const photo = await files.upload(ALICE, { name: 'photo.png', bytes: photoBytes });
      const notes = await files.upload(ALICE, { name: 'notes.md', bytes: notesBytes });
      await store.repos.files.attachFiles(ALICE, c.id, [photo.id, notes.id]);
      const rows = await Promise.all([photo.id, notes.id].map((id) => files.requireFile(ALICE, id)));
      const question = await message(c.id, null, 'user', 'What should I pack?', {
        parts: storedParts(rows, 'What should I pack?'),
        attachment_text: attachmentText(rows),
      });
      await message(c.id, question.id, 'assistant', 'A scarf, by the look of it.');
      return { c, photo, notes, photoBytes, notesBytes };
    }

    const exported = async (id: string, userId = ALICE, filesMode?: 'embed' | 'reference') =>
      JSON.parse(
        (await exportConversation(store, userId, id, 'json', undefined, { files, filesMode })).body,
      ) as ParleyExportDto;

    it('round-trips attachments: the bytes come back as new files of the importer', async () => {
      await open();
      const { c, photo, notes, photoBytes, notesBytes } = await withAttachments();
      const file = await exported(c.id);
      expect(file.files).toEqual([
        {
          id: photo.id,
          name: 'photo.png',
          mediaType: 'image/png',
          size: photoBytes.byteLength,
          data: base64(photoBytes),
        },
        {
          id: notes.id,
          name: 'notes.md',
          mediaType: 'text/markdown',
          size: notesBytes.byteLength,
          data: base64(notesBytes),
        },
      ]);
      expect(file.messages[0]?.parts).toEqual([
        {
          type: 'file',
          fileId: photo.id,
          mediaType: 'image/png',
          filename: 'photo.png',
          size: photoBytes.byteLength,
        },
        {
          type: 'file',
          fileId: notes.id,
          mediaType: 'text/markdown',
          filename: 'notes.md',
          size: notesBytes.byteLength,
        },
        { type: 'text', text: 'What should I pack?' },
      ]);
      expect(file.messages[1]).not.toHaveProperty('parts');

      // Bob imports Alice's export: the files become his, under new ids.
      const [entry] = (await importConversations(deps(), BOB, file)).imported;
      const [question] = await store.repos.transfer.conversationMessages(entry?.id as string);
      const parts = JSON.parse(question?.parts as string) as MessagePartDto[];
      const fileIds = parts.flatMap((part) => (part.type === 'file' ? [part.fileId] : []));
      expect(fileIds).toHaveLength(2);
      expect(fileIds).not.toContain(photo.id);
      expect(fileIds).not.toContain(notes.id);
      expect(parts).toEqual([
        {
          type: 'file',
          fileId: fileIds[0],
          mediaType: 'image/png',
          filename: 'photo.png',
          size: photoBytes.byteLength,
          url: `/api/files/${fileIds[0]}`,
        },
        {
          type: 'file',
          fileId: fileIds[1],
          mediaType: 'text/markdown',
          filename: 'notes.md',
          size: notesBytes.byteLength,
          url: `/api/files/${fileIds[1]}`,
        },
        { type: 'text', text: 'What should I pack?' },
      ]);
      expect(question?.content).toBe('What should I pack?');
      // Found by search through its document's text, as a sent message is.
      expect(question?.attachment_text).toContain('Bring a scarf.');
      const [newPhoto, newNotes] = await Promise.all(fileIds.map((id) => files.read(BOB, id)));
      expect(newPhoto?.file).toMatchObject({
        user_id: BOB,
        conversation_id: entry?.id,
        kind: 'image',
        width: 40,
        height: 30,
      });
      expect(newNotes?.file).toMatchObject({
        user_id: BOB,
        conversation_id: entry?.id,
        extracted_text: '# Notes\nBring a scarf.\n',
      });
      expect(Buffer.from(newPhoto?.bytes as Uint8Array).equals(Buffer.from(photoBytes))).toBe(true);
      expect(Buffer.from(newNotes?.bytes as Uint8Array).equals(Buffer.from(notesBytes))).toBe(true);
      expect((await files.preview(BOB, fileIds[0] as string)).byteLength).toBeGreaterThan(0);
      // Alice's files are untouched and still hers alone.
      await expect(files.read(BOB, photo.id)).rejects.toMatchObject({ status: 404 });
      expect((await files.requireFile(ALICE, photo.id)).conversation_id).toBe(c.id);

      // And out again: the same conversation, files and all, under Bob's ids.
      const again = await exported(entry?.id as string, BOB);
      expect(again.files?.map(({ id: _id, ...rest }) => rest)).toEqual(
        file.files?.map(({ id: _id, ...rest }) => rest),
      );
      expect(again.messages.map((m) => m.content)).toEqual(file.messages.map((m) => m.content));
    });

    it('references files by id, name, type and size on request; import notes them and keeps the text', async () => {
      await open();
      const { c, photo, notes, photoBytes } = await withAttachments();
      const file = await exported(c.id, ALICE, 'reference');
      expect(file.files).toEqual([
        { id: photo.id, name: 'photo.png', mediaType: 'image/png', size: photoBytes.byteLength },
        { id: notes.id, name: 'notes.md', mediaType: 'text/markdown', size: expect.any(Number) },
      ]);
      const before = await everything();
      const [entry] = (await importConversations(deps(), BOB, file)).imported;
      const [question] = await store.repos.transfer.conversationMessages(entry?.id as string);
      expect(question?.content).toBe(
        '[file "photo.png" not included in the export]\n[file "notes.md" not included in the export]\n\nWhat should I pack?',
      );
      // No file left: a plain message, its notes in the text people and models read.
      expect(question?.parts).toBeNull();
      expect((await everything()).files).toBe(before.files);
    });

    it('embeds files only while the export stays importable; the rest are referenced', async () => {
      await open();
      const big = new FileService({
        store,
        blobs: new DatabaseBlobStore(store),
        maxFileBytes: 10 * 1024 * 1024,
        storageQuotaBytes: 1024 * 1024 * 1024,
        logger: pino({ level: 'silent' }),
      });
      const at = new Date().toISOString();
      const c = await insertConversation(store.db, {
        id: newId(),
        user_id: ALICE,
        title: 'Big files',
        model: 'demo',
        created_at: at,
        updated_at: at,
      });
      // Two 8 MB files: base64 makes each some 10.7 MB, and an import body is at most 20 MiB.
      const uploads = [];
      for (const name of ['first.txt', 'second.txt']) {
        uploads.push(
          await big.upload(ALICE, { name, bytes: encode(name[0]?.repeat(8 * 1024 * 1024) ?? '') }),
        );
      }
      await store.repos.files.attachFiles(
        ALICE,
        c.id,
        uploads.map((u) => u.id),
      );
      const rows = await Promise.all(uploads.map((u) => big.requireFile(ALICE, u.id)));
      await message(c.id, null, 'user', 'Two big ones', { parts: storedParts(rows, 'Two big ones') });
      const body = (await exportConversation(store, ALICE, c.id, 'json', undefined, { files: big })).body;
      expect(Buffer.byteLength(body)).toBeLessThan(MAX_IMPORT_BODY_BYTES);
      const file = JSON.parse(body) as ParleyExportDto;
      expect(file.files?.map((f) => [f.name, f.data === undefined ? 'referenced' : 'embedded'])).toEqual([
        ['first.txt', 'embedded'],
        ['second.txt', 'referenced'],
      ]);
    });

    it('lists attachments by name under their message in Markdown', async () => {
      await open();
      const { c } = await withAttachments();
      const markdown = (await exportConversation(store, ALICE, c.id, 'markdown')).body;
      expect(markdown).toContain('**Attachments:**\n\n- photo\\.png (image/png, ');
      expect(markdown).toContain('- notes\\.md (text/markdown, 23 B)');
      expect(markdown.indexOf('What should I pack?')).toBeLessThan(markdown.indexOf('**Attachments:**'));
    });

    it('refuses the whole import for one bad embedded file, naming it, and writes nothing', async () => {
      await open();
      const { c } = await withAttachments();
      const file = await exported(c.id);
      const withFile = (index: number, change: Partial<NonNullable<ParleyExportDto['files']>[number]>) => {
        const copy = structuredClone(file);
        Object.assign((copy.files as NonNullable<ParleyExportDto['files']>)[index] as object, change);
        return copy;
      };
      const cases: [ParleyExportDto, number, string, RegExp][] = [
        [
          withFile(1, { name: 'notes.md', data: base64(executable()) }),
          415,
          'unsupported_media_type',
          /^Import refused: files\[1\] \("notes\.md"\): This file is application\/x-elf/,
        ],
        [
          withFile(0, { data: base64(new Uint8Array(2 * 1024 * 1024)) }),
          413,
          'payload_too_large',
          /^Import refused: files\[0\] \("photo\.png"\): Files can be at most 1 MB/,
        ],
        [withFile(0, { data: 'not base64!' }), 400, 'validation_error', /files\[0\] .*not valid base64/],
        [withFile(0, { data: '' }), 400, 'bad_request', /files\[0\] .*The file is empty/],
        [
          withFile(0, {
            // A PNG cut short: its type is known from its header, its pixels are not there.
            data: base64(Buffer.from(file.files?.[0]?.data ?? '', 'base64').subarray(0, 60)),
          }),
          400,
          'bad_request',
          /^Import refused: files\[0\] \("photo\.png"\): /,
        ],
      ];
      const before = await everything();
      for (const [body, status, code, message] of cases) {
        const error = await importConversations(deps(), BOB, body).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, String(message)).toBeInstanceOf(AppError);
        expect(error).toMatchObject({ status, code });
        expect((error as AppError).message).toMatch(message);
        expect(await everything()).toEqual(before);
      }
      const duplicate = structuredClone(file);
      (duplicate.files as NonNullable<ParleyExportDto['files']>)[1] = {
        ...(file.files?.[0] as NonNullable<ParleyExportDto['files']>[number]),
      };
      await expect(importConversations(deps(), BOB, duplicate)).rejects.toThrow(
        /files\[1\]\.id repeats files\[0\]\.id/,
      );
      expect(await everything()).toEqual(before);
    });

    it('counts imported files in the storage quota', async () => {
      await open();
      const { c, photoBytes, notesBytes } = await withAttachments();
      const file = await exported(c.id);
      const textBytes =
        Buffer.byteLength('Packing list') +
        Buffer.byteLength('What should I pack?') +
        Buffer.byteLength('A scarf, by the look of it.');
      const fileBytes = photoBytes.byteLength + notesBytes.byteLength;
      const before = await everything();
      // Room for the text, not for the files as well.
      const error = await importConversations(deps(textBytes + fileBytes - 1), BOB, file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ status: 413, code: 'storage_quota_exceeded' });
      expect(await everything()).toEqual(before);
      await importConversations(deps(textBytes + fileBytes), BOB, file);
      expect(await storedBytes(store.db, BOB)).toBe(textBytes + fileBytes);
    });

    it("never resolves a file id of the file to someone else's stored file", async () => {
      await open();
      const { photo } = await withAttachments();
      // A hand-made file naming Alice's photo by id, without its bytes.
      const file: ParleyExportDto = {
        ...parleyFile(1),
        messages: [
          {
            id: 'm0',
            parentId: null,
            role: 'user',
            content: 'Is this yours?',
            parts: [
              { type: 'file', fileId: photo.id },
              { type: 'text', text: 'Is this yours?' },
            ],
          },
        ],
        files: [{ id: photo.id, name: 'stolen.png', mediaType: 'image/png', size: 10 }],
      };
      const [entry] = (await importConversations(deps(), BOB, file)).imported;
      const [m] = await store.repos.transfer.conversationMessages(entry?.id as string);
      expect(m?.content).toBe('[file "stolen.png" not included in the export]\n\nIs this yours?');
      expect(m?.parts).toBeNull();
      const photoRow = (await store.repos.files.fileById(photo.id)) as FileRow;
      expect(photoRow.user_id).toBe(ALICE);
      expect(photoRow.conversation_id).not.toBe(entry?.id);
      // Not listed at all: the same.
      const unlisted = { ...file, files: [] };
      const [other] = (await importConversations(deps(), BOB, unlisted)).imported;
      const [n] = await store.repos.transfer.conversationMessages(other?.id as string);
      expect(n?.content).toBe('[file "file" not included in the export]\n\nIs this yours?');
    });

    it('imports a ChatGPT message of an image alone as its note', async () => {
      await open();
      const fixture = chatgptFixture();
      const node = Object.values(
        fixture[1].mapping as Record<string, { message?: { content: { parts?: unknown[] } } }>,
      ).find((n) => n.message?.content.parts?.some((part) => typeof part === 'object'));
      (node?.message?.content as { parts: unknown[] }).parts = [
        { content_type: 'image_asset_pointer', asset_pointer: 'file-service://file-Abc123' },
        { content_type: 'image_asset_pointer', asset_pointer: 'file-service://file-Def456' },
      ];
      const result = await importConversations(deps(), ALICE, [fixture[1]]);
      const file = await exported(result.imported[0]?.id as string);
      expect(file.messages.map((m) => m.content)).toEqual([
        '[image not included in the export]\n[image not included in the export]',
        'It is a cat on a windowsill. In Oslo it is 3 °C with light snow.',
      ]);
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

  it("carries a message's files through export and import, as the importer's own files", async () => {
    const c = (await alice.request('POST', '/api/conversations', { title: 'With a photo' })).json();
    const photo = new Uint8Array(await redSquare());
    const { payload, headers } = multipartFile(photo, 'photo.png');
    const uploaded = await alice.request('POST', '/api/files', payload, headers);
    expect(uploaded.statusCode).toBe(201);
    const res = await alice.request('POST', `/api/conversations/${c.id}/messages`, {
      content: 'What colour is this?',
      files: [uploaded.json().id],
    });
    expect(res.statusCode).toBe(202);
    await t.app.parley.runs.get(res.json().runId)?.done;

    const file = (await alice.request('GET', `/api/conversations/${c.id}/export`)).json();
    expect(file.files).toEqual([
      {
        id: uploaded.json().id,
        name: 'photo.png',
        mediaType: 'image/png',
        size: photo.byteLength,
        data: base64(photo),
      },
    ]);
    const markdown = (await alice.request('GET', `/api/conversations/${c.id}/export?format=markdown`)).body;
    expect(markdown).toContain('- photo\\.png (image/png, ');

    const imported = await bob.request('POST', '/api/conversations/import', file);
    expect(imported.statusCode).toBe(201);
    const page = (
      await bob.request('GET', `/api/conversations/${imported.json().imported[0].id}/messages`)
    ).json();
    const question = page.items.find((m: { role: string }) => m.role === 'user');
    const parts = question.parts as MessagePartDto[];
    const part = parts.find((p) => p.type === 'file');
    expect(part).toMatchObject({ type: 'file', filename: 'photo.png', mediaType: 'image/png' });
    const newId = (part as { fileId: string }).fileId;
    expect(newId).not.toBe(uploaded.json().id);
    const bytes = await bob.request('GET', `/api/files/${newId}`);
    expect(bytes.statusCode).toBe(200);
    expect(Buffer.from(bytes.rawPayload).equals(Buffer.from(photo))).toBe(true);
    // The new file is Bob's alone, and Alice's stays hers.
    expect((await alice.request('GET', `/api/files/${newId}`)).statusCode).toBe(404);
    expect((await bob.request('GET', `/api/files/${uploaded.json().id}`)).statusCode).toBe(404);
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
