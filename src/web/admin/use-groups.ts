import { useState } from 'react';
import { type AdminGroup, adminApi, type GroupInput } from './admin-api.js';
import { changesOf } from './group-form.js';
import { useResource } from './use-resource.js';

/** The console's groups: the list (with usage), creating, editing and deleting, one action at a time. */

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function useGroups() {
  const list = useResource(() => adminApi.groups());
  /** The group an action runs for ('new' while creating): its buttons wait (no double clicks). */
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  /** Runs `work`, shows its sentence or its error, reloads the list; true when it worked. */
  async function act(id: string, work: () => Promise<string>): Promise<boolean> {
    setBusyId(id);
    setError(null);
    setNotice(null);
    try {
      const done = await work();
      await list.reload();
      setNotice(done);
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusyId(null);
    }
  }

  return {
    groups: list.data?.items ?? null,
    loading: list.loading,
    /** The list could not load (its error), or this server has no groups API. */
    loadError: list.error,
    unavailable: list.unavailable,
    busyId,
    error,
    notice,
    reload: list.reload,
    clearMessages: () => {
      setError(null);
      setNotice(null);
    },
    create: (input: GroupInput) =>
      act('new', async () => {
        const group = await adminApi.createGroup(input);
        return `The group ${group.name} is created. Add its members below.`;
      }),
    /** Sends only what changed; nothing changed → nothing sent. */
    update: (group: AdminGroup, input: GroupInput) =>
      act(group.id, async () => {
        const patch = changesOf(group, input);
        if (Object.keys(patch).length === 0) return `Nothing changed in ${group.name}.`;
        const saved = await adminApi.updateGroup(group.id, patch);
        return `${saved.name} is saved.`;
      }),
    remove: (group: AdminGroup) =>
      act(group.id, async () => {
        await adminApi.deleteGroup(group.id);
        return `The group ${group.name} is deleted; its members keep their accounts.`;
      }),
  };
}
