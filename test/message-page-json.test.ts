import fastJson from 'fast-json-stringify';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuiltinUsers, LOCAL_USER_ID } from '../src/server/auth/builtin-users.js';
import { messageDto } from '../src/server/chat/serialize.js';
import { newId } from '../src/server/ids.js';
import { openStore, type Store } from '../src/server/store/database.js';
import type { NewMessage } from '../src/server/store/schema.js';
import { MessagePage } from '../src/shared/api-schemas.js';
import type { MessagePartDto } from '../src/shared/message-parts.js';
import { storeTargets } from './helpers/databases.js';

// A conversation's page of messages is turned into JSON by the database (the hot read of opening a
// chat). It must be the very page the API gave before: `messageDto` of each row, serialized by the
// route's response schema (what Fastify did), for every kind of message Parley stores.

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Text that JSON must escape, or that a careless serializer mangles. */
const AWKWARD = 'quotes " and \\ backslash, tab\t, newline\n, \u0001 control, </script>, \u2028, emoji 🚲, é';

const PARTS: MessagePartDto[][] = [
  [
    {
      type: 'file',
      fileId: 'f1',
      mediaType: 'image/png',
      filename: 'bike "red".png',
      size: 1234,
      url: '/api/files/f1',
    },
    { type: 'text', text: AWKWARD },
  ],
  [
    { type: 'reasoning', text: 'thinking…', providerMetadata: { anthropic: { signature: 'sig==', n: 3 } } },
    { type: 'step-start' },
    {
      type: 'dynamic-tool',
      toolCallId: 'call_1',
      toolName: 'everything/echo',
      state: 'output-available',
      input: { message: AWKWARD, nested: [1, 2.5, null, true] },
      output: 'echoed',
      durationMs: 12,
    },
    {
      type: 'dynamic-tool',
      toolCallId: 'call_2',
      toolName: 'everything/get-sum',
      state: 'output-denied',
      input: null,
      approval: { id: 'call_2', approved: false, reason: 'not today' },
    },
    {
      type: 'dynamic-tool',
      toolCallId: 'call_3',
      toolName: 'x/y',
      state: 'output-error',
      input: 'raw',
      errorText: 'boom',
    },
    { type: 'text', text: 'The answer.' },
  ],
];

describe.each(storeTargets())('a page of messages as JSON on $name', (target) => {
  async function open(): Promise<Store> {
    const database = await target.create();
    cleanup.push(() => database.drop());
    const store = await openStore(database.url);
    cleanup.push(() => store.close());
    await ensureBuiltinUsers(store.repos, new Date().toISOString());
    return store;
  }

  const at = '2026-12-07T10:00:00.000Z';

  async function newConversation(store: Store): Promise<string> {
    const id = newId();
    await store.repos.conversations.insertConversation({
      id,
      user_id: LOCAL_USER_ID,
      model: 'demo',
      created_at: at,
      updated_at: at,
    });
    return id;
  }

  it('is what messageDto and the response schema made, for every kind of message', async () => {
    const store = await open();
    const conversationId = await newConversation(store);
    const base = { conversation_id: conversationId, user_id: LOCAL_USER_ID, created_at: at, updated_at: at };
    const rows: Omit<
      NewMessage,
      'id' | 'parent_id' | 'conversation_id' | 'user_id' | 'created_at' | 'updated_at'
    >[] = [
      { role: 'user', content: 'Plain question', status: 'complete' },
      { role: 'assistant', content: '', status: 'streaming', model: 'demo' },
      { role: 'user', content: '', status: 'complete' },
      { role: 'user', content: AWKWARD, status: 'complete', parts: JSON.stringify(PARTS[0]) },
      {
        role: 'assistant',
        content: 'The answer.',
        status: 'complete',
        model: 'openai/gpt-x',
        input_tokens: 1234567,
        output_tokens: 0,
        finish_reason: 'stop',
        parts: JSON.stringify(PARTS[1]),
      },
      {
        role: 'assistant',
        content: 'half',
        status: 'error',
        model: 'demo',
        error: `Upstream said: ${AWKWARD}`,
      },
      { role: 'system', content: 'You are terse.', status: 'complete' },
    ];
    let parentId: string | null = null;
    for (const row of rows) {
      const inserted = await store.repos.messages.insertMessage({
        ...base,
        ...row,
        id: newId(),
        parent_id: parentId,
      });
      parentId = inserted.id;
    }

    const serialize = fastJson(MessagePage);
    const viaRows = (limit: number, cursor?: string) => {
      return store.repos.messages.messagesBefore(conversationId, limit + 1, cursor).then((found) => {
        const page = found.slice(0, limit).reverse();
        return serialize({
          items: page.map(messageDto),
          nextCursor: found.length > limit && page[0] ? page[0].id : null,
        });
      });
    };
    const viaDatabase = async (limit: number, cursor?: string) => {
      const found = await store.repos.messages.messagePageJson(conversationId, limit + 1, cursor);
      const page = found.slice(0, limit).reverse();
      const next = found.length > limit && page[0] ? JSON.stringify(page[0].id) : 'null';
      return `{"items":[${page.map((row) => row.json).join(',')}],"nextCursor":${next}}`;
    };

    const whole = JSON.parse(await viaDatabase(50));
    expect(whole.items).toHaveLength(rows.length);
    expect(whole).toEqual(JSON.parse(await viaRows(50)));
    // Paged: the newest three, then the rest before the cursor.
    const first = JSON.parse(await viaDatabase(3));
    expect(first).toEqual(JSON.parse(await viaRows(3)));
    expect(first.nextCursor).toBe(first.items[0].id);
    const rest = JSON.parse(await viaDatabase(50, first.nextCursor));
    expect(rest).toEqual(JSON.parse(await viaRows(50, first.nextCursor)));
    expect(rest.items).toHaveLength(rows.length - 3);
    expect(rest.nextCursor).toBeNull();
    // Spot checks that the comparison is about real values.
    expect(whole.items[1].parts).toEqual([]);
    expect(whole.items[0].parts).toEqual([{ type: 'text', text: 'Plain question' }]);
    expect(whole.items[4].parts).toEqual(PARTS[1]);
    expect(whole.items[4].usage).toEqual({ inputTokens: 1234567, outputTokens: 0 });
  });

  it("the seed's /chat/history list is what the route built from the rows before", async () => {
    const store = await open();
    const conversationId = await newConversation(store);
    let parentId: string | null = null;
    const contents = ['Hello', AWKWARD, '', 'Bye'];
    for (const [i, content] of contents.entries()) {
      const row = await store.repos.messages.insertMessage({
        id: newId(),
        conversation_id: conversationId,
        user_id: LOCAL_USER_ID,
        parent_id: parentId,
        role: i % 2 === 0 ? 'user' : 'assistant',
        content,
        status: 'complete',
        created_at: `2026-12-07T10:00:0${i}.000Z`,
        updated_at: at,
      });
      parentId = row.id;
    }
    const rows = (await store.repos.messages.messagesBefore(conversationId, 3)).reverse();
    const before = rows.map((row) => ({
      user: row.role === 'user' ? 'User' : 'AI',
      message: row.content,
      timestamp: row.created_at,
    }));
    const now = JSON.parse(
      `[${(await store.repos.messages.seedHistoryJson(conversationId, 3)).reverse().join(',')}]`,
    );
    expect(now).toEqual(before);
    expect(now.map((entry: { message: string }) => entry.message)).toEqual([AWKWARD, '', 'Bye']);
  });
});
