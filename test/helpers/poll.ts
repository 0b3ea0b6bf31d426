/**
 * Read until `done(value)` holds or `timeoutMs` passes (a hang guard, not a speed check), and
 * return the last value read. The wait between reads grows from 20 ms to 500 ms: quick when things
 * are quick, and a slow machine is not flooded with reads (an API read counts against the user's
 * request rate limit, 600 a minute by default).
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let waitMs = 20;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    waitMs = Math.min(500, Math.round(waitMs * 1.5));
    value = await read();
  }
  return value;
}
