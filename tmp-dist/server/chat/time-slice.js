export function timeSlicer(budgetMs = 20) {
    let start = performance.now();
    const slice = async () => {
        if (performance.now() - start < budgetMs)
            return;
        await slice.yield();
    };
    slice.yield = async () => {
        await new Promise((resolve) => setImmediate(resolve));
        start = performance.now();
    };
    return slice;
}
