import { createContext, useContext } from 'react';
import type { Conversation, Folder } from '../api.js';

/** What every sidebar row can do, given once by the Sidebar instead of through each level. */
export interface RowActions {
  activeId: string | null;
  folders: Folder[];
  renaming: string | null;
  rename: (conversation: Conversation, title: string) => void;
  startRename: (id: string) => void;
  cancelRename: () => void;
  askDelete: (conversation: Conversation) => void;
  regenerateTitle: (conversation: Conversation) => void;
  pin: (conversation: Conversation) => void;
  archive: (conversation: Conversation) => void;
  move: (conversation: Conversation, folderId: string | null) => void;
  selecting: boolean;
  selected: ReadonlySet<string>;
  toggle: (id: string) => void;
  startSelecting: (id?: string) => void;
}

export const RowActionsContext = createContext<RowActions | null>(null);

export function useRowActions(): RowActions {
  const actions = useContext(RowActionsContext);
  if (!actions) throw new Error('useRowActions outside the Sidebar');
  return actions;
}
