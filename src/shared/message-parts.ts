import { type Static, Type } from 'typebox';

/**
 * A message is an ordered list of parts, shaped like the AI SDK's `UIMessage` parts. Today: text,
 * files and a reply's reasoning; tool calls and sources come later. The message also keeps its
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
 * DeepSeek's `reasoning_content`), as the provider sent it. Shown, never sent back to a model,
 * and not in `content`: search and the OpenAI history see the answer only.
 */
export const ReasoningPart = Type.Object({ type: Type.Literal('reasoning'), text: Type.String() });

export const MessagePart = Type.Union([TextPart, FilePart, ReasoningPart]);

export type TextPartDto = Static<typeof TextPart>;
export type FilePartDto = Static<typeof FilePart>;
export type ReasoningPartDto = Static<typeof ReasoningPart>;
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
