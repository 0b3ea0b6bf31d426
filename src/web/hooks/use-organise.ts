import { useState } from 'react';
import { api, type Conversation, type ConversationPatch } from '../api.js';
import { type BulkAction, organiseApi } from '../organise-api.js';

export interface OrganiseOptions {
  /** A conversation the server changed (pinned, archived, moved): the list updates at once. */
  onChanged: (conversation: Conversation) => void;
  onDeleted: (id: string) => void;
  onError: (message: string) => void;
}

/** Pin, archive and move one conversation; select many and act on them together (all or nothing). */
export function useOrganise({ onChanged, onDeleted, onError }: OrganiseOptions) {
  const [selecting, setSelecting] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());

  async function patch(conversation: Conversation, body: ConversationPatch) {
    try {
      onChanged(await api.updateConversation(conversation.id, body));
    } catch (err) {
      onError(err instanceof Error ? err.message : String(err));
    }
  }

  function toggle(id: string) {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  function stopSelecting() {
    setSelecting(false);
    setSelected(new Set());
  }

  /** Act on the selection; the live events update every tab, this one included. */
  async function bulk(action: BulkAction, folderId?: string | null): Promise<void> {
    const ids = [...selected];
    if (ids.length === 0) return;
    try {
      await organiseApi.bulk({ ids, action, ...(action === 'move' ? { folderId: folderId ?? null } : {}) });
      if (action === 'delete') for (const id of ids) onDeleted(id);
      stopSelecting();
    } catch (err) {
      onError(err instanceof Error ? err.message : String(err));
    }
  }

  /** The title model writes the title again; the row updates when it is written (or shows why not). */
  async function regenerateTitle(conversation: Conversation): Promise<void> {
    try {
      onChanged(await organiseApi.regenerateTitle(conversation.id));
    } catch (err) {
      onError(err instanceof Error ? err.message : String(err));
    }
  }

  return {
    regenerateTitle,
    pin: (c: Conversation) => patch(c, { pinned: !c.pinned }),
    archive: (c: Conversation) => patch(c, { archived: !c.archived }),
    move: (c: Conversation, folderId: string | null) => patch(c, { folderId }),
    selecting,
    selected,
    startSelecting: (id?: string) => {
      setSelecting(true);
      setSelected(new Set(id ? [id] : []));
    },
    stopSelecting,
    toggle,
    bulk,
  };
}
