import { Unavailable } from './states.js';
import type { Resource } from './use-resource.js';

/** Pieces the console's data panels share around a table. */

/**
 * What a panel says instead of (or before) its data: the feature is not on this server, the error,
 * "Loading…" the first time, or `none` when the answer has nothing to show.
 */
export function ResourceNotes({
  resource,
  what,
  empty,
  none,
}: {
  resource: Resource<unknown>;
  /** The feature's name for "… not available on this server yet". */
  what: string;
  /** Whether the loaded answer has nothing to show. */
  empty: boolean;
  none: string;
}) {
  return (
    <>
      {resource.unavailable && <Unavailable what={what} />}
      {resource.error && (
        <p className="form-error" role="alert">
          {resource.error}
        </p>
      )}
      {resource.loading && !resource.data && <p className="muted">Loading…</p>}
      {resource.data && empty && <p className="muted">{none}</p>}
    </>
  );
}

/** A table's column headings: the text columns, then the numeric ones (right-aligned). */
export function HeadRow({ text, num }: { text: string[]; num: string[] }) {
  return (
    <tr>
      {text.map((name) => (
        <th key={name} scope="col">
          {name}
        </th>
      ))}
      {num.map((name) => (
        <th key={name} scope="col" className="num">
          {name}
        </th>
      ))}
    </tr>
  );
}
