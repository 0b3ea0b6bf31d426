import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table shapes. Timestamps are ISO 8601 UTC strings in both dialects: they sort correctly as
 * text and keep one code path for SQLite and PostgreSQL.
 */

/** The two databases Parley runs on. */
export type Dialect = 'sqlite' | 'postgres';

export type Role = 'admin' | 'user';
export type MessageRole = 'user' | 'assistant' | 'system';
/** `waiting`: a reply paused on tool calls that need a person's approval. */
export type MessageStatus = 'streaming' | 'complete' | 'stopped' | 'interrupted' | 'error' | 'waiting';
export type RunStatus = 'running' | 'complete' | 'stopped' | 'interrupted' | 'error' | 'waiting';
/** `resume`: a reply that waited for approvals, carried on once they were answered. */
export type RunKind = 'reply' | 'regenerate' | 'continue' | 'resume';

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  created_at: string;
  /** scrypt hash; null for built-in users that cannot log in (local, guest). */
  password_hash: Generated<string | null>;
  disabled: Generated<number>;
  /** Per-user token quotas; null means the server default (TOKEN_QUOTA_DAILY / _MONTHLY). */
  token_quota_daily: Generated<number | null>;
  token_quota_monthly: Generated<number | null>;
  /** 1 while a new account waits for an admin's approval (SIGNUP=approval). */
  pending: Generated<number>;
}

export interface SessionsTable {
  /** sha256 of the cookie's token: a stolen database does not give working sessions. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  /** The browser that signed in (truncated), shown in the user's session list. */
  user_agent: Generated<string | null>;
  /** Updated at most once a minute. */
  last_seen_at: Generated<string | null>;
}

/** An admin-issued one-time password reset link; only the sha256 of its token is kept. */
export interface PasswordResetsTable {
  id: string;
  user_id: string;
  token_hash: string;
  created_by: string;
  created_at: string;
  expires_at: string;
}

/** The one-time setup code of a public install without an admin (sha256 only). */
export interface SetupCodesTable {
  code_hash: string;
  created_at: string;
  expires_at: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  /** The first characters of the token, to tell tokens apart in lists. */
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  /** Tokens (input + output) spent through this API token. */
  tokens_used: Generated<number>;
  /** At most this many tokens a UTC day through this token (migration 016); NULL: only the user's limits. */
  daily_token_budget: Generated<number | string | null>;
}

export interface InvitesTable {
  id: string;
  code_hash: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_by: string | null;
  used_at: string | null;
  /** The role the invite grants at sign-up, and when an admin revoked it (migration 015). */
  role: Generated<Role>;
  revoked_at: string | null;
}

/** A user row that is an anonymous guest of the seed routes (GUEST_ACCESS=on). */
export interface GuestsTable {
  user_id: string;
  created_at: string;
  /** Updated on use (at most hourly); guests idle past GUEST_IDLE_DAYS are purged with their data. */
  last_seen_at: string;
}

/** Stored bytes per user (kept by triggers, migration 008) and the user's import claim. */
export interface UserStorageTable {
  user_id: string;
  /** UTF-8 bytes of message content, titles and system prompts; a string from PostgreSQL's bigint. */
  bytes: Generated<number | string>;
  /** Set while an import of this user runs (ISO time the claim lapses): one at a time. */
  import_claimed_until: string | null;
  /** The user's current import rate window (ISO start) and the imports started in it. */
  import_window_start: string | null;
  import_count: Generated<number>;
}

export interface TokenUsageTable {
  user_id: string;
  period: string;
  tokens: number;
}

export interface ConversationsTable {
  id: string;
  user_id: string;
  title: string | null;
  model: string;
  system_prompt: string | null;
  /** The tools its replies may call, a JSON array of `<server>/<tool>` ids; NULL: none (migration 012). */
  tools: Generated<string | null>;
  /** 1 for the conversation the seed endpoints (/chat/message, /chat/history) act on. */
  is_default: Generated<number>;
  created_at: string;
  updated_at: string;
  /** The owner's folder it is filed in; NULL: none (migration 017; the folder's deletion unfiles it). */
  folder_id: Generated<string | null>;
  /** 1: listed first. */
  pinned: Generated<number>;
  /** 1: hidden from the list unless asked for with `?archived=true`. */
  archived: Generated<number>;
  /** Sampling temperature of its replies (0..2); NULL: the provider's default (migration 019). */
  temperature: Generated<number | null>;
  /** Most tokens one reply may write; NULL: the provider's default (migration 019). */
  max_output_tokens: Generated<number | null>;
}

/** A user's folder of conversations (migration 017). */
export interface FoldersTable {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  user_id: string;
  parent_id: string | null;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  finish_reason: string | null;
  error: string | null;
  /** The parts as JSON when the message has more than text (migration 010); NULL: one text part. */
  parts: Generated<string | null>;
  /** The names and extracted text of the files it carries, for search (migration 011). */
  attachment_text: Generated<string | null>;
  created_at: string;
  updated_at: string;
}

export type FileKind = 'image' | 'pdf' | 'docx' | 'text';

