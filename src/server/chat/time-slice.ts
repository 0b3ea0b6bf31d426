/**
 * Long loops over user data (an import of 20 MB) must not hold the event loop: every request of
 * every user waits while they run. `slice()` is awaited inside such a loop and yields to the
 * event loop (setImmediate: timers and I/O run first) once `budgetMs` of work has gone by since
 * the last yield, so the loop runs in slices of about that length and costs nothing extra when
 * it is short.
 */
export function timeSlicer(budgetMs = 20): () => Promise<void> {
  let start = performance.now();
  return async () => {
    if (performance.now() - start < budgetMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    start = performance.now();
  };
}
