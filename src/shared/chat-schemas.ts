import { type Static, Type } from 'typebox';
import { MAX_ID_CHARS } from './api-schemas.js';

/**
 * `POST /api/chat`: the body the AI SDK's chat transports send (`useChat`, `Chat`), for a Parley
 * conversation. Only the last message and the trigger are read: Parley keeps the history, so the
 * client's copy of earlier messages is never trusted (and may be left out, as ParleyChatTransport
 * does). Fields the SDK or an app adds (`body` options, metadata) are allowed and ignored; the
 * global body limit bounds the whole request.
 */

/** The most messages a request may carry (a client that sends its whole history stays under it). */
export const MAX_CHAT_MESSAGES = 2_000;
/** The most parts one message of the request may have. */
export const MAX_CHAT_PARTS = 200;

const ClientId = Type.String({ minLength: 1, maxLength: 200 });

/** A part as the client holds it: its type is read, the rest only for text and file parts. */
const ChatPart = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 200 }),
    text: Type.Optional(Type.String()),
    url: Type.Optional(Type.String({ maxLength: 2_000_000 })),
    fileId: Type.Optional(Type.String({ maxLength: MAX_ID_CHARS })),
  },
  { additionalProperties: true },
);

const ChatUiMessage = Type.Object(
  {
    id: ClientId,
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')]),
    parts: Type.Array(ChatPart, { maxItems: MAX_CHAT_PARTS }),
  },
  { additionalProperties: true },
);

export const ChatRequestBody = Type.Object(
  {
    /** The conversation's id (the `Chat`'s id). */
    id: Type.String({ minLength: 1, maxLength: MAX_ID_CHARS }),
    messages: Type.Array(ChatUiMessage, { maxItems: MAX_CHAT_MESSAGES }),
    trigger: Type.Union([Type.Literal('submit-message'), Type.Literal('regenerate-message')]),
    /** submit-message: the user message being replaced (an edit); regenerate-message: the reply to redo. */
    messageId: Type.Optional(ClientId),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: true },
);
export type ChatRequestBodyDto = Static<typeof ChatRequestBody>;
export type ChatPartDto = Static<typeof ChatPart>;
