import { createContext, useContext } from 'react';
import type { ModelInfo } from '../api.js';

/**
 * The models the server lists, for the messages that name theirs ("written by GPT-4o mini"): a
 * context, so the list reaches each message without passing through the virtualized list.
 */
export const ModelsContext = createContext<readonly ModelInfo[]>([]);

/** A model's display name; its id when the server no longer lists it; null without an id. */
export function useModelName(id: string | null | undefined): string | null {
  const models = useContext(ModelsContext);
  if (!id) return null;
  return models.find((model) => model.id === id)?.name ?? id;
}
