import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001-initial.js';
import * as accounts from './002-accounts.js';
import * as leases from './003-leases.js';
import * as search from './004-search.js';
import * as apiTokenUsage from './005-api-token-usage.js';
import * as accountSecurity from './006-account-security.js';
import * as guests from './007-guests.js';
import * as scopedSearch from './008-scoped-search.js';
import * as oneStreamingReply from './009-one-streaming-reply.js';
import * as files from './010-files.js';
import * as attachmentSearch from './011-attachment-search.js';
import * as tools from './012-tools.js';
import * as identities from './013-identities.js';
import * as usageEvents from './014-usage-events.js';
import * as audit from './015-audit.js';
import * as teams from './016-teams.js';
import * as organise from './017-organise.js';
import * as shares from './018-shares.js';
import * as chatSettings from './019-chat-settings.js';

/** Migrations live in code (not read from disk) so the built server and tests see the same list. */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '001-initial': initial,
      '002-accounts': accounts,
      '003-leases': leases,
      '004-search': search,
      '005-api-token-usage': apiTokenUsage,
      '006-account-security': accountSecurity,
      '007-guests': guests,
      '008-scoped-search': scopedSearch,
      '009-one-streaming-reply': oneStreamingReply,
      '010-files': files,
      '011-attachment-search': attachmentSearch,
      '012-tools': tools,
      '013-identities': identities,
      '014-usage-events': usageEvents,
      '015-audit': audit,
      '016-teams': teams,
      '017-organise': organise,
      '018-shares': shares,
      '019-chat-settings': chatSettings,
    };
  },
};
