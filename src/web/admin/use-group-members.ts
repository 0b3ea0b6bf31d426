import { useEffect, useRef, useState } from 'react';
import { type AdminUser, api } from '../api.js';
import { adminApi, type GroupMember } from './admin-api.js';
import { useDebounced } from './use-debounced.js';
import { useResource } from './use-resource.js';

/** One group's members: the list, a user search to add from, adding and removing. */

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Search results that are not members yet, at most `limit` (the search box asks for more typing past that). */
export function candidates(found: AdminUser[], members: GroupMember[], limit = 8): AdminUser[] {
  const inGroup = new Set(members.map((member) => member.userId));
  return found.filter((user) => !inGroup.has(user.id) && !user.pending).slice(0, limit);
}

/** `onChanged`: the group's member count and usage changed (the list of groups reloads). */
export function useGroupMembers(groupId: string, onChanged: () => void) {
  const members = useResource(() => adminApi.groupMembers(groupId), groupId);
  const [search, setSearch] = useState('');
  const query = useDebounced(search.trim());
  const [found, setFound] = useState<AdminUser[]>([]);
  const [searching, setSearching] = useState(false);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** Only the newest search's answer counts. */
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    if (!query) {
      setFound([]);
      setSearching(false);
      return;
    }
    setSearching(true);
    api.adminUsers(undefined, query).then(
      (page) => {
        if (mine !== seq.current) return;
        setFound(page.items);
        setSearching(false);
      },
      (err) => {
        if (mine !== seq.current) return;
        setError(messageOf(err));
        setSearching(false);
      },
    );
  }, [query]);

  async function act(userId: string, work: () => Promise<string>) {
    setBusyId(userId);
    setError(null);
    setNotice(null);
    try {
      const done = await work();
      await members.reload();
      setNotice(done);
      onChanged();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusyId(null);
    }
  }

  const list = members.data?.items ?? [];
  return {
    members: members.data ? list : null,
    loading: members.loading,
    loadError: members.error,
    search,
    setSearch,
    /** The settled search, as sent. */
    query,
    searching,
    candidates: candidates(found, list),
    busyId,
    error,
    notice,
    add: (user: AdminUser) =>
      act(user.id, async () => {
        await adminApi.addGroupMember(groupId, user.id);
        setSearch('');
        return `${user.username} is a member now.`;
      }),
    remove: (member: GroupMember) =>
      act(member.userId, async () => {
        await adminApi.removeGroupMember(groupId, member.userId);
        return `${member.username} is no longer a member.`;
      }),
  };
}
