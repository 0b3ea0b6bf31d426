import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  CompiledQuery,
  createQueryId,
  type Kysely,
  type KyselyPlugin,
  Migrator,
  type RootOperationNode,
  sql,
} from 'kysely';
import { Marked } from 'marked';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinUsers, GUEST_USER_ID, LOCAL_USER_ID } from '../../src/server/auth/builtin-users.js';
import { toMarkdown } from '../../src/server/chat/export.js';
import { IMPORTS_PER_MINUTE } from '../../src/server/chat/import-gate.js';
import { parseSearchText, searchConversations } from '../../src/server/chat/search.js';
import { timeSlicer } from '../../src/server/chat/time-slice.js';
import { AppError } from '../../src/server/errors.js';
import { parseJsonSliced } from '../../src/server/http/sliced-json.js';
import { newId } from '../../src/server/ids.js';
import { deleteConversation, insertConversation } from '../../src/server/store/conversations-repo.js';
import { openStore, type Store } from '../../src/server/store/database.js';
import { insertMessage } from '../../src/server/store/messages-repo.js';
import { migrationProvider } from '../../src/server/store/migrations/index.js';
import type { ConversationRow, Database, MessageRow } from '../../src/server/store/schema.js';
import { MAX_CANDIDATES, searchDocuments, sqliteOwnerTerm } from '../../src/server/store/search-repo.js';
import { storedBytes } from '../../src/server/store/storage-repo.js';
import { Client } from '../helpers/clients.js';
import { storeTargets, type TestDatabase } from '../helpers/databases.js';
import { createTestApp, type TestApp, tableCounts } from '../helpers/test-app.js';

// Issue 13, items 8 and 11, from the attacker's side: search that other users' data cannot make
// slow, imports that cannot stall the server or fill its disk, and exports whose text cannot
// forge structure or carry live HTML.

const ALICE = LOCAL_USER_ID;
const BOB = GUEST_USER_ID;
/** Bob's pile of messages, all of common words, that Alice's searches must not pay for. */
const BOB_ROWS = 50_000;
const COMMON_TEXT =
  'the a of and to in is it that for you with on as are this be was have not but what all were when we there can an your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know';

/** Milliseconds `run` takes (fastest of `times`): a figure to read, never asserted (speed is for benchmarks). */
async function timed(run: () => Promise<unknown>, times = 3): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return Math.min(...samples);
}

