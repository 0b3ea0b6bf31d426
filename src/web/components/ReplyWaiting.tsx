import type { RunRetryStatus } from '../../shared/run-events.js';
import { useElapsedSeconds } from '../hooks/use-elapsed.js';
import { waitingLabel } from '../stream-parts.js';
import './ReplyWaiting.css';

/** How long the dots show alone: a model that answers at once never flashes a status. */
const QUIET_SECONDS = 1;

interface Props {
  /** The model's display name. */
  model: string;
  /** Since when (Date.now() time) the reply waits. */
  since: number;
  retry: RunRetryStatus | null;
}

/**
 * What a reply shows before its first token: the typing dots, then "Waiting for <model>… 12 s",
 * or "Retrying (2 of 3) after <reason>… 12 s" while the server retries a failed call.
 */
export function ReplyWaiting({ model, since, retry }: Props) {
  const seconds = useElapsedSeconds(since);
  const shown = retry !== null || seconds >= QUIET_SECONDS;
  return (
    <div className="reply-waiting">
      <span className="typing" role="img" aria-label="Writing">
        <span />
        <span />
        <span />
      </span>
      <span className="reply-waiting-body">
        {/* The label is announced when it changes (waiting → retrying); the ticking seconds are not. */}
        <span className="reply-waiting-text" role="status">
          {shown ? waitingLabel(model, retry) : ''}
        </span>
        {shown && (
          <span className="reply-waiting-time" aria-hidden="true">
            {seconds} s
          </span>
        )}
      </span>
    </div>
  );
}
