import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import { MAX_CONTENT_CHARS } from '../../shared/api-schemas.js';
import type { GuestService } from '../auth/guest-service.js';
import type { ChatService } from '../chat/chat-service.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { TurnService } from '../runs/turns.js';
import { issueGuestCookie } from './auth-hook.js';
import { sendError } from './error-handler.js';
import { webUiRoutes } from './web-ui.js';

/**
 * The original Flask app's contract, kept exactly: `GET /`, `POST /chat/message`,
 * `GET /chat/history`, with their status codes and error strings ({"error": "..."} only).
 * Who may call them (see auth-hook.ts): AUTH_MODE=none anyone, as the local user; AUTH_MODE=local
 * a session or API token (else 401 in the API's {"error","code"} shape), or with GUEST_ACCESS=on
 * an anonymous browser as its own guest.
 */

const INVALID = { error: 'Invalid request format' };
const EMPTY = { error: 'Message cannot be empty' };

export interface SeedRouteDeps {
  chat: Pick<ChatService, 'defaultConversation' | 'historyJson'>;
  /** Starts the reply (runs/). */
  turns: Pick<TurnService, 'sendMessage'>;
  /** Anonymous browsers become guests here (GUEST_ACCESS=on). */
  guests: Pick<GuestService, 'create' | 'model'>;
  config: Pick<Config, 'publicUrl' | 'maxMessages'>;
}

/** Flask's `request.is_json`: application/json or application/*+json, any parameters. */
export function isJsonContentType(header: string | undefined): boolean {
  const type = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[^/]+\+json$/.test(type);
}

/** `POST /chat/message` lives in its own scope: it parses every body itself and answers in the seed's words. */
function seedMessageRoute({ chat, turns, guests, config }: SeedRouteDeps): FastifyPluginAsync {
  const secureCookies = config.publicUrl?.startsWith('https://') ?? false;
  return async (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    // Like Flask's get_json(silent=True): a body that is not JSON, or not sent as JSON
    // (application/json or application/*+json), is "invalid format". Refusing other content types
    // also keeps other sites' plain HTML forms (text/plain, form-encoded) from posting here.
    app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
      if (!isJsonContentType(request.headers['content-type'])) return done(null, undefined);
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
      // A write that is not JSON (refused before parsing under AUTH_MODE=none, local-mode-guard.ts)
      // answers in the seed's words, as a non-JSON body does.
      if (error instanceof AppError && error.code === 'unsupported_media_type') {
        return reply.code(400).send(INVALID);
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
      let principal = request.principal;
      if (!principal) {
        // An anonymous browser under GUEST_ACCESS=on (auth-hook.ts lets nobody else through):
        // its first valid message makes it a guest of its own.
        principal = await guests.create(request.ip);
        issueGuestCookie(reply, principal.userId, secureCookies);
      }
      const userId = principal.userId;
      // A guest's messages go to the guest model only, whatever the conversation or body says.
      const model = principal.via === 'guest' ? guests.model() : undefined;
      const conversation = await chat.defaultConversation(userId);
      const started = await turns.sendMessage(
        userId,
        conversation.id,
        { content: body.message, ...(model ? { model } : {}) },
        // A synchronous API: queue for a free run slot rather than refuse.
        { log: request.log as Logger, waitForSlot: true, apiTokenId: principal.tokenId },
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

export function seedRoutes(deps: SeedRouteDeps): FastifyPluginAsync {
  const { chat, config } = deps;
  return async (app: FastifyInstance) => {
    // The web UI: `GET /`, the app's client routes and its built assets.
    await app.register(webUiRoutes());

    app.get('/chat/history', { config: { access: 'guest' } }, async (request, reply) => {
      // A browser that is not a guest yet has no history (and reading creates nothing).
      if (!request.principal) return [];
      // `[{user: 'User' | 'AI', message, timestamp}]`, oldest first, already JSON (sent as it is).
      const history = await chat.historyJson(request.userId, config.maxMessages);
      return reply.type('application/json; charset=utf-8').send(history);
    });

    await app.register(seedMessageRoute(deps));
  };
}
