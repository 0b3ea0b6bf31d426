import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import {
  ApprovalBody,
  ApprovalResult,
  ErrorSchema,
  IdParams,
  RunAccepted,
  RunOptionsBody,
  SendMessageBody,
  StopResult,
  StreamQuery,
} from '../../shared/api-schemas.js';
import { StartConversationBody } from '../../shared/organise-schemas.js';
import type { RunLog } from '../realtime/run-log.js';
import type { ApprovalService } from '../runs/approvals.js';
import type { StartedRun, TurnService } from '../runs/turns.js';
import { followConversationStream } from './conversation-stream.js';
import { emptyBodyIsObject } from './empty-body.js';
import { type SseConnections, streamRun, wantsEventStream } from './sse.js';

const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

export interface RunRouteDeps {
  /** Starting, finding and stopping a conversation's replies. */
  turns: Pick<
    TurnService,
    'sendMessage' | 'startConversation' | 'regenerate' | 'continueMessage' | 'streamableRun' | 'stop'
  >;
  /** Answers to tool calls that wait for approval. */
  approvals: Pick<ApprovalService, 'answer'>;
  runLog: RunLog;
  sse: SseConnections;
  heartbeatMs: number;
}

export function runRoutes({
  turns,
  approvals,
  runLog,
  sse,
  heartbeatMs,
}: RunRouteDeps): FastifyPluginAsyncTypebox {
  /**
   * A started run is watched over SSE when the client asks for it, else acknowledged with 202.
   * The stream's place is claimed before the run starts: a user at the stream cap gets a 429
   * and no run (nothing spent on a reply nobody may watch).
   */
  async function startAndRespond(
    request: FastifyRequest,
    reply: FastifyReply,
    start: () => Promise<StartedRun>,
  ) {
    const slot = wantsEventStream(request) ? sse.claim(request, 'run') : undefined;
    let started: StartedRun;
    try {
      started = await start();
    } catch (error) {
      slot?.release();
      throw error;
    }
    if (slot) {
      await streamRun(
        request,
        reply,
        runLog,
        sse,
        heartbeatMs,
        started.run.id,
        0,
        {
          'x-parley-conversation-id': started.conversationId,
          'x-parley-message-id': started.assistantMessage.id,
        },
        slot,
      );
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
        startAndRespond(request, reply, () =>
          turns.sendMessage(request.userId, request.params.id, request.body, {
            log: request.log as Logger,
            apiTokenId: request.principal?.tokenId,
          }),
        ),
    );

    app.post(
      '/api/conversations/start',
      { schema: { body: StartConversationBody, response: { 202: RunAccepted, ...errors } } },
      async (request, reply) =>
        startAndRespond(request, reply, () =>
          turns.startConversation(request.userId, request.body, {
            log: request.log as Logger,
            apiTokenId: request.principal?.tokenId,
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
        startAndRespond(request, reply, () =>
          turns.regenerate(request.userId, request.params.id, request.body, {
            apiTokenId: request.principal?.tokenId,
          }),
        ),
    );

    app.post(
      '/api/messages/:id/continue',
      {
        preValidation: emptyBodyIsObject,
        schema: { params: IdParams, body: RunOptionsBody, response: { 202: RunAccepted, ...errors } },
      },
      async (request, reply) =>
        startAndRespond(request, reply, () =>
          turns.continueMessage(request.userId, request.params.id, request.body, {
            apiTokenId: request.principal?.tokenId,
          }),
        ),
    );

    app.get(
      '/api/conversations/:id/stream',
      { schema: { params: IdParams, querystring: StreamQuery, response: { 204: Type.Null(), ...errors } } },
      (request, reply) => followConversationStream({ turns, runLog, sse, heartbeatMs }, request, reply),
    );

    app.post(
      '/api/conversations/:id/approvals',
      { schema: { params: IdParams, body: ApprovalBody, response: { 200: ApprovalResult, ...errors } } },
      async (request) =>
        approvals.answer(request.userId, request.params.id, request.body, {
          apiTokenId: request.principal?.tokenId,
        }),
    );

    app.post(
      '/api/conversations/:id/stop',
      { schema: { params: IdParams, response: { 200: StopResult, ...errors } } },
      async (request) => {
        const runIds = await turns.stop(request.userId, request.params.id);
        return { stopped: runIds.length > 0, runIds };
      },
    );
  };
}
