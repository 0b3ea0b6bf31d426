import { type Static, Type } from 'typebox';

/**
 * A message is an ordered list of parts, shaped like the AI SDK's `UIMessage` parts: text, files,
 * a reply's reasoning, and the steps and tool calls of a reply that used tools. The message also keeps its
 * plain text (`content`, the text parts joined) for search, the seed routes and old clients.
 */

export const TextPart = Type.Object({ type: Type.Literal('text'), text: Type.String() });

/**
 * An attachment. `url` is where the owner's browser reads it (`/api/files/:id`); `fileId`,
 * `filename` and `size` are Parley's additions to the AI SDK's file part.
 */
export const FilePart = Type.Object({
  type: Type.Literal('file'),
  fileId: Type.String(),
  mediaType: Type.String(),
  filename: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  url: Type.String(),
});

/**
 * What the model thought before answering (Anthropic thinking, OpenAI reasoning summaries,
 * DeepSeek's `reasoning_content`), as the provider sent it. Shown; sent back to a model only
 * within the same reply's tool steps, and only when sealed (`providerMetadata`); never in
 * `content`: search and the OpenAI history see the answer only.
 */
export const ReasoningPart = Type.Object({
  type: Type.Literal('reasoning'),
  text: Type.String(),
  /**
   * The provider's seal on the reasoning (Anthropic's signature, or its redacted thinking): sent
   * back within the reply's own tool steps, which Anthropic requires when thinking is on.
   */
  providerMetadata: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()))),
});

/** Where a reply's next model call (step) begins: after the first, each follows tool results. */
export const StepStartPart = Type.Object({ type: Type.Literal('step-start') });

/** How far a tool call got (the AI SDK's tool part states; `input-streaming` never stored). */
export const ToolState = Type.Union([
  Type.Literal('input-available'),
  Type.Literal('approval-requested'),
  Type.Literal('approval-responded'),
  Type.Literal('output-available'),
  Type.Literal('output-error'),
  Type.Literal('output-denied'),
]);

/** A person's answer to a call that needed approval; `id` is the call's `toolCallId`. */
export const ToolApproval = Type.Object({
  id: Type.String(),
  approved: Type.Optional(Type.Boolean()),
  reason: Type.Optional(Type.String()),
});

/**
 * A tool call the model made and what came of it: the AI SDK's `dynamic-tool` part (MCP tools are
 * not known when the code is compiled). `toolName` is the tool's id, `<server>/<tool>`; `output`
 * is the text the model read. `durationMs` (Parley's addition) is how long the call ran.
 */
export const ToolPart = Type.Object({
  type: Type.Literal('dynamic-tool'),
  toolCallId: Type.String(),
  toolName: Type.String(),
  state: ToolState,
  input: Type.Unknown(),
  output: Type.Optional(Type.String()),
  errorText: Type.Optional(Type.String()),
  approval: Type.Optional(ToolApproval),
  durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
});

export const MessagePart = Type.Union([TextPart, FilePart, ReasoningPart, StepStartPart, ToolPart]);

export type TextPartDto = Static<typeof TextPart>;
export type FilePartDto = Static<typeof FilePart>;
export type ReasoningPartDto = Static<typeof ReasoningPart>;
export type StepStartPartDto = Static<typeof StepStartPart>;
export type ToolPartDto = Static<typeof ToolPart>;
export type ToolStateDto = Static<typeof ToolState>;
/** The parts a prompt or an export reads: a message's content without its reasoning. */
export type ContentPartDto = TextPartDto | FilePartDto;
export type MessagePartDto = Static<typeof MessagePart>;

/** What a model can read besides text; `GET /api/models` lists it per model. */
export const ModelInput = Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('pdf')]);
export type ModelInputKind = Static<typeof ModelInput>;

/** The stored file as the API shows it (`POST /api/files`, `GET /api/files`). */
export const FileInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  mediaType: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  createdAt: Type.String(),
});
export type FileInfoDto = Static<typeof FileInfo>;
