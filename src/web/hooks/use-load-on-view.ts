import { useEffect, useRef } from 'react';

/**
 * Calls `load` when the returned ref's element scrolls into view (the end of a list), for as long
 * as `cursor` says there is more; re-armed after each page, so a sentinel still in view loads on.
 */
export function useLoadOnView(cursor: string | null, load: () => Promise<unknown>) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const target = ref.current;
    if (!target || !cursor) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void load();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [cursor, load]);
  return ref;
}
