/**
 * Checks and orders the parent links of an imported message tree. Parley's ids are time-ordered
 * and the newest message marks the current branch, so new ids must be handed out parents first
 * and otherwise in the order the file gives (its last message stays the newest).
 */
/**
 * Indices of `nodes`, each after its parent, otherwise in input order. Returns a problem instead
 * when a key repeats, a parent does not exist, or parent links go round in a cycle.
 */
export function orderParentsFirst(nodes) {
    const indexOf = new Map();
    for (const [index, node] of nodes.entries()) {
        const firstIndex = indexOf.get(node.key);
        if (firstIndex !== undefined)
            return { problem: { kind: 'duplicate', index, firstIndex } };
        indexOf.set(node.key, index);
    }
    const waiting = new Map();
    const placed = new Array(nodes.length).fill(false);
    const order = [];
    // Place a node, then (iteratively, no recursion depth limit) every node that waited for it.
    const place = (start) => {
        const stack = [start];
        while (stack.length > 0) {
            const index = stack.pop();
            placed[index] = true;
            order.push(index);
            const children = waiting.get(index);
            if (children) {
                waiting.delete(index);
                stack.push(...children.reverse());
            }
        }
    };
    for (const [index, node] of nodes.entries()) {
        if (node.parentKey === null) {
            place(index);
            continue;
        }
        const parent = indexOf.get(node.parentKey);
        if (parent === undefined)
            return { problem: { kind: 'missing_parent', index } };
        if (placed[parent]) {
            place(index);
            continue;
        }
        const siblings = waiting.get(parent);
        if (siblings)
            siblings.push(index);
        else
            waiting.set(parent, [index]);
    }
    // Whatever still waits hangs off a cycle (every parent exists, yet no root reaches it).
    if (order.length < nodes.length) {
        const index = placed.findIndex((done) => !done);
        return { problem: { kind: 'cycle', index } };
    }
    return { order };
}
