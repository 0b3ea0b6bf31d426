import type { Static } from 'typebox';
import type {
  AdminSessionInfo as AdminSessionInfoSchema,
  ModelHistory as ModelHistorySchema,
} from '../../shared/admin-console-schemas.js';
import { request } from '../api.js';

/** The console's extras: a user's sessions and the per-model history (shapes from src/shared). */

export type AdminSession = Static<typeof AdminSessionInfoSchema>;
export type ModelHistory = Static<typeof ModelHistorySchema>;
export type ModelHistoryItem = ModelHistory['items'][number];
export type HistoryBucket = ModelHistory['bucket'];

export interface HistoryQuery {
  from: string;
  to: string;
  bucket: HistoryBucket;
}

const enc = encodeURIComponent;

/** `?from&to&bucket[&format=csv]`: the same query for the JSON the charts read and the CSV link. */
export function modelHistoryUrl(query: HistoryQuery, format?: 'csv'): string {
  const params = new URLSearchParams({ from: query.from, to: query.to, bucket: query.bucket });
  if (format) params.set('format', format);
  return `/api/admin/models/history?${params.toString()}`;
}

export const extrasApi = {
  userSessions: (userId: string) =>
    request<{ items: AdminSession[] }>('GET', `/api/admin/users/${enc(userId)}/sessions`),
  signOutUser: (userId: string) => request<void>('DELETE', `/api/admin/users/${enc(userId)}/sessions`),
  modelHistory: (query: HistoryQuery) => request<ModelHistory>('GET', modelHistoryUrl(query)),
};
