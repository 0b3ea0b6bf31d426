import { useCallback, useEffect, useRef, useState } from 'react';
import { type AccountDto, type AdminUser, type AdminUserPatch, api, type ResetLink } from '../api.js';

/** The admin's list of accounts: search, pages, approving, roles, quotas, disabling and reset links. */

/** Appends a page, a user already listed keeps one row (the newer data). */
export function mergePage(current: AdminUser[], page: AdminUser[]): AdminUser[] {
  const fresh = new Map(page.map((user) => [user.id, user]));
  const kept = current.map((user) => fresh.get(user.id) ?? user);
  const known = new Set(current.map((user) => user.id));
  return [...kept, ...page.filter((user) => !known.has(user.id))];
}

/** The PATCH answer has no usage figures: keep the listed ones. */
export function applyUpdate(current: AdminUser[], updated: AccountDto): AdminUser[] {
  return current.map((user) => (user.id === updated.id ? { ...user, ...updated } : user));
}

/** Accounts waiting for approval come first (each group keeps the server's order). */
export function splitPending(users: AdminUser[]): { pending: AdminUser[]; others: AdminUser[] } {
  return { pending: users.filter((u) => u.pending), others: users.filter((u) => !u.pending) };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Digits only, or blank for "no limit": the quota field's text as the API wants it (undefined: invalid). */
export function parseQuota(text: string): number | null | undefined {
  const value = text.trim().replace(/[\s,_]/g, '');
  if (value === '') return null;
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

export function useAdminUsers(query = '') {
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  /** The user an action is running for: their buttons wait (no double clicks). */
  const [busyId, setBusyId] = useState<string | null>(null);
  const [links, setLinks] = useState<Record<string, ResetLink>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  /** Only the newest request's answer counts (typing a search sends one per pause). */
  const seq = useRef(0);
  const load = useCallback(
    async (cursor?: string) => {
      const mine = ++seq.current;
      setLoading(true);
      setError(null);
      try {
        const page = await api.adminUsers(cursor, query.trim() || undefined);
        if (mine !== seq.current) return;
        setUsers((current) => mergePage(cursor ? (current ?? []) : [], page.items));
        setNextCursor(page.nextCursor);
      } catch (err) {
        if (mine === seq.current) setError(messageOf(err));
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [query],
  );

  useEffect(() => {
    void load();
  }, [load]);

  async function act(user: AdminUser, run: () => Promise<string>) {
    setBusyId(user.id);
    setError(null);
    setNotice(null);
    try {
      setNotice(await run());
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusyId(null);
    }
  }

  const update = (user: AdminUser, patch: AdminUserPatch, done: string) =>
    act(user, async () => {
      const updated = await api.updateUser(user.id, patch);
      setUsers((current) => applyUpdate(current ?? [], updated));
      return done;
    });

  return {
    users,
    nextCursor,
    loading,
    busyId,
    links,
    error,
    notice,
    loadMore: () => (nextCursor ? load(nextCursor) : Promise.resolve()),
    approve: (user: AdminUser) =>
      update(user, { approved: true }, `${user.username} is approved and can sign in now.`),
    setDisabled: (user: AdminUser, disabled: boolean) =>
      update(
        user,
        { disabled },
        disabled ? `${user.username} is disabled and signed out.` : `${user.username} is enabled again.`,
      ),
    setRole: (user: AdminUser, role: 'admin' | 'user') =>
      update(user, { role }, `${user.username} is ${role === 'admin' ? 'an admin' : 'a user'} now.`),
    setQuota: (
      user: AdminUser,
      quota: { tokenQuotaDaily: number | null; tokenQuotaMonthly: number | null },
    ) => update(user, quota, `${user.username}’s token limits are saved.`),
    resetLink: (user: AdminUser) =>
      act(user, async () => {
        const link = await api.createResetLink(user.id);
        setLinks((current) => ({ ...current, [user.id]: link }));
        return `A new reset link for ${user.username} is ready: send it to them privately.`;
      }),
  };
}
