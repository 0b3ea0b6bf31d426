import { useCallback, useEffect, useState } from 'react';
import { api, type Conversation } from '../api.js';
import { onLiveEvent } from '../events.js';

/** The archived conversations (the sidebar's Archived view), loaded while it is open and kept current. */
export function useArchived(open: boolean) {
  const [items, setItems] = useState<Conversation[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  const load = useCallback(async (cursor?: string) => {
    try {
      const page = await api.conversations(cursor, { archived: true });
      setItems((current) => {
        const fresh = new Set(page.items.map((item) => item.id));
        return cursor ? [...current.filter((item) => !fresh.has(item.id)), ...page.items] : page.items;
      });
      setNextCursor(page.nextCursor);
    } finally {
      setLoaded(true);
    }
  }, []);

  /** A conversation changed here or in another tab: in this view while archived, gone once not. */
  const apply = useCallback((conversation: Conversation) => {
    setItems((current) => {
      const rest = current.filter((item) => item.id !== conversation.id);
      if (!conversation.archived) return rest;
      return [...rest, conversation].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1));
    });
  }, []);

  const drop = useCallback(
    (id: string) => setItems((current) => current.filter((item) => item.id !== id)),
    [],
  );

  useEffect(() => {
    if (!open) return;
    void load().catch(() => {});
    return onLiveEvent((event) => {
      if (event.type === 'ready') void load().catch(() => {});
      else if (event.type === 'conversation.created' || event.type === 'conversation.updated')
        apply(event.conversation);
      else if (event.type === 'conversation.deleted') drop(event.conversationId);
    });
  }, [open, load, apply, drop]);

  return {
    items,
    loaded,
    nextCursor,
    loadMore: () => (nextCursor ? load(nextCursor).catch(() => {}) : Promise.resolve()),
    apply,
    drop,
  };
}
