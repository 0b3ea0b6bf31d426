import { useState } from 'react';
import { api, type Conversation } from '../api.js';

/** Renaming and deleting conversations from the sidebar (deleting after a confirmation). */

export const MAX_TITLE_CHARS = 200;

export interface EditsOptions {
  onRenamed: (conversation: Conversation) => void;
  onDeleted: (id: string) => void;
}

export function useConversationEdits({ onRenamed, onDeleted }: EditsOptions) {
  /** The id of the conversation whose title is being edited. */
  const [renaming, setRenaming] = useState<string | null>(null);
  /** The conversation waiting for the delete confirmation. */
  const [deleting, setDeleting] = useState<Conversation | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function rename(conversation: Conversation, title: string) {
    setRenaming(null);
    const clean = title.trim().slice(0, MAX_TITLE_CHARS);
    if (!clean || clean === conversation.title) return;
    try {
      onRenamed(await api.updateConversation(conversation.id, { title: clean }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  async function confirmDelete(conversation: Conversation) {
    setDeleting(null);
    try {
      await api.deleteConversation(conversation.id);
      onDeleted(conversation.id);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  return {
    renaming,
    startRename: (id: string) => setRenaming(id),
    cancelRename: () => setRenaming(null),
    rename,
    deleting,
    askDelete: (conversation: Conversation) => setDeleting(conversation),
    cancelDelete: () => setDeleting(null),
    confirmDelete,
    error,
    dismissError: () => setError(null),
  };
}
