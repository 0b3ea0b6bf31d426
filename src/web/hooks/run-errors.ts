import { ApiError } from '../api.js';
import { describeError } from './use-conversation-messages.js';
import type { InlineError } from './use-run-actions.js';

/**
 * A refused send, regenerate or continue as the bar above the composer shows it. A used-up token
 * quota or a model the user's groups do not include is said plainly, under a title, and without
 * Retry (trying again fails the same way until the quota resets or an admin changes it); the
 * server's sentence names the quota that ran out (the group's, when a group's shared quota did).
 */
export function runError(err: unknown, retry?: () => void): InlineError {
  if (err instanceof ApiError && err.code === 'quota_exceeded')
    return { title: 'Token limit reached', message: err.message };
  if (err instanceof ApiError && err.code === 'model_not_allowed')
    return { title: 'Model not available to you', message: err.message };
  return retry ? { message: describeError(err), retry } : { message: describeError(err) };
}
