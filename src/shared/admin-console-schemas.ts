import { type Static, Type } from 'typebox';
import { SessionInfo } from './auth-schemas.js';

/**
 * The admin console's extras: a user's sessions (GET/DELETE /api/admin/users/:id/sessions) and the
 * per-model history of requests, errors and time to first token (GET /api/admin/models/history).
 */

/** A session as an admin sees it: the user's own list without `current`. */
export const AdminSessionInfo = Type.Omit(SessionInfo, ['current']);
export const AdminSessionList = Type.Object({ items: Type.Array(AdminSessionInfo) });
export type AdminSessionInfoDto = Static<typeof AdminSessionInfo>;

/** The longest range per bucket size, in days (both ends included). */
export const MAX_HISTORY_DAYS = { hour: 31, day: 366 } as const;
/** At most this many (model, bucket) items per answer: 31 days of hours for ~13 models. */
export const MAX_HISTORY_ITEMS = 10_000;

const Day = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'A UTC day, YYYY-MM-DD' });
const Bucket = Type.Union([Type.Literal('hour'), Type.Literal('day')]);

export const ModelHistoryQuery = Type.Object({
  /** First UTC day, inclusive (default: `to` minus 29 days for `day`, minus 1 for `hour`). */
  from: Type.Optional(Day),
  /** Last UTC day, inclusive (default: today). */
  to: Type.Optional(Day),
  bucket: Type.Optional(Bucket),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
});
export type ModelHistoryQueryDto = Static<typeof ModelHistoryQuery>;

export const ModelHistoryItem = Type.Object({
  model: Type.String(),
  /** The bucket's start, an ISO time (UTC). */
  at: Type.String(),
  requests: Type.Integer(),
  errors: Type.Integer(),
  errorRate: Type.Union([Type.Number(), Type.Null()]),
  /** Median milliseconds to the first token of the bucket's calls that streamed one. */
  ttftMsP50: Type.Union([Type.Integer(), Type.Null()]),
});
export type ModelHistoryItemDto = Static<typeof ModelHistoryItem>;

export const ModelHistory = Type.Object({
  bucket: Bucket,
  from: Type.String(),
  to: Type.String(),
  items: Type.Array(ModelHistoryItem),
});
export type ModelHistoryDto = Static<typeof ModelHistory>;