/** The statements `run` sends through `db`, compiled exactly as the database receives them. */
async function statementsOf(
  db: Kysely<Database>,
  run: (db: Kysely<Database>) => Promise<unknown>,
): Promise<CompiledQuery[]> {
  const nodes: RootOperationNode[] = [];
  const recorder: KyselyPlugin = {
    transformQuery: ({ node }) => {
      nodes.push(node);
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  await run(db.withPlugin(recorder));
  return nodes.map((node) => db.getExecutor().compileQuery(node, createQueryId()));
}

interface PgPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PgPlanNode[];
}

/** Every node of a PostgreSQL plan, depth first. */
function planNodes(node: PgPlanNode): PgPlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** The search's first statement, run under EXPLAIN ANALYZE on PostgreSQL: what the executor really did. */
async function pgSearchPlan(store: Store, userId: string, q: string, limit = 20): Promise<PgPlanNode[]> {
  const [search] = await statementsOf(store.db, (db) =>
    searchDocuments(db, store.dialect, userId, parseSearchText(q), limit + 1, 0),
  );
  if (!search) throw new Error(`no statement for ${q}`);
  const { rows } = await store.db.executeQuery<{ 'QUERY PLAN': { Plan: PgPlanNode }[] }>(
    CompiledQuery.raw(`explain (analyze, format json) ${search.sql}`, [...search.parameters]),
  );
  const plan = rows[0]?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error(`no plan for ${q}`);
  return planNodes(plan);
}

/** Rows of `relation` the PostgreSQL executor read, kept or filtered out, over all loops. */
function rowsExamined(nodes: PgPlanNode[], relation: string): number {
  return nodes
    .filter((node) => node['Relation Name'] === relation)
    .reduce(
      (sum, node) =>
        sum +
        (node['Actual Rows'] +
          (node['Rows Removed by Filter'] ?? 0) +
          (node['Rows Removed by Index Recheck'] ?? 0)) *
          node['Actual Loops'],
      0,
    );
}

/** SQLite: the search's first statement, its FTS5 match text and its query plan. */
async function sqliteSearchPlan(store: Store, userId: string, q: string) {
  const [search] = await statementsOf(store.db, (db) =>
    searchDocuments(db, store.dialect, userId, parseSearchText(q), 21, 0),
  );
  if (!search) throw new Error(`no statement for ${q}`);
  const match = search.parameters.find((p): p is string => typeof p === 'string' && p.startsWith('owner : '));
  const { rows } = await store.db.executeQuery<{ detail: string }>(
    CompiledQuery.raw(`explain query plan ${search.sql}`, [...search.parameters]),
  );
  return { match, plan: rows.map((row) => row.detail) };
}

/** SQLite: rows an FTS5 match hands to the rest of the query. */
async function ftsRows(store: Store, match: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*) as n from search_fts where search_fts match ${match}`.execute(store.db);
  return Number(rows[0]?.n);
}

for (const target of storeTargets()) {
  describe(`search on ${target.name}: scoped to the caller before matching, bounded`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await target.create();
      store = await openStore(database.url);
      await ensureBuiltinUsers(store.repos, new Date().toISOString());
    }, 120_000);
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    async function conversation(userId: string, title: string | null): Promise<ConversationRow> {
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

    /** Bob's rows in one statement (the triggers index them as any insert would). */
    async function fillBob(conversationId: string, rows: number) {
      const at = new Date().toISOString();
      if (store.dialect === 'sqlite') {
        await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${rows})
          insert into messages (id, conversation_id, user_id, parent_id, role, content, status, created_at, updated_at)
          select 'bob-' || i, ${conversationId}, ${BOB}, null, 'user', ${COMMON_TEXT} || ' ' || i, 'complete', ${at}, ${at}
          from n`.execute(store.db);
      } else {
        await sql`insert into messages (id, conversation_id, user_id, parent_id, role, content, status, created_at, updated_at)
          select 'bob-' || i, ${conversationId}, ${BOB}, null, 'user', ${COMMON_TEXT} || ' ' || i, 'complete', ${at}, ${at}
          from generate_series(1, ${rows}) i`.execute(store.db);
        await sql`analyze messages`.execute(store.db);
      }
    }

    const queries = ['the and of', 'the', 'th', 'people water', 'zebra', 'unmatched words here'];
    /** The queries Bob's rows match too: unscoped, each would hand the engine all of them. */
    const bobMatches = ['the and of', 'the', 'th', 'people water'];
    const ALICE_ROWS = 30;
    /**
     * Bob's oldest message, the best match for "the" of all his rows (its text is the word a
     * hundred times): only the newest MAX_CANDIDATES matches are ranked, so it never tops a page.
     */
    const ANCIENT_ID = 'bob-0';

    it(`Alice's searches read only her own rows with ${BOB_ROWS} rows of Bob's common words, and never show them`, async () => {
      const mine = await conversation(ALICE, 'the river trip');
      for (let i = 0; i < ALICE_ROWS; i++) {
        const at = new Date().toISOString();
        await insertMessage(store.db, {
          id: newId(),
          conversation_id: mine.id,
          user_id: ALICE,
          parent_id: null,
          role: 'user',
          content: `the kayak and the river of people, day ${i}`,
          status: 'complete',
          created_at: at,
          updated_at: at,
        });
      }
      const searchAll = async () => {
        for (const q of queries) await searchConversations(store, ALICE, q, 20);
      };
      await searchAll(); // warm caches
      const alone = await timed(searchAll);

      const theirs = await conversation(BOB, 'the and of');
      const at = new Date().toISOString();
      // Before the bulk rows: the oldest id on both dialects ('bob-0' sorts before 'bob-1...').
      await insertMessage(store.db, {
        id: ANCIENT_ID,
        conversation_id: theirs.id,
        user_id: BOB,
        parent_id: null,
        role: 'user',
        content: `${'the '.repeat(100)}ancient`,
        status: 'complete',
        created_at: at,
        updated_at: at,
      });
      await fillBob(theirs.id, BOB_ROWS);
      await searchAll();
      const withBob = await timed(searchAll);
      // Figures to read, not assertions: a busy machine changes them, the counts below it cannot.
      console.info(
        `[search ${target.name}] ${queries.length} queries by Alice: ${alone.toFixed(1)} ms alone, ` +
          `${withBob.toFixed(1)} ms with ${BOB_ROWS} rows of Bob's`,
      );

      // Counted, not timed: the engine is handed Alice's rows only, however many Bob has.
      for (const q of queries) {
        if (store.dialect === 'postgres') {
          const nodes = await pgSearchPlan(store, ALICE, q);
          const scans = nodes.filter((node) => node['Relation Name'] === 'messages');
          expect(
            scans.map((node) => node['Node Type']),
            q,
          ).not.toContain('Seq Scan');
          // Matched through the owner-scoped index of migration 008.
          expect(
            nodes.some((node) => node['Index Name'] === 'messages_owner_content_search'),
            q,
          ).toBe(true);
          // Her matching rows plus the page's lookups by id; matching first would read Bob's 50,000.
          expect(rowsExamined(nodes, 'messages'), q).toBeLessThanOrEqual(2 * ALICE_ROWS + 21);
        } else {
          const { match, plan } = await sqliteSearchPlan(store, ALICE, q);
          // The owner's term is part of the match itself, so FTS5 steps through her entries only.
          expect(match, q).toMatch(new RegExp(`^owner : ${sqliteOwnerTerm(ALICE)} AND body : \\(`));
          expect(await ftsRows(store, match as string), q).toBeLessThanOrEqual(ALICE_ROWS + 1);
          if (bobMatches.includes(q)) {
            // What the owner term keeps out: matching the words alone hands over all of Bob's rows.
            const unscoped = (match as string).replace(/^owner : \S+ AND /, '');
            expect(await ftsRows(store, unscoped), q).toBeGreaterThanOrEqual(BOB_ROWS);
          }
          // Rows are looked up by key from the matches, never by scanning a table of everyone's.
          expect(
            plan.filter((step) => /^SCAN (d|c|search_docs|conversations|messages)\b/.test(step)),
            q,
          ).toEqual([]);
          expect(
            plan.some((step) => /^SCAN search_fts VIRTUAL TABLE/.test(step)),
            plan.join('; '),
          ).toBe(true);
        }
      }

      for (const q of queries) {
        const page = await searchConversations(store, ALICE, q, 50);
        expect(page.items.every((hit) => hit.conversationId === mine.id)).toBe(true);
      }
      // Bob still finds his own rows (the index holds them, scoped to him).
      expect((await searchConversations(store, BOB, 'water', 5)).items.length).toBe(5);
    }, 240_000);

    it('ranks only a bounded set of the caller’s own matches, and a zero-hit query reads nothing', async () => {
      // Bob searching his own 50,001 matching rows: a page comes back from the newest
      // MAX_CANDIDATES only, so his best but oldest match is not on it...
      const bob = await timed(() => searchConversations(store, BOB, 'the', 20));
      const zeroHit = await timed(() => searchConversations(store, BOB, 'zebra', 20));
      console.info(
        `[search ${target.name}] Bob over his own ${BOB_ROWS} matches: ${bob.toFixed(1)} ms; zero hits: ${zeroHit.toFixed(1)} ms (figures, not assertions)`,
      );
      const page = await searchConversations(store, BOB, 'the', 20);
      expect(page.items).toHaveLength(20);
      expect(page.items.map((hit) => hit.messageId)).not.toContain(ANCIENT_ID);
      // ...though it is in the index and found when the words single it out.
      expect((await searchConversations(store, BOB, 'ancient', 5)).items.map((hit) => hit.messageId)).toEqual(
        [ANCIENT_ID],
      );
      if (store.dialect === 'postgres') {
        // What the executor did: at most MAX_CANDIDATES rows reach the ranking.
        const nodes = await pgSearchPlan(store, BOB, 'the');
        const limits = nodes.filter((node) => node['Node Type'] === 'Limit');
        expect(limits.length).toBeGreaterThan(0);
        for (const node of limits) expect(node['Actual Rows']).toBeLessThanOrEqual(MAX_CANDIDATES);
        // A word nobody wrote: the index answers without reading a single row.
        expect(rowsExamined(await pgSearchPlan(store, BOB, 'zebra'), 'messages')).toBe(0);
      } else {
        const { match } = await sqliteSearchPlan(store, BOB, 'zebra');
        expect(await ftsRows(store, match as string)).toBe(0);
      }
    }, 60_000);
  });

  describe(`stored bytes on ${target.name}`, () => {
    let database: TestDatabase;
    let store: Store;

    afterEach(async () => {
      await store?.close();
      await database?.drop();
    });

    it('follow every write and delete (cascades too), counted in UTF-8 bytes', async () => {
      database = await target.create();
      store = await openStore(database.url);
      await ensureBuiltinUsers(store.repos, new Date().toISOString());
      const before = await storedBytes(store.db, ALICE);
      const at = new Date().toISOString();
      const c = await insertConversation(store.db, {
        id: newId(),
        user_id: ALICE,
        title: 'Über', // 5 bytes
        model: 'demo',
        system_prompt: 'be brief', // 8 bytes
        created_at: at,
        updated_at: at,
      });
      const m = await insertMessage(store.db, {
        id: newId(),
        conversation_id: c.id,
        user_id: ALICE,
        parent_id: null,
        role: 'user',
        content: '🛶 kayak', // 10 bytes
        status: 'complete',
        created_at: at,
        updated_at: at,
      });
      expect(await storedBytes(store.db, ALICE)).toBe(before + 23);
      await store.db.updateTable('messages').set({ content: 'ab' }).where('id', '=', m.id).execute();
      expect(await storedBytes(store.db, ALICE)).toBe(before + 15);
      expect(await storedBytes(store.db, BOB)).toBe(0);
      await deleteConversation(store.db, ALICE, c.id);
      expect(await storedBytes(store.db, ALICE)).toBe(before);

      // Rows from before migration 008 are counted when it runs, and owner-scoped search finds them.
      const kept = await insertConversation(store.db, { ...c, id: newId() });
      const migrator = new Migrator({ db: store.db, provider: migrationProvider });
      const names = Object.keys(await migrationProvider.getMigrations()).sort();
      const previous = names[names.indexOf('008-scoped-search') - 1] as string;
      expect((await migrator.migrateTo(previous)).error).toBeUndefined();
      await insertMessage(store.db, {
        id: newId(),
        conversation_id: kept.id,
        user_id: ALICE,
        parent_id: null,
        role: 'user',
        content: 'an ocelot from before', // 21 bytes
        status: 'complete',
        created_at: at,
        updated_at: at,
      });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await storedBytes(store.db, ALICE)).toBe(before + 13 + 21);
      expect((await searchConversations(store, ALICE, 'ocelot', 5)).items).toHaveLength(1);
      expect((await searchConversations(store, BOB, 'ocelot', 5)).items).toHaveLength(0);
    });
  });
}

