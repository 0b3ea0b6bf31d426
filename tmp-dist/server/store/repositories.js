import * as blobs from './blobs-repo.js';
import * as conversations from './conversations-repo.js';
import * as files from './files-repo.js';
import * as guests from './guests-repo.js';
import * as invites from './invites-repo.js';
import * as leases from './leases-repo.js';
import * as messages from './messages-repo.js';
import * as passwordResets from './password-resets-repo.js';
import * as runs from './runs-repo.js';
import * as search from './search-repo.js';
import * as sessions from './sessions-repo.js';
import * as setupCodes from './setup-codes-repo.js';
import * as storage from './storage-repo.js';
import * as tokens from './tokens-repo.js';
import * as transfer from './transfer-repo.js';
import * as usage from './usage-repo.js';
import * as users from './users-repo.js';
/**
 * Apply the connection to each function of a module. The type keeps only the query functions; the
 * few pure helpers a module also exports (isSecondStreamingReply, fts5Query) are imported directly.
 */
function bind(module, db) {
    const bound = {};
    for (const [name, value] of Object.entries(module)) {
        if (typeof value === 'function')
            bound[name] = (...args) => value(db, ...args);
    }
    return bound;
}
export function repositoriesOn(db, dialect) {
    return {
        blobs: bind(blobs, db),
        conversations: bind(conversations, db),
        files: bind(files, db),
        guests: {
            ...bind(guests, db),
            insertGuestUnderCap: (input) => guests.insertGuestUnderCap(db, dialect, input),
        },
        invites: bind(invites, db),
        leases: bind(leases, db),
        messages: bind(messages, db),
        passwordResets: bind(passwordResets, db),
        runs: bind(runs, db),
        search: {
            ...bind(search, db),
            searchDocuments: (userId, query, limit, offset) => search.searchDocuments(db, dialect, userId, query, limit, offset),
        },
        sessions: bind(sessions, db),
        setupCodes: bind(setupCodes, db),
        storage: bind(storage, db),
        tokens: bind(tokens, db),
        transfer: bind(transfer, db),
        usage: bind(usage, db),
        users: bind(users, db),
    };
}
