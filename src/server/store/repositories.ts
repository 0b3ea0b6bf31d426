import type { Kysely } from 'kysely';
import * as audit from './audit-repo.js';
import * as blobs from './blobs-repo.js';
import * as conversations from './conversations-repo.js';
import * as files from './files-repo.js';
import * as folders from './folders-repo.js';
import * as groups from './groups-repo.js';
import * as guests from './guests-repo.js';
import * as identities from './identities-repo.js';
import * as invites from './invites-repo.js';
import * as leases from './leases-repo.js';
import * as messages from './messages-repo.js';
import * as passwordResets from './password-resets-repo.js';
import * as runs from './runs-repo.js';
import type { Database, Dialect } from './schema.js';
import * as search from './search-repo.js';
import * as sessions from './sessions-repo.js';
import * as setupCodes from './setup-codes-repo.js';
import * as shares from './shares-repo.js';
import * as storage from './storage-repo.js';
import * as tokens from './tokens-repo.js';
import * as transfer from './transfer-repo.js';
import * as usageEvents from './usage-events-repo.js';
import * as usage from './usage-repo.js';
import * as users from './users-repo.js';

/**
 * The façade domain code sees instead of Kysely: every repository function with its connection
 * already applied (`repos.users.findUser(id)`), and `transaction(fn)` handing `fn` the same
 * repositories bound to one transaction. Only store/ knows SQL, dialects and connections.
 */

type Executor = Kysely<Database>;

/** A repository module's query functions (those taking the connection first), without that argument. */
type Bound<M> = {
  [K in keyof M as M[K] extends (db: Executor, ...args: never[]) => unknown
    ? M[K] extends (db: infer First, ...args: never[]) => unknown
      ? First extends Executor
        ? K
        : never
      : never
    : never]: M[K] extends (db: Executor, ...args: infer A) => infer R ? (...args: A) => R : never;
};

/** The same repository with the dialect also applied to the functions that take it second. */
type DialectApplied<R, K extends keyof R> = Omit<R, K> & {
  [P in K]: R[P] extends (dialect: Dialect, ...args: infer A) => infer Result
    ? (...args: A) => Result
    : never;
};

export interface Repositories {
  readonly audit: Bound<typeof audit>;
  readonly blobs: Bound<typeof blobs>;
  readonly conversations: Bound<typeof conversations>;
  readonly files: Bound<typeof files>;
  readonly folders: DialectApplied<Bound<typeof folders>, 'insertFolderUnderCap' | 'claimFolder'>;
  readonly groups: Bound<typeof groups>;
  readonly guests: DialectApplied<Bound<typeof guests>, 'insertGuestUnderCap'>;
  readonly identities: Bound<typeof identities>;
  readonly invites: Bound<typeof invites>;
  readonly leases: Bound<typeof leases>;
  readonly messages: DialectApplied<Bound<typeof messages>, 'messagePageJson' | 'seedHistoryJson'>;
  readonly passwordResets: Bound<typeof passwordResets>;
  readonly runs: Bound<typeof runs>;
  readonly search: DialectApplied<Bound<typeof search>, 'searchDocuments'>;
  readonly sessions: Bound<typeof sessions>;
  readonly setupCodes: Bound<typeof setupCodes>;
  readonly shares: DialectApplied<Bound<typeof shares>, 'insertShareUnderCap'>;
  readonly storage: Bound<typeof storage>;
  readonly tokens: Bound<typeof tokens>;
  readonly transfer: Bound<typeof transfer>;
  readonly usage: Bound<typeof usage>;
  readonly usageEvents: Bound<typeof usageEvents>;
  readonly users: Bound<typeof users>;
}

/** What domain code is given: the repositories, and a way to run several of them atomically. */
export interface Data {
  readonly repos: Repositories;
  /** Run `fn` in one transaction: everything it writes commits together, or nothing does if it throws. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
}

/**
 * Apply the connection to each function of a module. The type keeps only the query functions; the
 * few pure helpers a module also exports (isSecondStreamingReply, fts5Query) are imported directly.
 */
function bind<M extends object>(module: M, db: Executor): Bound<M> {
  const bound: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(module)) {
    if (typeof value === 'function') bound[name] = (...args: unknown[]) => value(db, ...args);
  }
  return bound as Bound<M>;
}

/**
 * An object whose properties are made on first use, then kept. A transaction gets a fresh set of
 * repositories and most use two or three of them: binding all of them (hundreds of closures) on
 * every transaction showed in the profile of a chat turn.
 */
function lazily<T extends object>(makers: { [K in keyof T]: () => T[K] }): T {
  const out = {} as T;
  for (const key of Object.keys(makers) as (keyof T)[]) {
    Object.defineProperty(out, key, {
      configurable: true,
      enumerable: true,
      get() {
        const value = makers[key]();
        Object.defineProperty(out, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return out;
}

export function repositoriesOn(db: Executor, dialect: Dialect): Repositories {
  return lazily<Repositories>({
    audit: () => bind(audit, db),
    blobs: () => bind(blobs, db),
    conversations: () => bind(conversations, db),
    files: () => bind(files, db),
    folders: () => ({
      ...bind(folders, db),
      insertFolderUnderCap: (folder, cap) => folders.insertFolderUnderCap(db, dialect, folder, cap),
      claimFolder: (userId, id) => folders.claimFolder(db, dialect, userId, id),
    }),
    groups: () => bind(groups, db),
    guests: () => ({
      ...bind(guests, db),
      insertGuestUnderCap: (input) => guests.insertGuestUnderCap(db, dialect, input),
    }),
    identities: () => bind(identities, db),
    invites: () => bind(invites, db),
    leases: () => bind(leases, db),
    messages: () => ({
      ...bind(messages, db),
      messagePageJson: (conversationId, limit, before) =>
        messages.messagePageJson(db, dialect, conversationId, limit, before),
      seedHistoryJson: (conversationId, limit) =>
        messages.seedHistoryJson(db, dialect, conversationId, limit),
    }),
    passwordResets: () => bind(passwordResets, db),
    runs: () => bind(runs, db),
    search: () => ({
      ...bind(search, db),
      searchDocuments: (userId, query, limit, offset) =>
        search.searchDocuments(db, dialect, userId, query, limit, offset),
    }),
    sessions: () => bind(sessions, db),
    setupCodes: () => bind(setupCodes, db),
    shares: () => ({
      ...bind(shares, db),
      insertShareUnderCap: (share, cap) => shares.insertShareUnderCap(db, dialect, share, cap),
    }),
    storage: () => bind(storage, db),
    tokens: () => bind(tokens, db),
    transfer: () => bind(transfer, db),
    usage: () => bind(usage, db),
    usageEvents: () => bind(usageEvents, db),
    users: () => bind(users, db),
  });
}