/** A ChatGPT conversations.json of `conversations` × `perConversation` messages of `words` words. */
function chatgptExport(conversations: number, perConversation: number, words: number): unknown[] {
  const vocabulary = COMMON_TEXT.split(' ');
  const text = (seed: number) => {
    let out = '';
    for (let i = 0; i < words; i++) out += `${vocabulary[(seed * 31 + i * 7) % vocabulary.length]} `;
    return out;
  };
  return Array.from({ length: conversations }, (_, c) => {
    const mapping: Record<string, unknown> = {};
    let parent: string | null = null;
    for (let m = 0; m < perConversation; m++) {
      const id = `c${c}-m${m}`;
      mapping[id] = {
        id,
        parent,
        children: [],
        message: {
          id,
          author: { role: m % 2 ? 'assistant' : 'user' },
          create_time: 1717000000 + m,
          content: { content_type: 'text', parts: [text(c * perConversation + m)] },
          status: 'finished_successfully',
          metadata: {},
        },
      };
      if (parent) (mapping[parent] as { children: string[] }).children.push(id);
      parent = id;
    }
    return {
      title: `Conversation ${c}`,
      create_time: 1717000000,
      update_time: 1717000100,
      mapping,
      current_node: parent,
    };
  });
}

describe('imports: chunked, bounded, rate limited, within the storage quota', () => {
  let t: TestApp;
  const clients = new Map<string, Client>();

  beforeAll(async () => {
    t = await createTestApp({ env: { AUTH_MODE: 'local', STORAGE_QUOTA_MB: '40' } });
  });
  afterAll(async () => t?.close());

  async function user(name: string): Promise<Client> {
    let client = clients.get(name);
    if (!client) {
      client = new Client(t.app);
      await client.signup(name);
      clients.set(name, client);
    }
    return client;
  }

  const importRequest = (client: Client, payload: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/conversations/import',
      headers: {
        cookie: client.cookie as string,
        'x-csrf-token': client.csrfToken as string,
        'content-type': 'application/json',
      },
      payload,
    });

  it('a 20 MB import never holds the event loop for long, and memory stays bounded', async () => {
    const mallory = await user('mallory');
    const payload = JSON.stringify(chatgptExport(500, 20, 400));
    expect(payload.length).toBeGreaterThan(19 * 1024 * 1024);
    expect(payload.length).toBeLessThan(20 * 1024 * 1024);
    // Collect the garbage of building the payload first, so the figure is the import's own.
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 20);
    // Over a real connection, so the body arrives in chunks as it would from a browser.
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    // Work, not wall-clock time: the CPU time this process spends between two turns of the event
    // loop is the longest stretch every other request waits behind. A busy machine stretches the
    // wall-clock gaps (the process waits for a core) but not the CPU work inside them.
    let importing = true;
    let turns = 0;
    let longestCpuMs = 0;
    let lastCpu = process.cpuUsage();
    const turning = (async () => {
      while (importing) {
        await new Promise((resolve) => setImmediate(resolve));
        const cpu = process.cpuUsage();
        longestCpuMs = Math.max(longestCpuMs, (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000);
        lastCpu = cpu;
        turns++;
      }
    })();

    const start = performance.now();
    let res: Response;
    let result: { imported: unknown[] };
    try {
      res = await fetch(`${base}/api/conversations/import`, {
        method: 'POST',
        headers: {
          cookie: mallory.cookie as string,
          'x-csrf-token': mallory.csrfToken as string,
          'content-type': 'application/json',
        },
        body: payload,
      });
      result = await res.json();
    } finally {
      importing = false;
      await turning;
      clearInterval(sampler);
    }
    const took = performance.now() - start;
    expect(res.status, JSON.stringify(result)).toBe(201);
    expect(result.imported).toHaveLength(500);
    const grownMb = (rssPeak - rssBefore) / 1024 / 1024;
    console.info(
      `[import] ${(payload.length / 1024 / 1024).toFixed(1)} MB, 10,000 messages in ${took.toFixed(0)} ms: ` +
        `${turns} event-loop turns, longest CPU stretch between two ${longestCpuMs.toFixed(0)} ms, RSS +${grownMb.toFixed(0)} MB at peak`,
    );
    // Before: one stretch of 1.6 s (JSON.parse and the inserts in one go). The server's steps now
    // take ~20 ms each (the test client's own encoding of the body is in the figure too); the bound
    // still catches the old stall, and CPU time is the process's own, whatever runs beside it.
    expect(longestCpuMs).toBeLessThan(500);
    // The loop kept turning all through: thousands of turns for 10,000 messages, not a handful.
    expect(turns).toBeGreaterThan(100);
    expect(grownMb).toBeLessThan(300);
  }, 120_000);

  it('an import past the storage quota is refused with 413 and writes nothing', async () => {
    const hoarder = await user('hoarder');
    // 40 MB quota (this app): two 19 MB files fit, the third does not.
    const payload = JSON.stringify(chatgptExport(500, 20, 400));
    for (let i = 0; i < 2; i++) expect((await importRequest(hoarder, payload)).statusCode).toBe(201);
    const before = await tableCounts(t.store);
    const res = await importRequest(hoarder, payload);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'storage_quota_exceeded' });
    expect(res.json().error).toMatch(/storage/);
    expect(await tableCounts(t.store)).toEqual(before);
  }, 180_000);

  it('parallel imports by one user: one admitted at a time, the rest 429 with Retry-After', async () => {
    const eager = await user('eager');
    const small = JSON.stringify(chatgptExport(2, 4, 10));
    const results = await Promise.all(Array.from({ length: 8 }, () => importRequest(eager, small)));
    const codes = results.map((res) => res.statusCode).sort();
    expect(codes.filter((code) => code === 201)).toHaveLength(1);
    expect(codes.filter((code) => code === 429)).toHaveLength(7);
    for (const res of results.filter((r) => r.statusCode === 429)) {
      expect(res.json().code).toBe('rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    const conversations = (await eager.request('GET', '/api/conversations')).json().items;
    expect(conversations).toHaveLength(2);
  });

  it(`at most ${IMPORTS_PER_MINUTE} imports a minute per user; others are not affected`, async () => {
    const busy = await user('busy');
    const small = JSON.stringify(chatgptExport(1, 2, 5));
    for (let i = 0; i < IMPORTS_PER_MINUTE; i++) {
      expect((await importRequest(busy, small)).statusCode).toBe(201);
    }
    const refused = await importRequest(busy, small);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    // A refused import never got its body parsed: not even bad JSON is looked at.
    expect((await importRequest(busy, '{not json')).statusCode).toBe(429);
    expect((await importRequest(await user('bystander'), small)).statusCode).toBe(201);
  });
});

