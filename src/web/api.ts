import type { Static } from 'typebox';
import type {
  ApprovalResult as ApprovalResultSchema,
  ConversationDto,
  MessageDto,
  ModelListDto,
  RunAccepted as RunAcceptedSchema,
  StopResult as StopResultSchema,
} from '../shared/api-schemas.js';
import type {
  AdminUserPatch as AdminUserPatchSchema,
  AdminUser as AdminUserSchema,
  ApiToken as ApiTokenSchema,
  CreatedApiToken as CreatedApiTokenSchema,
  MeResponse as MeResponseSchema,
  PendingSignupResponse as PendingSignupResponseSchema,
  ResetLink as ResetLinkSchema,
  SessionInfo as SessionInfoSchema,
  SessionList as SessionListSchema,
  SessionResponse as SessionResponseSchema,
  User as UserSchema,
} from '../shared/auth-schemas.js';
import type { FolderDto } from '../shared/organise-schemas.js';
import type { SearchPageDto } from '../shared/search-schemas.js';

/** The Parley API as the web UI uses it: JSON over fetch, the session cookie, and the CSRF header on writes. */

export type Conversation = ConversationDto;
export type Folder = FolderDto;
export type ConversationPatch = Partial<
  Pick<Conversation, 'title' | 'model' | 'tools' | 'folderId' | 'pinned' | 'archived'>
> & { title?: string };
export type Message = MessageDto;
export type SearchPage = SearchPageDto;

export type User = Static<typeof UserSchema>;
export type Me = Static<typeof MeResponseSchema>;

export type ModelList = ModelListDto;
export type ModelInfo = ModelListDto['models'][number];

export type ApiToken = Static<typeof ApiTokenSchema>;
/** A token as created: the secret is shown this once. */
export type CreatedApiToken = Static<typeof CreatedApiTokenSchema>;

export type SessionInfo = Static<typeof SessionInfoSchema>;

/** A sign-in: the user and the CSRF token for cookie-authenticated writes. */
export type SessionResult = Static<typeof SessionResponseSchema>;
/** A sign-up either signs in (201) or waits for an admin's approval (202, no session). */
export type SignupResult = SessionResult | Static<typeof PendingSignupResponseSchema>;

/** A user as the admin's list shows them (with this day's and month's token usage). */
export type AdminUser = Static<typeof AdminUserSchema>;
/** A user as `PATCH /api/admin/users/:id` answers (no usage). */
export type AccountDto = User;
export type AdminUserPatch = Static<typeof AdminUserPatchSchema>;
/** A one-time password reset link for a user, made by an admin. */
export type ResetLink = Static<typeof ResetLinkSchema>;

export type RunAccepted = Static<typeof RunAcceptedSchema>;
export type StopResult = Static<typeof StopResultSchema>;
export type ApprovalResult = Static<typeof ApprovalResultSchema>;

/** One tool a conversation may enable (`GET /api/tools`): its id is `<server>/<tool>`. */
export interface ToolInfo {
  id: string;
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  requiresApproval: boolean;
}

/** An MCP server the operator configured, with its state and the tools it offers the caller. */
export interface ToolServer {
  name: string;
  state: 'connecting' | 'ready' | 'down';
  /** Why it is (or last went) down. */
  error: string | null;
  tools: ToolInfo[];
}

export interface ToolList {
  servers: ToolServer[];
}

/** `GET /api/usage`: the caller's own tokens, requests and cost, and their quotas (null: no limit). */
export interface MyUsage {
  from: string;
  to: string;
  totals: { inputTokens: number; outputTokens: number; requests: number; costUsd: number | null };
  quota: {
    daily: { limit: number | null; used: number };
    monthly: { limit: number | null; used: number };
  };
}

/** `GET /api/auth/providers` (public). */
export interface AuthProviders {
  oidc: { enabled: boolean; label: string | null };
  localSignIn: boolean;
  localSignUp: boolean;
  /** SIGNUP: who may create an account (no "Create one" when closed). */
  signup?: 'open' | 'approval' | 'invite' | 'closed';
  /** No account yet: the next sign-up creates the admin. */
  firstAccount?: boolean;
  /** That first sign-up needs the setup code from the server's log. */
  setupCodeRequired?: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** An error answered by the API (`{"error", "code"}`), or a network failure (`status` 0). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'x-csrf-token': csrfToken } : {};
}

