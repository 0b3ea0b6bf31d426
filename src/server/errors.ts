/**
 * One error type for the whole server. Each code maps to an HTTP status; messages of 4xx errors
 * are shown to the client, messages of 5xx errors never are (the cause is logged instead).
 */
export const ERROR_STATUS = {
  invalid_json: 400,
  bad_request: 400,
  validation_error: 400,
  unknown_model: 400,
  /** A message's file the chosen model cannot read (an image for a text-only model). */
  attachment_not_supported: 400,
  /** A conversation's tool that is not configured, or not for the caller's role. */
  unknown_tool: 400,
  not_continuable: 409,
  /** A tool call that was approved or denied already. */
  already_decided: 409,
  /** A tool call whose approval request expired (TOOL_APPROVAL_TIMEOUT_S): it was denied. */
  approval_expired: 409,
  unauthorized: 401,
  forbidden: 403,
  /** A model the caller's groups do not include. */
  model_not_allowed: 403,
  not_found: 404,
  conflict: 409,
  request_timeout: 408,
  payload_too_large: 413,
  storage_quota_exceeded: 413,
  /** AUTH_MODE=none answered only to its own host names (DNS rebinding). */
  misdirected_request: 421,
  unsupported_media_type: 415,
  headers_too_large: 431,
  rate_limited: 429,
  quota_exceeded: 429,
  too_many_runs: 429,
  too_many_streams: 429,
  invalid_credentials: 401,
  csrf_failed: 403,
  signup_closed: 403,
  setup_required: 403,
  account_pending: 403,
  /** Said only to a caller who gave the account's right password (sign-in.ts). */
  account_disabled: 403,
  auth_disabled: 409,
  internal_error: 500,
  model_error: 502,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  /** Sent as Retry-After on 429 and 503 answers. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** Whether the message may be shown to the client. */
  get exposed(): boolean {
    return this.status < 500;
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found.`);

export interface ErrorBody {
  error: string;
  code: string;
}

export function errorBody(error: AppError): ErrorBody {
  return {
    error: error.exposed
      ? error.message
      : 'Something went wrong on our side. Try again; if it persists, check the server logs.',
    code: error.code,
  };
}
