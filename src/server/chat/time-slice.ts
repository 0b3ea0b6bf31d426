/**
 * Long loops over user data (an import of 20 MB) must not hold the event loop: every request of
 * every user waits while they run. `slice()` is awaited inside such a loop and yields to the
 * event loop (setImmediate: timers and I/O run first) once `budgetMs` of work has gone by since
 * the last yield, so the loop runs in slices of about that length and costs nothing extra when
 * it is short.
 */
export interface TimeSlicer {
  (): Promise<void>;
  /** Yield now, whatever the time: after a step that took most of a slice on its own. */
  yield(): Promise<void>;
}

export function timeSlicer(budgetMs = 20): TimeSlicer {
  let start = performance.now();
  const slice = async () => {
    if (performance.now() - start < budgetMs) return;
    await slice.yield();
  };
  slice.yield = async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    start = performance.now();
  };
  return slice;
}
