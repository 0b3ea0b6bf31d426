import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  Conversation,
  ConversationPage,
  CreateConversationBody,
  ErrorSchema,
  IdParams,
  MessagePage,
  MessagesQuery,
  UpdateConversationBody,
} from '../../shared/api-schemas.js';
import { ConversationsQuery } from '../../shared/organise-schemas.js';
import type { ChatService } from '../chat/chat-service.js';
import { emptyBodyIsObject } from './empty-body.js';

const errors = { 400: ErrorSchema, 404: ErrorSchema };

export interface ConversationRouteDeps {
  chat: Pick<
    ChatService,
    | 'createConversation'
    | 'listConversations'
    | 'getConversation'
    | 'updateConversation'
    | 'deleteConversation'
    | 'messagePageJson'
  >;
}

export function conversationRoutes({ chat }: ConversationRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/conversations',
      {
        preValidation: emptyBodyIsObject,
        schema: { body: CreateConversationBody, response: { 201: Conversation, ...errors } },
      },
      async (request, reply) => {
        const conversation = await chat.createConversation(request.userId, request.body);
        return reply.code(201).send(conversation);
      },
    );

    app.get(
      '/api/conversations',
      { schema: { querystring: ConversationsQuery, response: { 200: ConversationPage, ...errors } } },
      async (request) => {
        const { limit, cursor, archived, folderId } = request.query;
        return chat.listConversations(request.userId, limit ?? 50, cursor, {
          archived: archived ?? false,
          ...(folderId !== undefined ? { folderId } : {}),
        });
      },
    );

    app.get(
      '/api/conversations/:id',
      { schema: { params: IdParams, response: { 200: Conversation, ...errors } } },
      async (request) => chat.getConversation(request.userId, request.params.id),
    );

    app.patch(
      '/api/conversations/:id',
      {
        schema: {
          params: IdParams,
          body: UpdateConversationBody,
          response: { 200: Conversation, ...errors },
        },
      },
      async (request) => chat.updateConversation(request.userId, request.params.id, request.body),
    );

    app.delete(
      '/api/conversations/:id',
      { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await chat.deleteConversation(request.userId, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/conversations/:id/messages',
      { schema: { params: IdParams, querystring: MessagesQuery, response: { 200: MessagePage, ...errors } } },
      async (request, reply) => {
        const { limit = 50, before } = request.query;
        // Already a MessagePage's JSON (made by the database): Fastify sends a JSON-typed string
        // as it is, so the schema above documents it but does not serialize it again.
        const page = await chat.messagePageJson(request.userId, request.params.id, limit, before);
        return reply.type('application/json; charset=utf-8').send(page as never);
      },
    );
  };
}
