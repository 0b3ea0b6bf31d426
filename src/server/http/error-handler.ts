import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toAppError } from '../error-mapping.js';
import { AppError, errorBody } from '../errors.js';
import { sendLimitedPage } from './limited-page.js';

/** Answer with the one error shape, logging 5xx as errors and client mistakes at info. */
export function sendError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(error);
  if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: appError.code, status: appError.status }, appError.message);
  if (appError.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(Math.max(1, Math.ceil(appError.retryAfterSeconds))));
  }
  // A browser navigation that is rate limited reads a page, not JSON (limited-page.ts).
  if (sendLimitedPage(appError, request, reply)) return reply;
  return reply.status(appError.status).send(errorBody(appError));
}

/**
 * Errors the router raises before any route or hook runs (a URL that is not valid percent-encoding):
 * Fastify answers them in its own shape unless given this (the `frameworkErrors` server option).
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  return sendError(error, request, reply);
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    return reply
      .status(404)
      .send(errorBody(new AppError('not_found', `No route for ${request.method} ${path}.`)));
  });
}
