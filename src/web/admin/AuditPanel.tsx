import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { type AdminUser, api } from '../api.js';
import { AUDIT_TYPES, type AuditEvent, adminApi, isUnavailable } from './admin-api.js';
import { Badge, Unavailable, when } from './states.js';

/** The audit log, newest first, filtered by type and user, a page at a time. */
export function useAudit(filter: { type: string; userId: string }) {
  const [items, setItems] = useState<AuditEvent[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const seq = useRef(0);
  const { type, userId } = filter;

  const load = useCallback(
    async (before?: string) => {
      const mine = ++seq.current;
      setLoading(true);
      setError(null);
      try {
        const page = await adminApi.audit({ type: type || undefined, userId: userId || undefined, before });
        if (mine !== seq.current) return;
        setItems((current) => {
          const kept = before ? (current ?? []) : [];
          const seen = new Set(kept.map((item) => item.id));
          return [...kept, ...page.items.filter((item) => !seen.has(item.id))];
        });
        setNextCursor(page.nextCursor);
      } catch (err) {
        if (mine !== seq.current) return;
        if (isUnavailable(err)) setUnavailable(true);
        else setError(err instanceof Error ? err.message : String(err));
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [type, userId],
  );

  useEffect(() => {
    void load();
  }, [load]);

  return {
    items,
    nextCursor,
    loading,
    error,
    unavailable,
    loadMore: () => (nextCursor ? load(nextCursor) : Promise.resolve()),
  };
}

const TONE: Record<string, 'ok' | 'warn' | 'danger' | undefined> = {
  'sign-in-failed': 'danger',
  'user-disabled': 'danger',
  'role-changed': 'warn',
  'quota-changed': 'warn',
  'user-approved': 'ok',
};

/** The detail object as short `key: value` text. */
export function describeDetail(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  return Object.entries(detail)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

export function AuditPanel() {
  const [type, setType] = useState('');
  const [userId, setUserId] = useState('');
  const [people, setPeople] = useState<AdminUser[]>([]);
  const audit = useAudit({ type, userId });
  const typeId = useId();
  const userFieldId = useId();

  useEffect(() => {
    // The user filter lists the first page of accounts; without the list, the filter stays "Anyone".
    api.adminUsers().then(
      (page) => setPeople(page.items),
      () => {},
    );
  }, []);

  return (
    <section className="card" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <div className="admin-toolbar">
        <span className="field">
          <label htmlFor={typeId}>Event</label>
          <select id={typeId} value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">All events</option>
            {AUDIT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </span>
        <span className="field">
          <label htmlFor={userFieldId}>User</label>
          <select id={userFieldId} value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">Anyone</option>
            {people.map((person) => (
              <option key={person.id} value={person.id}>
                {person.username}
              </option>
            ))}
          </select>
        </span>
      </div>
      {audit.unavailable && <Unavailable what="The audit log" />}
      {audit.error && (
        <p className="form-error" role="alert">
          {audit.error}
        </p>
      )}
      {audit.items?.length === 0 && <p className="muted">No events match.</p>}
      {audit.items && audit.items.length > 0 && (
        <ul className="token-list audit-list">
          {audit.items.map((event) => (
            <li key={event.id} className="audit-item">
              <div>
                <Badge tone={TONE[event.type]}>{event.type}</Badge>{' '}
                <span>
                  {event.actorName ?? event.actorId ?? 'system'}
                  {event.targetName || event.targetId ? ` → ${event.targetName ?? event.targetId}` : ''}
                </span>
              </div>
              <div className="muted small">
                <time dateTime={event.at}>{when(event.at)}</time>
                {event.ip ? ` · ${event.ip}` : ''}
                {describeDetail(event.detail) ? ` · ${describeDetail(event.detail)}` : ''}
              </div>
            </li>
          ))}
        </ul>
      )}
      {audit.loading && !audit.items && <p className="muted">Loading…</p>}
      {audit.nextCursor && (
        <button
          type="button"
          className="btn btn-small"
          disabled={audit.loading}
          onClick={() => void audit.loadMore()}
        >
          {audit.loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
