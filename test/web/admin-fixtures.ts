import type { AdminUser, Me } from '../../src/web/api.js';

/** Accounts as the console's API returns them, for the web unit tests: defaults, then `extra`. */

export function user(id: string, extra: Partial<AdminUser> = {}): AdminUser {
  return {
    id,
    username: `user_${id}`,
    displayName: '',
    role: 'user',
    disabled: false,
    pending: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    tokenQuotaDaily: null,
    tokenQuotaMonthly: null,
    usage: { day: 0, month: 0 },
    groups: [],
    ...extra,
  };
}

/** The signed-in account ("me"), an admin or a user, with a session. */
export const me = (role: 'admin' | 'user'): Me =>
  ({
    user: { ...user('me'), role },
    csrfToken: 'c',
    authMode: 'local',
    via: 'session',
  }) as Me;
