import { type Static, Type } from 'typebox';
import { MessagePart, ModelInput } from './message-parts.js';

/**
 * The shapes at the HTTP boundary, used for validation, response serialization, TypeScript types
 * and (later) the OpenAPI document: one source for all four.
 */

/** Longest message a user may send, in characters (a long paste of code still fits). */
export const MAX_CONTENT_CHARS = 100_000;
/** Attachments one message may carry. */
export const MAX_FILES_PER_MESSAGE = 10;
export const MAX_TITLE_CHARS = 200;
export const MAX_SYSTEM_PROMPT_CHARS = 20_000;
export const MAX_ID_CHARS = 64;
/** A conversation's sampling temperature: 0 (most predictable) to 2 (most varied). */
export const MAX_TEMPERATURE = 2;
/** The most output tokens a conversation may ask of one reply (a model may allow fewer). */
export const MAX_OUTPUT_TOKENS_LIMIT = 100_000;

const Id = Type.String({ minLength: 1, maxLength: MAX_ID_CHARS });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const ErrorSchema = Type.Object({ error: Type.String(), code: Type.String() });

export const IdParams = Type.Object({ id: Id });

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const MessagesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  before: Type.Optional(Id),
});

export const StreamQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0 })),
  runId: Type.Optional(Id),
});

export const RunRef = Type.Object({ id: Type.String(), messageId: Type.String() });

export const Conversation = Type.Object({
  id: Type.String(),
  title: Nullable(Type.String()),
  model: Type.String(),
  systemPrompt: Nullable(Type.String()),
  /** The tools (`<server>/<tool>` ids from `GET /api/tools`) its replies may call. */
  tools: Type.Array(Type.String()),
  /** Sampling temperature of its replies (0..2); null: the provider's default. */
  temperature: Nullable(Type.Number()),
  /** Most tokens one reply may write; null: the provider's default. */
  maxOutputTokens: Nullable(Type.Integer()),
  /** The caller's folder it is filed in (`GET /api/folders`); null: none. */
  folderId: Nullable(Type.String()),
  /** Listed first. */
  pinned: Type.Boolean(),
  /** Hidden from `GET /api/conversations` unless `?archived=true`. */
  archived: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  activeRun: Nullable(RunRef),
});
export type ConversationDto = Static<typeof Conversation>;

export const ConversationPage = Type.Object({
  items: Type.Array(Conversation),
  nextCursor: Nullable(Type.String()),
});

/** At most this many tools on one conversation (every one is described to the model each step). */
export const MAX_CONVERSATION_TOOLS = 64;

/** A tool's id as a conversation names it: `<server>/<tool>`. */
export const ToolId = Type.String({ minLength: 3, maxLength: 200, pattern: '^[^/\\s]+/[^/\\s]+$' });
export const ConversationTools = Type.Array(ToolId, { maxItems: MAX_CONVERSATION_TOOLS, uniqueItems: true });

/** Settable per conversation (POST and PATCH); null clears it back to the provider's default. */
export const ConversationTemperature = Nullable(Type.Number({ minimum: 0, maximum: MAX_TEMPERATURE }));
export const ConversationMaxOutputTokens = Nullable(
  Type.Integer({ minimum: 1, maximum: MAX_OUTPUT_TOKENS_LIMIT }),
);

