import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { Type } from 'typebox';
import {
  ErrorSchema,
  IdParams,
  MAX_CONTENT_CHARS,
  MAX_FILES_PER_MESSAGE,
  StreamQuery,
} from '../../shared/api-schemas.js';
import { ChatRequestBody, type ChatRequestBodyDto } from '../../shared/chat-schemas.js';
import type { ChatService } from '../chat/chat-service.js';
import { AppError, notFound } from '../errors.js';
import type { RunLog } from '../realtime/run-log.js';
import type { StartedRun, TurnService } from '../runs/turns.js';
import { followConversationStream } from './conversation-stream.js';
import { type SseConnections, streamRun } from './sse.js';

/**
 * The AI SDK's chat protocol for Parley conversations: `useChat` (or `Chat` from `ai`) with a
 * DefaultChatTransport pointed at `/api/chat` works as is. The request body is the SDK's
 * (`id` = the conversation, `messages`, `trigger`, `messageId`); the answer is always the run's SSE
 * stream, the same one `POST /api/conversations/:id/messages` sends. Every check (access, limits,
 * quota, model, files) is the existing send's or regenerate's: this file only translates.
 * Stop is not here: a dropped connection must not end a resumable run, so the client says stop
 * with `POST /api/conversations/:id/stop` (ParleyChatTransport does it when useChat's stop() aborts).
 */

export interface ChatRouteDeps {
  turns: Pick<TurnService, 'sendMessage' | 'regenerate' | 'streamableRun'>;
  /** Access to the conversation and its messages (the one access policy). */
  chat: Pick<ChatService, 'requireConversation' | 'requireMessage' | 'listMessages'>;
  runLog: RunLog;
  sse: SseConnections;
  heartbeatMs: number;
}

type ChatMessage = ChatRequestBodyDto['messages'][number];

/** `/api/files/<id>` (relative or absolute): the file part of a file uploaded to Parley. */
const FILE_URL = /^(?:https?:\/\/[^/]+)?\/api\/files\/([^/?#]+)$/;

/**
 * The text and Parley file ids of the user message a submit sends. Text parts are joined as
 * paragraphs; a file part must name a file uploaded with `POST /api/files` (inline data URLs are
 * refused: uploads have their own size limits and quota). Other parts (the app's `data-*`) are not
 * message content and are left out.
 */
export function userTurnOf(message: ChatMessage): { content: string; files: string[] } {
  const texts: string[] = [];
  const files: string[] = [];
  for (const part of message.parts) {
    if (part.type === 'text') {
      if (typeof part.text !== 'string') {
        throw new AppError('validation_error', 'A text part needs its text.');
      }
      texts.push(part.text);
    } else if (part.type === 'file') {
      const raw = part.fileId ?? FILE_URL.exec(part.url ?? '')?.[1];
      if (!raw) {
        throw new AppError(
          'validation_error',
          'A file part must name a file uploaded with POST /api/files (url /api/files/<id>); inline data URLs are not accepted.',
        );
      }
      const id = decodeURIComponent(raw);
      if (!files.includes(id)) files.push(id);
    }
  }
  const content = texts.join('\n\n');
  if (content.length > MAX_CONTENT_CHARS) {
    throw new AppError('validation_error', `A message may have at most ${MAX_CONTENT_CHARS} characters.`);
  }
  if (files.length > MAX_FILES_PER_MESSAGE) {
    throw new AppError('validation_error', `A message may carry at most ${MAX_FILES_PER_MESSAGE} files.`);
  }
  return { content, files };
}

export function chatRoutes({
  turns,
  chat,
  runLog,
  sse,
  heartbeatMs,
}: ChatRouteDeps): FastifyPluginAsyncTypebox {
  /** The Parley message `messageId` names, in this conversation (404 otherwise, like elsewhere). */
  async function messageOf(userId: string, conversationId: string, messageId: string) {
    const { message } = await chat.requireMessage(userId, messageId, 'write');
    if (message.conversation_id !== conversationId) throw notFound('Message');
    return message;
  }

  /** submit-message: the last message is the user's new one (or an edit of `messageId`). */
  async function submit(
    userId: string,
    body: ChatRequestBodyDto,
    options: { log: Logger; apiTokenId: string | undefined },
  ): Promise<StartedRun> {
    const last = body.messages.at(-1);
    if (last?.role !== 'user') {
      throw new AppError(
        'validation_error',
        'submit-message needs a user message last. Tool approvals are answered with POST /api/conversations/{id}/approvals.',
      );
    }
    const turn = userTurnOf(last);
    // An edit (sendMessage with messageId) is a new sibling of the edited message: same parent.
    let parentId: string | null | undefined;
    if (body.messageId !== undefined) {
      const edited = await messageOf(userId, body.id, body.messageId);
      if (edited.role !== 'user')
        throw new AppError('validation_error', 'Only a user message can be edited.');
      parentId = edited.parent_id;
    }
    return turns.sendMessage(
      userId,
      body.id,
      {
        ...turn,
        ...(body.model !== undefined ? { model: body.model } : {}),
        ...(parentId !== undefined ? { parentId } : {}),
      },
      options,
    );
  }

  /**
   * regenerate-message: a new reply to the message `messageId` answers (or to the user message it
   * names). useChat's regenerate() without an id means the last one: the conversation's newest.
   */
  async function regenerate(userId: string, body: ChatRequestBodyDto, apiTokenId: string | undefined) {
    let messageId = body.messageId;
    if (messageId === undefined) {
      const newest = (await chat.listMessages(userId, body.id, 1)).items[0];
      if (!newest) throw new AppError('conflict', 'This conversation has no message to answer yet.');
      messageId = newest.id;
    } else {
      await messageOf(userId, body.id, messageId);
    }
    return turns.regenerate(userId, messageId, body.model !== undefined ? { model: body.model } : {}, {
      apiTokenId,
    });
  }

  return async (app) => {
    app.post(
      '/api/chat',
      {
        schema: { body: ChatRequestBody, response: { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema } },
      },
      async (request, reply) => {
        const { userId, body } = request;
        // Checked first (404 for someone else's): nothing below runs for a conversation not the caller's.
        await chat.requireConversation(userId, body.id, 'write');
        // The place for the stream is claimed before the run starts, as the existing send does.
        const slot = sse.claim(request, 'run');
        let started: StartedRun;
        try {
          const apiTokenId = request.principal?.tokenId;
          started =
            body.trigger === 'submit-message'
              ? await submit(userId, body, { log: request.log as Logger, apiTokenId })
              : await regenerate(userId, body, apiTokenId);
        } catch (error) {
          slot.release();
          throw error;
        }
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
      },
    );

    // useChat's resumeStream() asks `${api}/${chatId}/stream`: the conversation stream under that name.
    app.get(
      '/api/chat/:id/stream',
      {
        schema: {
          params: IdParams,
          querystring: StreamQuery,
          response: { 204: Type.Null(), 400: ErrorSchema, 404: ErrorSchema },
        },
      },
      (request, reply) => followConversationStream({ turns, runLog, sse, heartbeatMs }, request, reply),
    );
  };
}
