export class MemoryEventBus {
    listeners = new Map();
    publish(userId, event) {
        for (const listener of this.listeners.get(userId) ?? [])
            listener(event);
    }
    subscribe(userId, listener) {
        let set = this.listeners.get(userId);
        if (!set) {
            set = new Set();
            this.listeners.set(userId, set);
        }
        set.add(listener);
        return () => {
            set.delete(listener);
            if (set.size === 0)
                this.listeners.delete(userId);
        };
    }
}