export const CreateConversationBody = Type.Object(
  {
    title: Type.Optional(Type.String({ maxLength: MAX_TITLE_CHARS })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    systemPrompt: Type.Optional(Type.String({ maxLength: MAX_SYSTEM_PROMPT_CHARS })),
    tools: Type.Optional(ConversationTools),
    temperature: Type.Optional(ConversationTemperature),
    maxOutputTokens: Type.Optional(ConversationMaxOutputTokens),
  },
  { additionalProperties: false },
);

export const UpdateConversationBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_TITLE_CHARS })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    systemPrompt: Type.Optional(Nullable(Type.String({ maxLength: MAX_SYSTEM_PROMPT_CHARS }))),
    tools: Type.Optional(ConversationTools),
    temperature: Type.Optional(ConversationTemperature),
    maxOutputTokens: Type.Optional(ConversationMaxOutputTokens),
    folderId: Type.Optional(Nullable(Id)),
    pinned: Type.Optional(Type.Boolean()),
    archived: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const MessageStatus = Type.Union([
  Type.Literal('streaming'),
  Type.Literal('complete'),
  Type.Literal('stopped'),
  Type.Literal('interrupted'),
  Type.Literal('error'),
  /** Paused: a tool call waits for a person's approval (`POST /api/conversations/:id/approvals`). */
  Type.Literal('waiting'),
]);

export const Message = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  parentId: Nullable(Type.String()),
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system')]),
  /** The plain text: the text parts joined (what search, the seed routes and old clients read). */
  content: Type.String(),
  /** The message's parts in order: text and attachments (a text-only message has one text part). */
  parts: Type.Array(MessagePart),
  status: MessageStatus,
  model: Nullable(Type.String()),
  usage: Type.Object({ inputTokens: Nullable(Type.Integer()), outputTokens: Nullable(Type.Integer()) }),
  finishReason: Nullable(Type.String()),
  error: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type MessageDto = Static<typeof Message>;

export const MessagePage = Type.Object({
  items: Type.Array(Message),
  /** Pass as `before` to get the next older page; null when this is the oldest. */
  nextCursor: Nullable(Type.String()),
});

export const SendMessageBody = Type.Object({
  content: Type.String({ maxLength: MAX_CONTENT_CHARS }),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** The message to answer after (edit-and-resend); null starts a new root; omitted: the newest message. */
  parentId: Type.Optional(Nullable(Id)),
  /** Uploaded files (`POST /api/files`) this message carries, in order; content may then be empty. */
  files: Type.Optional(Type.Array(Id, { maxItems: MAX_FILES_PER_MESSAGE, uniqueItems: true })),
});

export const RunOptionsBody = Type.Object({
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});

export const RunAccepted = Type.Object({
  runId: Type.String(),
  conversationId: Type.String(),
  userMessage: Nullable(Message),
  assistantMessage: Message,
});

/** `POST /api/conversations/:id/approvals`: a person's answer to a tool call waiting for one. */
export const ApprovalBody = Type.Object(
  {
    toolCallId: Type.String({ minLength: 1, maxLength: 200 }),
    approved: Type.Boolean(),
    reason: Type.Optional(Type.String({ maxLength: 1_000 })),
  },
  { additionalProperties: false },
);

export const ApprovalResult = Type.Object({
  toolCallId: Type.String(),
  approved: Type.Boolean(),
  /** The run that resumed the reply (this was its last open approval); null while others wait. */
  runId: Nullable(Type.String()),
  messageId: Type.String(),
});

export const StopResult = Type.Object({ stopped: Type.Boolean(), runIds: Type.Array(Type.String()) });

export const ModelList = Type.Object({
  defaultModel: Type.String(),
  models: Type.Array(
    Type.Object({
      id: Type.String(),
      provider: Type.String(),
      name: Type.String(),
      contextWindow: Nullable(Type.Integer()),
      /** What the model reads besides text: images, PDFs natively (others get extracted text). */
      input: Type.Array(ModelInput),
      available: Type.Boolean(),
      /** The provider's circuit breaker; null when the model has none (demo, local). */
      breaker: Nullable(
        Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')]),
      ),
      /** USD per million input and output tokens; null when unknown. */
      price: Nullable(Type.Object({ input: Type.Number(), output: Type.Number() })),
      /** Parley offers it the conversation's tools. */
      tools: Type.Boolean(),
      /** It reasons before answering (by its settings). */
      reasoning: Type.Boolean(),
    }),
  ),
});
export type ModelListDto = Static<typeof ModelList>;
