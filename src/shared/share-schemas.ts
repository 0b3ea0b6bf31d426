import { type Static, Type } from 'typebox';
import { MessageStatus } from './api-schemas.js';
import { MessagePart } from './message-parts.js';

/**
 * Share links (`POST /api/conversations/:id/share`, `GET|DELETE /api/shares/:id`): a read-only
 * snapshot of a conversation's current branch, at `/s/<id>`.
 */

/** Shares one user may have at once (revoke one to make another). */
export const MAX_SHARES = 100;
/** Messages one snapshot may hold (the current branch, root first). */
export const MAX_SHARE_MESSAGES = 1_000;
/** Bytes of JSON one snapshot may take. */
export const MAX_SHARE_SNAPSHOT_BYTES = 4 * 1024 * 1024;
/** Share ids are 24 URL-safe characters (144 random bits); longer or other ids are never ours. */
export const SHARE_ID_PATTERN = '^[A-Za-z0-9_-]{24}$';

export const ShareVisibility = Type.Union([Type.Literal('public'), Type.Literal('users')]);
export type ShareVisibilityDto = Static<typeof ShareVisibility>;

export const ShareParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const ShareFileParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  fileId: Type.String({ minLength: 1, maxLength: 64 }),
});

/** `public`: anyone with the link; `users` (the default): anyone signed in to this Parley. */
export const ShareBody = Type.Object(
  { visibility: Type.Optional(ShareVisibility) },
  { additionalProperties: false },
);

export const Share = Type.Object({
  id: Type.String(),
  /** The page's path, `/s/<id>`. */
  url: Type.String(),
  visibility: ShareVisibility,
  title: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  messageCount: Type.Integer({ minimum: 0 }),
});
export type ShareDto = Static<typeof Share>;

export const ShareList = Type.Object({ items: Type.Array(Share) });

/** A message as a share shows it: no ids, no owner, no usage or error details. */
export const SharedMessage = Type.Object({
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  content: Type.String(),
  parts: Type.Array(MessagePart),
  status: MessageStatus,
  model: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
export type SharedMessageDto = Static<typeof SharedMessage>;

export const ShareSnapshot = Type.Object({
  id: Type.String(),
  url: Type.String(),
  visibility: ShareVisibility,
  title: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  messages: Type.Array(SharedMessage),
  /** A reply in it is still being written: read again (about every second) to see it grow. */
  streaming: Type.Boolean(),
});
export type ShareSnapshotDto = Static<typeof ShareSnapshot>;

/** `POST /api/shares/:id/continue`: the caller's new conversation holding a copy of the snapshot. */
export const ShareContinued = Type.Object({
  conversationId: Type.String(),
  url: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  messages: Type.Integer({ minimum: 0 }),
});
export type ShareContinuedDto = Static<typeof ShareContinued>;