/** Called when the API says we are not signed in (the session ended elsewhere). */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

/**
 * Whether this tab is still signed in, asked when something suggests it is not (the live events
 * stream was refused): a 401 signs the tab out with its reason, as any API call would.
 */
export async function checkSession(): Promise<void> {
  try {
    await request('GET', '/api/auth/me');
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) onUnauthorized();
  }
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') Object.assign(headers, csrfHeaders());
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('The server cannot be reached. Check your connection.', 0, 'network_error');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const err = (data ?? {}) as { error?: string; code?: string };
    const retry = Number(res.headers.get('retry-after'));
    if (res.status === 401 && !path.startsWith('/api/auth/')) onUnauthorized();
    throw new ApiError(
      err.error ?? `Request failed (HTTP ${res.status}).`,
      res.status,
      err.code ?? 'http_error',
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  }
  return data as T;
}

const enc = encodeURIComponent;

export const api = {
  me: () => request<Me>('GET', '/api/auth/me'),
  login: (username: string, password: string) =>
    request<SessionResult>('POST', '/api/auth/login', { username, password }),
  signup: (body: {
    username: string;
    password: string;
    displayName?: string;
    inviteCode?: string;
    setupCode?: string;
  }) => request<SignupResult>('POST', '/api/auth/signup', body),
  /**
   * Ends the Parley session. A session from single sign-on may get the provider's logout URL
   * (RP-initiated logout): the browser goes there to end the provider's session too, then back to `/`.
   */
  logout: async () => {
    const result = await request<{ endSessionUrl?: string } | undefined>('POST', '/api/auth/logout');
    if (result?.endSessionUrl && /^https?:\/\//.test(result.endSessionUrl)) {
      window.location.assign(result.endSessionUrl);
    }
  },
  /** How to sign in: single sign-on (and its button label), and whether the password form is offered. */
  authProviders: () => request<AuthProviders>('GET', '/api/auth/providers'),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('POST', '/api/auth/password', { currentPassword, newPassword }),
  sessions: () => request<Static<typeof SessionListSchema>>('GET', '/api/auth/sessions'),
  endAllSessions: () => request<void>('DELETE', '/api/auth/sessions'),
  resetPassword: (token: string, newPassword: string) =>
    request<void>('POST', '/api/auth/reset', { token, newPassword }),

  conversations: (cursor?: string, filter: { archived?: boolean; folderId?: string } = {}) =>
    request<Page<Conversation>>(
      'GET',
      `/api/conversations?limit=50${cursor ? `&cursor=${enc(cursor)}` : ''}${filter.archived ? '&archived=true' : ''}${filter.folderId ? `&folderId=${enc(filter.folderId)}` : ''}`,
    ),
  conversation: (id: string) => request<Conversation>('GET', `/api/conversations/${enc(id)}`),
  /** A new conversation with its first message: nothing is created if the message is refused. */
  startConversation: (body: { content: string; model?: string; tools?: string[]; files?: string[] }) =>
    request<RunAccepted>('POST', '/api/conversations/start', body),
  /** Also pins, archives and files it (`folderId`; organise-api.ts has the folders). */
  updateConversation: (id: string, body: ConversationPatch) =>
    request<Conversation>('PATCH', `/api/conversations/${enc(id)}`, body),
  deleteConversation: (id: string) => request<void>('DELETE', `/api/conversations/${enc(id)}`),
  messages: (id: string, before?: string, limit = 50) =>
    request<Page<Message>>(
      'GET',
      `/api/conversations/${enc(id)}/messages?limit=${limit}${before ? `&before=${enc(before)}` : ''}`,
    ),
  send: (id: string, body: { content: string; parentId?: string | null; model?: string; files?: string[] }) =>
    request<RunAccepted>('POST', `/api/conversations/${enc(id)}/messages`, body),
  regenerate: (messageId: string, model?: string) =>
    request<RunAccepted>('POST', `/api/messages/${enc(messageId)}/regenerate`, model ? { model } : {}),
  continueMessage: (messageId: string) =>
    request<RunAccepted>('POST', `/api/messages/${enc(messageId)}/continue`, {}),
  stop: (id: string) => request<StopResult>('POST', `/api/conversations/${enc(id)}/stop`),
  answerApproval: (id: string, body: { toolCallId: string; approved: boolean; reason?: string }) =>
    request<ApprovalResult>('POST', `/api/conversations/${enc(id)}/approvals`, body),
  tools: () => request<ToolList>('GET', '/api/tools'),

  models: () => request<ModelList>('GET', '/api/models'),
  search: (q: string) => request<SearchPage>('GET', `/api/search?q=${enc(q)}&limit=30`),

  tokens: () => request<{ items: ApiToken[] }>('GET', '/api/tokens'),
  createToken: (name: string, dailyTokenBudget: number | null = null) =>
    request<CreatedApiToken>('POST', '/api/tokens', { name, dailyTokenBudget }),
  deleteToken: (id: string) => request<void>('DELETE', `/api/tokens/${enc(id)}`),
  /** Set or clear (null) a token's daily token budget. */
  setTokenBudget: (id: string, dailyTokenBudget: number | null) =>
    request<ApiToken>('PATCH', `/api/tokens/${enc(id)}`, { dailyTokenBudget }),
  updateProfile: (displayName: string) => request<{ user: User }>('PATCH', '/api/auth/me', { displayName }),
  /** `password` for an account with one; `confirm` (the username) for a single sign-on account. */
  deleteAccount: (proof: { password: string } | { confirm: string }) =>
    request<void>('DELETE', '/api/auth/me', proof),

  /** `q` searches usernames and display names (the console's search box). */
  adminUsers: (cursor?: string, q?: string) =>
    request<Page<AdminUser>>(
      'GET',
      `/api/admin/users?limit=50${q ? `&q=${enc(q)}` : ''}${cursor ? `&cursor=${enc(cursor)}` : ''}`,
    ),
  updateUser: (id: string, patch: AdminUserPatch) =>
    request<AccountDto>('PATCH', `/api/admin/users/${enc(id)}`, patch),
  createResetLink: (id: string) => request<ResetLink>('POST', `/api/admin/users/${enc(id)}/reset-link`),

  /** The caller's own usage this month and what is left of their quotas. */
  myUsage: (from: string, to: string) =>
    request<MyUsage>('GET', `/api/usage?from=${enc(from)}&to=${enc(to)}&groupBy=day`),
};

