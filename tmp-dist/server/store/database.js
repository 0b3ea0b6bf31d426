import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import { repositoriesOn } from './repositories.js';
const OPERATIONS = {
    SelectQueryNode: 'select',
    InsertQueryNode: 'insert',
    UpdateQueryNode: 'update',
    DeleteQueryNode: 'delete',
};
function queryEvent(event) {
    return {
        operation: OPERATIONS[event.query.query.kind] ?? 'other',
        failed: event.level === 'error',
        durationMs: event.queryDurationMillis,
    };
}
function openSqlite(url, log) {
    const file = url === 'sqlite::memory:' ? ':memory:' : url.slice('sqlite:'.length);
    if (file !== ':memory:')
        mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    // WAL lets readers run while a reply is checkpointed; the busy timeout absorbs short lock waits
    // instead of failing a request; foreign keys make deletes cascade.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    return new Kysely({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), log });
}
const STATEMENT_CACHE_SIZE = 500;
/**
 * Kysely prepares every query anew; SQLite's prepare was a tenth of a chat turn's CPU. The app
 * sends the same few dozen statements over and over, so keep the prepared ones (least recently
 * used out first). One connection runs one query at a time, so a statement is never in use twice.
 */
function withStatementCache(sqlite) {
    const cache = new Map();
    return {
        close: () => {
            cache.clear();
            sqlite.close();
        },
        prepare(text) {
            let statement = cache.get(text);
            if (statement) {
                cache.delete(text);
            }
            else {
                statement = sqlite.prepare(text);
                if (cache.size >= STATEMENT_CACHE_SIZE)
                    cache.delete(cache.keys().next().value);
            }
            cache.set(text, statement);
            return statement;
        },
    };
}
async function openPostgres(url, log) {
    // Loaded only for PostgreSQL: a SQLite install never needs the driver.
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
    // An idle connection dropped by the server (restart, failover, network) must not crash the
    // process; the next query gets a fresh connection, and readiness reports the outage meanwhile.
    pool.on('error', () => undefined);
    // Same for a connection that breaks while checked out: its query fails (and is reported), but
    // the client also emits 'error', which would crash the process without a listener.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new Kysely({ dialect: new PostgresDialect({ pool }), log });
}
/** Open the database named by DATABASE_URL and bring its schema up to date. */
export async function openStore(url) {
    const dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
    // Kysely times every query for its log hook; the store is opened before any app (and its metrics)
    // exists, so listeners subscribe later.
    const listeners = new Set();
    const log = (event) => {
        if (listeners.size === 0)
            return;
        const query = queryEvent(event);
        for (const listener of listeners)
            listener(query);
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
    const repos = repositoriesOn(db, dialect);
    return {
        db,
        dialect,
        repos,
        transaction: (fn) => db.transaction().execute((trx) => fn(repositoriesOn(trx, dialect))),
        async ping() {
            await sql `select 1`.execute(db);
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
