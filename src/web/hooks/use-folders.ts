import { useCallback, useEffect, useState } from 'react';
import type { Folder } from '../api.js';
import { onLiveEvent } from '../events.js';
import { organiseApi as api } from '../organise-api.js';

/** The user's folders, kept current across tabs (`folders.changed`), with create, rename, delete. */
export function useFolders(onError: (message: string) => void) {
  const [folders, setFolders] = useState<Folder[]>([]);

  const load = useCallback(async () => {
    try {
      setFolders((await api.folders()).items);
    } catch {
      // Folders stay as they were; the next event or reload tries again.
    }
  }, []);

  useEffect(() => {
    void load();
    return onLiveEvent((event) => {
      if (event.type === 'ready' || event.type === 'folders.changed') void load();
    });
  }, [load]);

  const run = useCallback(
    async (action: () => Promise<unknown>) => {
      try {
        await action();
      } catch (err) {
        onError(err instanceof Error ? err.message : String(err));
      }
      await load();
    },
    [load, onError],
  );

  return {
    folders,
    create: (name: string) => run(() => api.createFolder(name.trim())),
    rename: (id: string, name: string) => run(() => api.renameFolder(id, name.trim())),
    remove: (id: string) => run(() => api.deleteFolder(id)),
  };
}