/**
 * A page opened on a conversation starts loading it at once, in parallel with `GET /api/auth/me`
 * and the first render, instead of after them (one round trip less before the messages show).
 */
const prefetched = new Map<string, Promise<[Conversation, Page<Message>]>>();

export function prefetchConversation(id: string): void {
  const promise = Promise.all([api.conversation(id), api.messages(id)]);
  promise.catch(() => {}); // consumed (and reported) by the view, or dropped when signed out
  prefetched.set(id, promise);
}

/** The prefetched conversation and newest page, once; else fresh requests. */
export function loadConversation(id: string): Promise<[Conversation, Page<Message>]> {
  const promise = prefetched.get(id);
  prefetched.delete(id);
  return promise ?? Promise.all([api.conversation(id), api.messages(id)]);
}

// ---- Per-chat settings, export and import (ChatSettingsDialog, ConversationMenu, ImportCard) ----

/** What the chat settings dialog changes on a conversation (only the fields that changed are sent). */
export type ChatSettingsPatch = Partial<
  Pick<Conversation, 'model' | 'systemPrompt' | 'tools' | 'temperature' | 'maxOutputTokens'>
>;

export const updateChatSettings = (id: string, patch: ChatSettingsPatch) =>
  request<Conversation>('PATCH', `/api/conversations/${enc(id)}`, patch);

