import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  type LogEvent,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type SqliteDatabase as SqliteDialectDatabase,
  sql,
} from 'kysely';
import { groupCommitter, type Work } from './group-commit.js';
import { migrationProvider } from './migrations/index.js';
import { type Data, type Repositories, repositoriesOn } from './repositories.js';
import type { Database, Dialect } from './schema.js';

export type { Dialect } from './schema.js';

/** One finished query, for metrics: its kind, whether it failed, how long it took. */
export interface QueryEvent {
  operation: 'select' | 'insert' | 'update' | 'delete' | 'other';
  failed: boolean;
  durationMs: number;
}

const OPERATIONS: Record<string, QueryEvent['operation']> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

function queryEvent(event: LogEvent): QueryEvent {
  return {
    operation: OPERATIONS[event.query.query.kind] ?? 'other',
    failed: event.level === 'error',
    durationMs: event.queryDurationMillis,
  };
}

/**
 * The open database. Domain code uses only its `Data` side (repositories and transactions);
 * `db` is for store/ itself and for tests that set up or inspect rows directly.
 */
export interface Store extends Data {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Cheap round trip used by /readyz. */
  ping(): Promise<void>;
  /** Hear about every query with its duration (metrics); returns the unsubscribe function. */
  onQuery(listener: (event: QueryEvent) => void): () => void;
  close(): Promise<void>;
}

function openSqlite(url: string, log: (event: LogEvent) => void): Kysely<Database> {
  const file = url === 'sqlite::memory:' ? ':memory:' : url.slice('sqlite:'.length);
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run while a reply is checkpointed; the busy timeout absorbs short lock waits
  // instead of failing a request; foreign keys make deletes cascade.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), log });
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; SQLite's prepare was a tenth of a chat turn's CPU. The app
 * sends the same few dozen statements over and over, so keep the prepared ones (least recently
 * used out first). One connection runs one query at a time, so a statement is never in use twice.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDialectDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement) {
        cache.delete(text);
      } else {
        statement = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

async function openPostgres(url: string, log: (event: LogEvent) => void): Promise<Kysely<Database>> {
  // Loaded only for PostgreSQL: a SQLite install never needs the driver.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle connection dropped by the server (restart, failover, network) must not crash the
  // process; the next query gets a fresh connection, and readiness reports the outage meanwhile.
  pool.on('error', () => undefined);
  // Same for a connection that breaks while checked out: its query fails (and is reported), but
  // the client also emits 'error', which would crash the process without a listener.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
}

/** Open the database named by DATABASE_URL and bring its schema up to date. */
export async function openStore(url: string): Promise<Store> {
  const dialect: Dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  // Kysely times every query for its log hook; the store is opened before any app (and its metrics)
  // exists, so listeners subscribe later.
  const listeners = new Set<(event: QueryEvent) => void>();
  const log = (event: LogEvent) => {
    if (listeners.size === 0) return;
    const query = queryEvent(event);
    for (const listener of listeners) listener(query);
  };
  const db = dialect === 'sqlite' ? openSqlite(url, log) : await openPostgres(url, log);
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    throw new Error(`Database migration failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const repos: Repositories = repositoriesOn(db, dialect);
  // SQLite: the transactions of one event-loop turn share a commit (group-commit.ts). PostgreSQL
  // runs them side by side on its pool instead.
  const run =
    dialect === 'sqlite' ? groupCommitter(db) : <T>(work: Work<T>) => db.transaction().execute(work);
  return {
    db,
    dialect,
    repos,
    transaction: (fn) => run((trx) => fn(repositoriesOn(trx, dialect))),
    async ping() {
      await sql`select 1`.execute(db);
    },
    onQuery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await db.destroy();
    },
  };
}