describe('import bodies are parsed in slices, exactly as JSON.parse would', () => {
  it('gives the same value and refuses what JSON.parse refuses, and __proto__ keys', async () => {
    const big = JSON.stringify({
      a: Array.from({ length: 20_000 }, (_, i) => ({
        k: `v"\\${i}`,
        n: i,
        o: { x: [1, 2, { y: 'z,]}' }] },
        e: [],
        f: {},
      })),
      s: 'x'.repeat(100_000),
      t: true,
      u: null,
    });
    expect(await parseJsonSliced(`  ${big}\n`, timeSlicer())).toEqual(JSON.parse(big));
    const list = JSON.stringify(Array.from({ length: 30_000 }, (_, i) => [i, `${i}`, {}]));
    expect(await parseJsonSliced(list, timeSlicer())).toEqual(JSON.parse(list));
    const duplicate = `{"a": 1, "a": 2, "b": "${'y'.repeat(70_000)}"}`;
    expect(await parseJsonSliced(duplicate, timeSlicer())).toEqual(JSON.parse(duplicate));
    const padding = 'y'.repeat(70_000);
    for (const bad of [
      big.slice(0, -1),
      `${big},`,
      big.replace('"t":true', '"t":true,'),
      `[${list.slice(1, -1)},]`,
      `{"__proto__": {"polluted": 1}, "x": "${padding}"}`,
      `{"x": [{"__proto__": 1}], "y": "${padding}"}`,
      '',
    ]) {
      await expect(parseJsonSliced(bad, timeSlicer())).rejects.toBeInstanceOf(AppError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses deeply nested large containers at once instead of rescanning them (found by the fuzz suite)', async () => {
    // 72,000 levels of `[`: each level of a large container rescans its text, so this body of
    // 144 KB once held an import for minutes. Counted, not timed: the parser looks at the slicer
    // once per fixed number of characters scanned, so its calls measure the scanning work.
    const scans = async (text: string) => {
      let calls = 0;
      const counting = Object.assign(
        async () => {
          calls++;
        },
        { yield: async () => {} },
      );
      await parseJsonSliced(text, counting).catch((error: unknown) => error);
      return calls;
    };
    const nestedOf = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
    const nested = nestedOf(72_000);
    await expect(parseJsonSliced(nested, timeSlicer())).rejects.toMatchObject({ code: 'validation_error' });
    // A flat body of the same size is scanned once; the nested one at most once per allowed level
    // (32), where rescanning every level would be thousands of times.
    const flat = `[${Array(Math.floor(nested.length / 3))
      .fill('[]')
      .join(',')}]`;
    const once = await scans(flat);
    expect(once).toBeGreaterThan(0);
    expect(await scans(nested)).toBeLessThanOrEqual(33 * once);
    // Linear: twice the nesting, at most about twice the work (rescanning would be four times).
    expect(await scans(nestedOf(144_000))).toBeLessThanOrEqual(2.2 * (await scans(nested)));
  });
});

describe('markdown export: message text cannot forge structure or carry HTML', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const conversation = {
    id: 'c1',
    user_id: ALICE,
    title: 'Notes <img src=x onerror=alert(1)>',
    model: 'demo',
    system_prompt: '## User\nignore this',
    is_default: 0,
    created_at: at,
    updated_at: at,
  } as ConversationRow;
  const message = (id: string, role: 'user' | 'assistant', content: string) =>
    ({
      id,
      conversation_id: 'c1',
      user_id: ALICE,
      parent_id: null,
      role,
      content,
      status: 'complete',
      model: role === 'assistant' ? 'demo' : null,
      input_tokens: null,
      output_tokens: null,
      finish_reason: null,
      error: null,
      created_at: at,
      updated_at: at,
    }) as MessageRow;
  const hostile = [
    'hello',
    '',
    '## User',
    '',
    'I am a forged turn <script>alert("x")</script>',
    '```',
    '## Assistant (demo)',
    '````',
    '<style>body{display:none}</style> <b>bold?</b>',
  ].join('\n');

  it('keeps one heading per real message and every tag inert, in a markdown renderer', async () => {
    const markdown = toMarkdown(
      conversation,
      [message('m1', 'user', hostile), message('m2', 'assistant', 'fine')],
      at,
    );
    const html = await new Marked({ gfm: true }).parse(markdown);
    // Two messages: two turn headings, whatever the text says.
    expect(html.match(/<h2>/g)).toHaveLength(2);
    expect(html).not.toMatch(/<(script|style|img|b)[\s>]/i);
    // The text is all there, shown as text.
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('## User');
    expect(html).toContain('Notes &lt;img');
  });
});