/** The file name a `content-disposition` header gives (RFC 6266 `filename*` first), or `fallback`. */
export function attachmentName(header: string | null, fallback: string): string {
  const star = header?.match(/filename\*\s*=\s*UTF-8''([^;]+)/i)?.[1];
  if (star) {
    try {
      return decodeURIComponent(star.trim());
    } catch {
      // fall through to the plain name
    }
  }
  return header?.match(/filename\s*=\s*"([^"]*)"/i)?.[1] ?? fallback;
}

/**
 * Downloads a conversation's export (`GET /api/conversations/:id/export`) as a file: fetched first,
 * so a refusal (gone, signed out) is an ApiError the page shows instead of a page of JSON.
 */
export async function downloadExport(id: string, format: 'markdown' | 'json'): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`/api/conversations/${enc(id)}/export?format=${format}`, {
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError('The server cannot be reached. Check your connection.', 0, 'network_error');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { error?: string; code?: string };
    if (res.status === 401) onUnauthorized();
    throw new ApiError(
      body.error ?? `Export failed (HTTP ${res.status}).`,
      res.status,
      body.code ?? 'http_error',
    );
  }
  const name = attachmentName(
    res.headers.get('content-disposition'),
    `conversation.${format === 'json' ? 'json' : 'md'}`,
  );
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has started the download (revoking at once can cancel it in some browsers).
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export type ImportResult = import('../shared/export-schemas.js').ImportResultDto;

/**
 * Uploads a Parley export or ChatGPT `conversations.json` to `POST /api/conversations/import`,
 * reporting upload progress (0..1) as it goes: XMLHttpRequest, since fetch reports none for uploads.
 * `signal` aborts it. Errors are ApiErrors with the server's message.
 */
export function importConversations(
  file: Blob,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<ImportResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/conversations/import');
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', 'application/json');
    xhr.setRequestHeader('accept', 'application/json');
    for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.upload.onload = () => onProgress(1);
    xhr.onload = () => {
      let data: { error?: string; code?: string } & Partial<ImportResult> = {};
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : {};
      } catch {
        // not JSON: reported by status below
      }
      if (xhr.status >= 200 && xhr.status < 300 && Array.isArray(data.imported)) {
        resolve(data as ImportResult);
        return;
      }
      if (xhr.status === 401) onUnauthorized();
      const retry = Number(xhr.getResponseHeader('retry-after'));
      reject(
        new ApiError(
          data.error ?? `Import failed (HTTP ${xhr.status}).`,
          xhr.status,
          data.code ?? 'http_error',
          Number.isFinite(retry) && retry > 0 ? retry : undefined,
        ),
      );
    };
    xhr.onerror = () =>
      reject(new ApiError('The server cannot be reached. Check your connection.', 0, 'network_error'));
    xhr.onabort = () => reject(new ApiError('The import was cancelled.', 0, 'aborted'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

// ---- Share links (share-routes.ts): read-only snapshots at /s/<id> -----------------------------------
export type Share = import('../shared/share-schemas.js').ShareDto;
export type ShareSnapshot = import('../shared/share-schemas.js').ShareSnapshotDto;
export type SharedMessage = import('../shared/share-schemas.js').SharedMessageDto;
export type ShareVisibility = import('../shared/share-schemas.js').ShareVisibilityDto;

export const shareApi = {
  create: (conversationId: string, visibility: ShareVisibility) =>
    request<Share>('POST', `/api/conversations/${enc(conversationId)}/share`, { visibility }),
  list: () => request<{ items: Share[] }>('GET', '/api/shares'),
  /** Public: works signed out for a `public` share (a `users` share answers 401 then). */
  read: (id: string) => request<ShareSnapshot>('GET', `/api/shares/${enc(id)}`),
  revoke: (id: string) => request<void>('DELETE', `/api/shares/${enc(id)}`),
  /** A copy of the snapshot as a new conversation of the signed-in caller. */
  continueIn: (id: string) =>
    request<{ conversationId: string; url: string; title: string | null; messages: number }>(
      'POST',
      `/api/shares/${enc(id)}/continue`,
    ),
};
