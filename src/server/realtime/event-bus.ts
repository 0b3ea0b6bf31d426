import type { UserEvent } from '../../shared/user-events.js';

/**
 * Live events for one user's own tabs and devices (conversation created/renamed/deleted,
 * run started/finished; the shapes are in src/shared/user-events.ts). In-memory here; Redis
 * pub/sub behind the same interface for scale-out.
 */

export type UserEventListener = (event: UserEvent) => void;

export interface EventBus {
  publish(userId: string, event: UserEvent): void;
  subscribe(userId: string, listener: UserEventListener): () => void;
}

export class MemoryEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<UserEventListener>>();

  publish(userId: string, event: UserEvent): void {
    for (const listener of this.listeners.get(userId) ?? []) listener(event);
  }

  subscribe(userId: string, listener: UserEventListener): () => void {
    let set = this.listeners.get(userId);
    if (!set) {
      set = new Set();
      this.listeners.set(userId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(userId);
    };
  }
}
