import type { MouseEvent } from 'react';
import type { Conversation } from '../api.js';
import { navigate } from '../router.js';

/** A plain click on an app link navigates in place; a modified click opens a tab as usual. */
export function go(event: MouseEvent, path: string) {
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(path);
}

export const titleOf = (conversation: Pick<Conversation, 'title'>) =>
  conversation.title ?? 'New conversation';
