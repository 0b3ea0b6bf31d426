import { useEffect, useState } from 'react';

/**
 * Whole seconds since `since` (a Date.now() time), ticking once a second on one timer for as long
 * as the caller is mounted: stream events never re-render the count, and many events cost nothing.
 */
export function useElapsedSeconds(since: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return Math.max(0, Math.floor((now - since) / 1000));
}
