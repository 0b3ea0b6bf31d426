import type { InlineError } from '../hooks/use-run-actions.js';
import './InlineErrorBar.css';

/** A failed action, above the composer: its title and message, Retry when it can be tried again, Dismiss. */
export function InlineErrorBar({ error, onDismiss }: { error: InlineError; onDismiss: () => void }) {
  return (
    <div className="inline-error" role="alert">
      <span>
        {error.title && <strong className="inline-error-title">{error.title}. </strong>}
        {error.message}
      </span>
      {error.retry && (
        <button type="button" className="btn btn-small" onClick={error.retry}>
          Retry
        </button>
      )}
      <button type="button" className="link-btn" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
