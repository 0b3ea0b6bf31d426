/**
 * One error type for the whole server. Each code maps to an HTTP status; messages of 4xx errors
 * are shown to the client, messages of 5xx errors never are (the cause is logged instead).
 */
export const ERROR_STATUS = {
  invalid_json: 400,
  bad_request: 400,
  validation_error: 400,
  unknown_model: 400,
  not_continuable: 409,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  model_error: 502,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.status = ERROR_STATUS[code];
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
