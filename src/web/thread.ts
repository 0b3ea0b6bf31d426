/**
 * A conversation is a tree of messages (`parentId`); the UI shows one branch: the path from the
 * root to a leaf. Regenerations and edits are siblings (same parent, same role). Pages of messages
 * load newest first, so the tree held here is always "everything newer than the oldest loaded
 * message": a loaded message's descendants are all loaded, its ancestors may not be yet.
 * Ids are UUIDv7: their string order is their creation order.
 */

export interface TreeNode {
  id: string;
  parentId: string | null;
  role: string;
}

const ROOT = '';

export class MessageTree<T extends TreeNode> {
  readonly byId = new Map<string, T>();
  private readonly children = new Map<string, string[]>();

  constructor(messages: Iterable<T>) {
    for (const message of messages) this.byId.set(message.id, message);
    for (const message of this.byId.values()) {
      const key = message.parentId ?? ROOT;
      const list = this.children.get(key);
      if (list) list.push(message.id);
      else this.children.set(key, [message.id]);
    }
    for (const list of this.children.values()) list.sort();
  }

  get size(): number {
    return this.byId.size;
  }

  /** The newest message: the default leaf (the branch the conversation last grew). */
  newest(): T | undefined {
    let best: T | undefined;
    for (const message of this.byId.values()) if (!best || message.id > best.id) best = message;
    return best;
  }

  /** Messages with the same parent and role (itself included), oldest first. */
  siblings(message: T): T[] {
    const ids = this.children.get(message.parentId ?? ROOT) ?? [message.id];
    return ids.map((id) => this.byId.get(id) as T).filter((m) => m.role === message.role);
  }

  /** Follow the newest child down to a leaf. */
  newestLeafUnder(id: string): string {
    let current = id;
    for (;;) {
      const kids = this.children.get(current);
      const last = kids?.[kids.length - 1];
      if (!last) return current;
      current = last;
    }
  }

  /**
   * The branch ending at `leafId`, root first. `complete` is false when it stops at a message
   * whose parent is not loaded yet (load older pages to see more).
   */
  branch(leafId: string | null): { messages: T[]; complete: boolean } {
    const out: T[] = [];
    let current = leafId ? this.byId.get(leafId) : undefined;
    if (!current) return { messages: out, complete: true };
    const seen = new Set<string>();
    for (;;) {
      if (seen.has(current.id)) break;
      seen.add(current.id);
      out.push(current);
      if (current.parentId === null) {
        out.reverse();
        return { messages: out, complete: true };
      }
      const parent = this.byId.get(current.parentId);
      if (!parent) break;
      current = parent;
    }
    out.reverse();
    return { messages: out, complete: false };
  }
}