export interface FilesTable {
  id: string;
  user_id: string;
  /** Set when a message first names the file; NULL: uploaded, never sent (expires). */
  conversation_id: string | null;
  name: string;
  media_type: string;
  kind: FileKind;
  /** Bytes; a string from PostgreSQL's bigint. */
  size: number | string;
  blob_key: string;
  preview_key: string | null;
  width: number | null;
  height: number | null;
  /** A document's text, extracted once at upload. */
  extracted_text: string | null;
  created_at: string;
}

export interface FileBlobsTable {
  key: string;
  data: Uint8Array;
  media_type: string;
}

export interface BlobDeletionsTable {
  key: string;
  queued_at: string;
}

export interface RunsTable {
  id: string;
  conversation_id: string;
  user_id: string;
  message_id: string;
  kind: RunKind;
  status: RunStatus;
  model: string;
  instance_id: string;
  started_at: string;
  finished_at: string | null;
  /** Sequence number of the last event the run appended to its log. */
  last_seq: Generated<number>;
  /** Renewed by the owning instance while the run streams; past it, the run is presumed dead. */
  lease_until: Generated<string | null>;
}

export interface InstancesTable {
  id: string;
  started_at: string;
  last_seen_at: string;
  /** 1 when the instance runs with REDIS_URL. */
  redis: number;
}

export interface Database {
  users: UsersTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  runs: RunsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  invites: InvitesTable;
  password_resets: PasswordResetsTable;
  setup_codes: SetupCodesTable;
  token_usage: TokenUsageTable;
  user_storage: UserStorageTable;
  guests: GuestsTable;
  instances: InstancesTable;
  files: FilesTable;
  file_blobs: FileBlobsTable;
  blob_deletions: BlobDeletionsTable;
  user_identities: UserIdentitiesTable;
  usage_events: UsageEventsTable;
  audit_events: AuditEventsTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  folders: FoldersTable;
  shares: SharesTable;
}

/** A read-only share link of a conversation's current branch (migration 018); the id is the secret. */
export interface SharesTable {
  id: string;
  user_id: string;
  conversation_id: string;
  visibility: 'public' | 'users';
  title: string | null;
  message_count: number;
  /** The frozen snapshot as JSON (share-service.ts). */
  snapshot: string;
  /** A reply still streaming at share time, followed until it ends; then NULL. */
  live_message_id: string | null;
  created_at: string;
}

/** A sign-in identity at an OpenID provider, linked to a user (migration 013): issuer + subject, never email alone. */
export interface UserIdentitiesTable {
  issuer: string;
  subject: string;
  user_id: string;
  email: string | null;
  /** The provider's groups claim at the last sign-in, as a JSON array. */
  groups: string | null;
  created_at: string;
  last_login_at: string;
}

/** One model call's tokens and cost, for usage reports (migration 014). */
export interface UsageEventsTable {
  id: string;
  user_id: string;
  /** The API token of a /v1 call; NULL for the web app and session calls. */
  api_token_id: string | null;
  model: string;
  provider: string;
  /** `chat` (a run) or `api` (/v1). */
  source: string;
  input_tokens: number;
  output_tokens: number;
  /** The cost at the price when it was spent, in millionths of a dollar; NULL: no price known. */
  cost_micros: number | null;
  /** UTC day, YYYY-MM-DD (reports group by it). */
  day: string;
  created_at: string;
  /** Milliseconds to the first streamed token, when known (migration 016). */
  ttft_ms: Generated<number | null>;
  /** 1 for a call that ended in a model error (its tokens may be 0). */
  failed: Generated<number>;
}

/**
 * A group of users (migration 016): a shared token quota (the members' usage together; NULL: the
 * group sets none) and the models and tools its members may use (JSON arrays; NULL: every one).
 */
export interface GroupsTable {
  id: string;
  name: string;
  token_quota_daily: number | string | null;
  token_quota_monthly: number | string | null;
  models: string | null;
  tools: string | null;
  created_at: string;
}

/** `admin`: added in the console; `oidc`: from the provider's groups claim, kept in step with it at each sign-in. */
export type GroupMemberSource = 'admin' | 'oidc';

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
  source: Generated<GroupMemberSource>;
  created_at: string;
}

/** Who did what to accounts (migration 015): sign-ins, failures, role and quota changes, tokens. */
export interface AuditEventsTable {
  id: string;
  at: string;
  type: string;
  actor_id: string | null;
  target_id: string | null;
  ip: string | null;
  /** Event details as JSON (never a secret). */
  detail: string | null;
}

export type NewUsageEvent = Insertable<UsageEventsTable>;
export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type NewConversation = Insertable<ConversationsTable>;
export type ConversationUpdate = Updateable<ConversationsTable>;
export type FolderRow = Selectable<FoldersTable>;
export type ShareRow = Selectable<SharesTable>;
export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;
export type MessageUpdate = Updateable<MessagesTable>;
export type RunRow = Selectable<RunsTable>;
export type NewRun = Insertable<RunsTable>;
export type FileRow = Selectable<FilesTable>;
export type NewFile = Insertable<FilesTable>;
