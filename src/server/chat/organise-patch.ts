import type { ConversationUpdate } from '../store/schema.js';

/** What `PATCH /api/conversations/:id` may change. */
export interface ConversationPatch {
  title?: string;
  model?: string;
  systemPrompt?: string | null;
  tools?: string[];
  /** Sampling temperature (0..2); null: the provider's default. */
  temperature?: number | null;
  /** Most tokens one reply may write; null: the provider's default. */
  maxOutputTokens?: number | null;
  /** The caller's folder to file it in; null: take it out of its folder. */
  folderId?: string | null;
  pinned?: boolean;
  archived?: boolean;
}

/**
 * The organising part of a patch as columns, and whether the patch is only that (then the
 * conversation's updated_at, its place in the list by date, stays as it was).
 */
export function organisePatch(patch: ConversationPatch): {
  columns: Pick<ConversationUpdate, 'folder_id' | 'pinned' | 'archived'>;
  only: boolean;
} {
  const columns: Pick<ConversationUpdate, 'folder_id' | 'pinned' | 'archived'> = {};
  if (patch.folderId !== undefined) columns.folder_id = patch.folderId;
  if (patch.pinned !== undefined) columns.pinned = patch.pinned ? 1 : 0;
  if (patch.archived !== undefined) columns.archived = patch.archived ? 1 : 0;
  const only =
    patch.title === undefined &&
    patch.model === undefined &&
    patch.systemPrompt === undefined &&
    patch.tools === undefined &&
    patch.temperature === undefined &&
    patch.maxOutputTokens === undefined;
  return { columns, only };
}
