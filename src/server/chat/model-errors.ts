import { APICallError } from 'ai';

/** A sentence a user can act on, for the stream and the stored message. */
export function describeModelError(error: unknown): string {
  if (APICallError.isInstance(error)) {
    const status = error.statusCode ? ` (HTTP ${error.statusCode})` : '';
    return `The model provider returned an error${status}: ${error.message}`;
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
