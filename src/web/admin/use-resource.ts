import { useCallback, useEffect, useRef, useState } from 'react';
import { isUnavailable } from './admin-api.js';

/**
 * One GET the console shows: loading, the data, an error sentence, or "unavailable" (the route is
 * a 404 on this server: the feature has not landed here yet). `reload` fetches again; only the
 * newest answer counts.
 */
export interface Resource<T> {
  data: T | null;
  loading: boolean;
  error: string | null;
  unavailable: boolean;
  reload: () => Promise<void>;
}

/** `key` names what the request depends on: when it changes, the resource loads again. */
export function useResource<T>(load: () => Promise<T>, key = ''): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const seq = useRef(0);
  const latest = useRef(load);
  latest.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for what `load` reads
  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    setError(null);
    try {
      const value = await latest.current();
      if (mine !== seq.current) return;
      setData(value);
      setUnavailable(false);
    } catch (err) {
      if (mine !== seq.current) return;
      if (isUnavailable(err)) setUnavailable(true);
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [key]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, loading, error, unavailable, reload };
}
