import type { Conversation, Folder } from './api.js';
import { type DateGroup, dateGroup, GROUP_ORDER } from './dates.js';

/** How the sidebar lays out the loaded conversations: pinned, then folders, then by date. */

export interface DatedGroup {
  group: DateGroup;
  items: Conversation[];
}

export interface FolderGroup {
  folder: Folder;
  /** Pinned ones of the folder first, then by date. */
  pinned: Conversation[];
  groups: DatedGroup[];
  count: number;
}

export interface SidebarLayout {
  /** Pinned conversations outside any folder. */
  pinned: Conversation[];
  folders: FolderGroup[];
  /** The rest, by last activity. */
  groups: DatedGroup[];
}

export function byDate(items: Conversation[], now = new Date()): DatedGroup[] {
  const map = new Map<DateGroup, Conversation[]>();
  for (const item of items) {
    const group = dateGroup(item.updatedAt, now);
    const bucket = map.get(group);
    if (bucket) bucket.push(item);
    else map.set(group, [item]);
  }
  return GROUP_ORDER.filter((group) => map.has(group)).map((group) => ({
    group,
    items: map.get(group) as Conversation[],
  }));
}

/**
 * Lay out `items` (in list order). A conversation whose folder is not among `folders` (deleted
 * meanwhile, or not loaded yet) shows outside any folder, so nothing ever disappears.
 */
export function sidebarLayout(items: Conversation[], folders: Folder[], now = new Date()): SidebarLayout {
  const known = new Map(folders.map((folder) => [folder.id, [] as Conversation[]]));
  const loose: Conversation[] = [];
  for (const item of items) {
    if (item.archived) continue;
    const bucket = item.folderId ? known.get(item.folderId) : undefined;
    if (bucket) bucket.push(item);
    else loose.push(item);
  }
  return {
    pinned: loose.filter((item) => item.pinned),
    folders: folders.map((folder) => {
      const inside = known.get(folder.id) ?? [];
      return {
        folder,
        pinned: inside.filter((item) => item.pinned),
        groups: byDate(
          inside.filter((item) => !item.pinned),
          now,
        ),
        count: inside.length,
      };
    }),
    groups: byDate(
      loose.filter((item) => !item.pinned),
      now,
    ),
  };
}
