import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import {
  ErrorSchema,
  IdParams,
  RunAccepted,
  RunOptionsBody,
  SendMessageBody,
  StopResult,
  StreamQuery,
} from '../../shared/api-schemas.js';
import type { StartedRun } from '../chat/chat-service.js';
import type { AppContext } from './context.js';
import { emptyBodyIsObject } from './empty-body.js';
import { resumePoint, streamRun, wantsEventStream } from './sse.js';

const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

export function runRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  /** A started run is watched over SSE when the client asks for it, else acknowledged with 202. */
  async function respond(request: FastifyRequest, reply: FastifyReply, started: StartedRun) {
    if (wantsEventStream(request)) {
      await streamRun(request, reply, ctx.runLog, ctx.sse, ctx.heartbeatMs, started.run.id, 0, {
        'x-parley-conversation-id': started.conversationId,
        'x-parley-message-id': started.assistantMessage.id,
      });
      return reply;
    }
    return reply.code(202).send({
      runId: started.run.id,
      conversationId: started.conversationId,
      userMessage: started.userMessage,
      assistantMessage: started.assistantMessage,
    });
  }

  return async (app) => {
    app.post(
      '/api/conversations/:id/messages',
      { schema: { params: IdParams, body: SendMessageBody, response: { 202: RunAccepted, ...errors } } },
      async (request, reply) =>
        respond(
          request,
          reply,
          await ctx.chat.sendMessage(request.userId, request.params.id, request.body, {
            log: request.log as Logger,
          }),
        ),
    );

    app.post(
      '/api/messages/:id/regenerate',
      {
        preValidation: emptyBodyIsObject,
        schema: { params: IdParams, body: RunOptionsBody, response: { 202: RunAccepted, ...errors } },
      },
      async (request, reply) =>
        respond(request, reply, await ctx.chat.regenerate(request.userId, request.params.id, request.body)),
    );

    app.post(
      '/api/messages/:id/continue',
      {
        preValidation: emptyBodyIsObject,
        schema: { params: IdParams, body: RunOptionsBody, response: { 202: RunAccepted, ...errors } },
      },
      async (request, reply) =>
        respond(
          request,
          reply,
          await ctx.chat.continueMessage(request.userId, request.params.id, request.body),
        ),
    );

    app.get(
      '/api/conversations/:id/stream',
      { schema: { params: IdParams, querystring: StreamQuery, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        const conversationId = request.params.id;
        const after = resumePoint(request, request.query.after);
        const runId = await ctx.chat.streamableRun(
          request.userId,
          conversationId,
          request.query.runId,
          after,
        );
        if (!runId || !(await ctx.runLog.has(runId))) return reply.code(204).send(null);
        await streamRun(request, reply, ctx.runLog, ctx.sse, ctx.heartbeatMs, runId, after ?? 0, {
          'x-parley-conversation-id': conversationId,
        });
        return reply;
      },
    );

    app.post(
      '/api/conversations/:id/stop',
      { schema: { params: IdParams, response: { 200: StopResult, ...errors } } },
      async (request) => {
        const runIds = await ctx.chat.stop(request.userId, request.params.id);
        return { stopped: runIds.length > 0, runIds };
      },
    );
  };
}
