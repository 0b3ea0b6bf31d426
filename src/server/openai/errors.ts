import type { FastifyError } from 'fastify';
import type { OpenAIErrorBodyDto } from '../../shared/openai-schemas.js';
import { toAppError } from '../error-mapping.js';
import type { AppError, ErrorCode } from '../errors.js';

/**
 * Errors in OpenAI's shape (`{"error": {"message", "type", "param", "code"}}`), so OpenAI clients
 * raise their typed errors (AuthenticationError, NotFoundError, RateLimitError, ...). Everything
 * thrown under /v1, including by the app-level auth hook and rate limit, is mapped here.
 */
export class OpenAIApiError extends Error {
  override name = 'OpenAIApiError';

  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly param: string | null = null,
    readonly options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
  }

  get retryAfterSeconds(): number | undefined {
    return this.options.retryAfterSeconds;
  }

  body(): OpenAIErrorBodyDto {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (message: string, param: string | null, code: string | null = null) =>
  new OpenAIApiError(400, message, 'invalid_request_error', code, param);

export const modelNotFound = (model: string) =>
  new OpenAIApiError(
    404,
    `The model \`${model}\` does not exist or you do not have access to it. GET /v1/models lists the models.`,
    'invalid_request_error',
    'model_not_found',
    'model',
  );

const TOKEN_HINT =
  'Send a Parley API token as `Authorization: Bearer pk_...` (create one with POST /api/tokens).';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/messages/0/content` → `messages[0].content`, the way OpenAI names parameters. */
function paramOf(instancePath: string, missing?: unknown): string {
  const segments = instancePath.split('/').filter((segment) => segment !== '');
  if (typeof missing === 'string') segments.push(missing);
  return segments.reduce(
    (path, segment) =>
      /^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment,
    '',
  );
}

function fromValidation(errors: AjvError[], cause: unknown): OpenAIApiError {
  const first = errors[0];
  if (!first) return invalidRequest('The request is not valid.', null);
  if (first.keyword === 'required') {
    const param = paramOf(first.instancePath, first.params.missingProperty);
    return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  const param = paramOf(first.instancePath);
  if (param === '') return invalidRequest('The request body must be a JSON object.', null);
  const allowed = Array.isArray(first.params.allowedValues)
    ? ` (one of ${first.params.allowedValues.map((value) => `'${String(value)}'`).join(', ')})`
    : '';
  const error = invalidRequest(
    `Invalid value for '${param}': ${first.message ?? 'not valid'}${allowed}.`,
    param,
    'invalid_value',
  );
  return Object.assign(error, { cause });
}

const RATE_CODES: Partial<Record<ErrorCode, string>> = {
  rate_limited: 'rate_limit_exceeded',
  too_many_runs: 'concurrency_limit_exceeded',
};

function fromAppError(error: AppError): OpenAIApiError {
  const options = { cause: error, retryAfterSeconds: error.retryAfterSeconds };
  switch (error.code) {
    case 'unauthorized':
    case 'invalid_credentials':
      return new OpenAIApiError(
        401,
        `${error.message} ${TOKEN_HINT}`,
        'invalid_request_error',
        'invalid_api_key',
        null,
        options,
      );
    // A session cookie is no credential here (it would need CSRF protection); say what is.
    case 'csrf_failed':
      return new OpenAIApiError(
        401,
        `The /v1 API does not accept session cookies. ${TOKEN_HINT}`,
        'invalid_request_error',
        'invalid_api_key',
        null,
        options,
      );
    case 'forbidden':
      return new OpenAIApiError(403, error.message, 'permission_error', null, null, options);
    case 'not_found':
      return new OpenAIApiError(404, error.message, 'invalid_request_error', 'not_found', null, options);
    // The caller's groups do not include the model: a permission, not a missing model.
    case 'model_not_allowed':
      return new OpenAIApiError(
        403,
        error.message,
        'permission_error',
        'model_not_allowed',
        'model',
        options,
      );
    case 'unknown_model':
      return new OpenAIApiError(
        404,
        error.message,
        'invalid_request_error',
        'model_not_found',
        'model',
        options,
      );
    case 'rate_limited':
    case 'too_many_runs':
      return new OpenAIApiError(
        429,
        error.message,
        'rate_limit_error',
        RATE_CODES[error.code] ?? null,
        null,
        options,
      );
    case 'quota_exceeded':
      return new OpenAIApiError(
        429,
        error.message,
        'insufficient_quota',
        'insufficient_quota',
        null,
        options,
      );
    default:
      if (error.status < 500) {
        return new OpenAIApiError(
          error.status,
          error.message,
          'invalid_request_error',
          error.code,
          null,
          options,
        );
      }
      return new OpenAIApiError(
        error.status,
        error.exposed
          ? error.message
          : 'The server had an error while processing your request. Try again; if it persists, check the server logs.',
        'server_error',
        error.code,
        null,
        options,
      );
  }
}

/** Anything thrown under /v1, as an OpenAI error. */
export function toOpenAIError(error: unknown): OpenAIApiError {
  if (error instanceof OpenAIApiError) return error;
  const fastifyError = error as FastifyError;
  if (Array.isArray(fastifyError?.validation)) {
    return fromValidation(fastifyError.validation as AjvError[], error);
  }
  return fromAppError(toAppError(error as Error));
}
