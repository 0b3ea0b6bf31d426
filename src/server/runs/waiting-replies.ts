import type { MessagePartDto } from '../../shared/message-parts.js';
import type { Data } from '../store/repositories.js';
import type { MessageRow } from '../store/schema.js';
import { stopWaitingReply } from './run-status.js';

/**
 * Ending a reply that waits for approvals without running anything more: when its approvals
 * expire, or the user stops the conversation. Its open calls are denied (the reason says why),
 * calls approved while others still waited are marked not run, and the reply ends `stopped`: no
 * model is called in the background. `continue` picks it up later, and the model is then told.
 */

export const EXPIRED_REASON = 'The approval request expired.';
export const STOPPED_REASON = 'The reply was stopped before the call was answered.';

/** False when the reply changed meanwhile (answered, or closed by someone else). */
export async function closeWaitingReply(store: Data, reply: MessageRow, reason: string): Promise<boolean> {
  if (reply.status !== 'waiting' || !reply.parts) return false;
  const parts = JSON.parse(reply.parts) as MessagePartDto[];
  for (const part of parts) {
    if (part.type !== 'dynamic-tool') continue;
    if (
      part.state === 'approval-requested' ||
      (part.state === 'approval-responded' && !part.approval?.approved)
    ) {
      part.state = 'output-denied';
      part.approval = {
        id: part.toolCallId,
        approved: false,
        reason: part.state === 'output-denied' && part.approval?.reason ? part.approval.reason : reason,
      };
    } else if (part.state === 'approval-responded') {
      part.state = 'output-error';
      part.errorText = `Approved, but not run: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`;
    }
  }
  const at = new Date().toISOString();
  return store.transaction((trx) =>
    stopWaitingReply(trx, reply.id, reply.parts as string, JSON.stringify(parts), at),
  );
}
