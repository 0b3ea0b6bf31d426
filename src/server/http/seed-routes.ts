import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { MAX_CONTENT_CHARS } from '../../shared/api-schemas.js';
import type { AppContext } from './context.js';
import { sendError } from './error-handler.js';
import { webUiRoutes } from './web-ui.js';

/**
 * The original Flask app's contract, kept exactly: `GET /`, `POST /chat/message`,
 * `GET /chat/history`, with their status codes and error strings ({"error": "..."} only).
 */

const INVALID = { error: 'Invalid request format' };
const EMPTY = { error: 'Message cannot be empty' };

/** `POST /chat/message` lives in its own scope: it accepts any body and answers in the seed's words. */
function seedMessageRoute(ctx: AppContext): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    // Like Flask's get_json(silent=True): anything that is not a JSON object is "invalid format".
    app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, body === '' ? undefined : JSON.parse(body as string));
      } catch {
        done(null, undefined);
      }
    });
    app.setErrorHandler((error: FastifyError, request, reply) => {
      // The only error of the body itself here is its size; the rest (limits, quotas, a broken
      // store) answer as everywhere else.
      if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply.code(413).send({ error: 'Message is too long', code: 'payload_too_large' });
      }
      return sendError(error, request, reply);
    });

    app.post('/chat/message', { config: { access: 'guest' } }, async (request, reply) => {
      const body = request.body as { message?: unknown } | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body) || typeof body.message !== 'string') {
        return reply.code(400).send(INVALID);
      }
      if (body.message.trim() === '') return reply.code(400).send(EMPTY);
      if (body.message.length > MAX_CONTENT_CHARS) {
        return reply.code(413).send({
          error: `Message is too long (at most ${MAX_CONTENT_CHARS} characters)`,
          code: 'payload_too_large',
        });
      }
      const conversation = await ctx.chat.defaultConversation(request.userId);
      const started = await ctx.chat.sendMessage(
        request.userId,
        conversation.id,
        { content: body.message },
        // A synchronous API: queue for a free run slot rather than refuse.
        { log: request.log as Logger, waitForSlot: true },
      );
      const outcome = await started.run.done;
      if (outcome.status === 'error') {
        return reply
          .code(502)
          .send({ error: outcome.error ?? 'The model failed to answer', code: 'model_error' });
      }
      return {
        status: 'success',
        response: outcome.text,
        conversationId: started.conversationId,
        messageId: started.assistantMessage.id,
      };
    });
  };
}

export function seedRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    // The web UI: `GET /`, the app's client routes and its built assets.
    await app.register(webUiRoutes());

    app.get('/chat/history', { config: { access: 'guest' } }, async (request) => {
      const rows = await ctx.chat.history(request.userId, ctx.config.maxMessages);
      return rows.map((row) => ({
        user: row.role === 'user' ? 'User' : 'AI',
        message: row.content,
        timestamp: row.created_at,
      }));
    });

    await app.register(seedMessageRoute(ctx));
  };
}
