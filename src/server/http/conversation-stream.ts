import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunLog } from '../realtime/run-log.js';
import type { TurnService } from '../runs/turns.js';
import { resumePoint, type SseConnections, streamRun } from './sse.js';

export interface ConversationStreamDeps {
  turns: Pick<TurnService, 'streamableRun'>;
  runLog: RunLog;
  sse: SseConnections;
  heartbeatMs: number;
}

/**
 * Follow a conversation's active run from the event after `Last-Event-ID` / `?after=` (204 when
 * none is active). One handler for `GET /api/conversations/:id/stream` and useChat's resume
 * address `GET /api/chat/:id/stream`, so the two can never answer differently.
 */
export async function followConversationStream(
  { turns, runLog, sse, heartbeatMs }: ConversationStreamDeps,
  request: FastifyRequest<{ Params: { id: string }; Querystring: { after?: number; runId?: string } }>,
  reply: FastifyReply,
): Promise<void> {
  const conversationId = request.params.id;
  const after = resumePoint(request, request.query.after);
  const runId = await turns.streamableRun(request.userId, conversationId, request.query.runId, after);
  if (!runId || !(await runLog.has(runId))) {
    await reply.code(204).send(null);
    return;
  }
  const slot = sse.claim(request, 'run');
  await streamRun(
    request,
    reply,
    runLog,
    sse,
    heartbeatMs,
    runId,
    after ?? 0,
    { 'x-parley-conversation-id': conversationId },
    slot,
  );
}
