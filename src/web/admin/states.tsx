import type { ReactNode } from 'react';

/** What the console shows for a feature whose API this server does not have (a 404 from its route). */
export function Unavailable({ what }: { what: string }) {
  return (
    <p className="admin-unavailable" role="status">
      {what}: not available on this server yet.
    </p>
  );
}

/** A small coloured label: ok (green), warn (amber), danger (red) or plain. */
export function Badge({ tone, children }: { tone?: 'ok' | 'warn' | 'danger'; children: string }) {
  return <span className={tone ? `badge badge-${tone}` : 'badge'}>{children}</span>;
}

export const when = (iso: string) =>
  new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/** A table that may scroll (narrow screens, long ranges): a labelled region reachable by keyboard. */
export function ScrollTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
