import { type Conversation, type Folder, request } from './api.js';

/** Folders and bulk actions (`GET|POST|PATCH|DELETE /api/folders`, `POST /api/conversations/bulk`). */

const enc = encodeURIComponent;

export type BulkAction = 'delete' | 'archive' | 'unarchive' | 'move';

export const organiseApi = {
  folders: () => request<{ items: Folder[] }>('GET', '/api/folders'),
  createFolder: (name: string) => request<Folder>('POST', '/api/folders', { name }),
  renameFolder: (id: string, name: string) => request<Folder>('PATCH', `/api/folders/${enc(id)}`, { name }),
  deleteFolder: (id: string) => request<void>('DELETE', `/api/folders/${enc(id)}`),
  /** Delete, archive, unarchive or move (`folderId`, null: out of any folder) many at once: all or nothing. */
  bulk: (body: { ids: string[]; action: BulkAction; folderId?: string | null }) =>
    request<{ action: BulkAction; count: number }>('POST', '/api/conversations/bulk', body),
  /** The title model writes the title again from the first message (waits for it, ≤ 20 s). */
  regenerateTitle: (id: string) => request<Conversation>('POST', `/api/conversations/${enc(id)}/title`),
};
