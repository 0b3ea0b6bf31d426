import { existsSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { type OtelSettings, parseOtelSettings } from './otel-settings.js';

/**
 * The only reader of process.env. Every setting is parsed and checked here once, at startup;
 * a bad value throws a ConfigError whose message is one line naming the setting and what is allowed.
 */

export type AuthMode = 'local' | 'none';
export type SignupMode = 'open' | 'approval' | 'invite' | 'closed';
export type GuestAccess = 'off' | 'on';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** Directory for files Parley keeps beside its database (session secret, models). */
  readonly dataDir: string;
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several Parleys can share one Redis. */
  readonly redisKeyPrefix: string;
  readonly authMode: AuthMode;
  readonly sessionSecret: string | undefined;
  readonly defaultModel: string | undefined;
  /**
   * TITLE_MODEL: the model that writes conversation titles (a registry id, checked against the
   * registry at start-up); undefined: each conversation's own model; 'off': the placeholder only.
   */
  readonly titleModel: string | undefined;
  readonly maxMessages: number;
  readonly logLevel: LogLevel;
  readonly demoDelayMs: number;
  readonly shutdownGraceMs: number;
  readonly logMessageContent: boolean;

  // Models (each provider setting that is set adds that provider's models).
  readonly openaiApiKey: string | undefined;
  readonly openaiBaseUrl: string | undefined;
  /** Model ids offered for OpenAI (OPENAI_MODELS, comma-separated); undefined: the built-in list. */
  readonly openaiModels: string[] | undefined;
  readonly anthropicApiKey: string | undefined;
  readonly anthropicBaseUrl: string | undefined;
  readonly anthropicModels: string[] | undefined;
  readonly googleApiKey: string | undefined;
  readonly googleBaseUrl: string | undefined;
  readonly googleModels: string[] | undefined;
  readonly ollamaBaseUrl: string | undefined;
  readonly modelsFile: string | undefined;
  readonly localModelPath: string | undefined;
  /** CPU threads for the in-process model; bounded so it never starves the server. */
  readonly localModelThreads: number;
  /** Time allowed until a model's first token (connect + queue + prompt processing). */
  readonly modelFirstTokenTimeoutMs: number;
  /** Time allowed between two tokens once a reply streams. */
  readonly modelIdleTimeoutMs: number;
  /** Retries before the first token for 429, 5xx and network errors. */
  readonly modelMaxRetries: number;

  // Accounts and limits.
  /** After the first account (the admin): who may create an account. */
  readonly signup: SignupMode;
  /** on: anonymous callers of the seed routes each get a private guest identity (a cookie). */
  readonly guestAccess: GuestAccess;
  /** Models a guest may use. */
  readonly guestModels: string[];
  /** Bootstrap admin, created at start if no admin exists (both or neither). */
  readonly adminUsername: string | undefined;
  readonly adminPassword: string | undefined;
  /**
   * True when Parley may be reached by strangers (a non-loopback HOST or PUBLIC_URL set): the
   * first admin then needs the one-time setup code from the log (or ADMIN_USERNAME/PASSWORD).
   */
  readonly publiclyReachable: boolean;
  readonly rateLimitRpm: number;
  readonly messageLimitRpm: number;
  /** Runs one user may have streaming at once. */
  readonly maxConcurrentRuns: number;
  /** Default per-user token quotas (input + output); 0 means no quota. Admins can set per user. */
  readonly tokenQuotaDaily: number;
  readonly tokenQuotaMonthly: number;
  /** Bytes one user may keep: messages, imports and attachments together (STORAGE_QUOTA_MB). */
  readonly storageQuotaBytes: number;
  /** Where attachments' bytes live, and the largest one accepted (MAX_FILE_MB). */
  readonly fileStore: FileStoreConfig;
  readonly maxFileBytes: number;
  /** Open SSE streams (events and run streams) one user may hold at once. */
  readonly maxStreamsPerUser: number;
  /** Open HTTP connections the server accepts at once; more are refused. */
  readonly maxConnections: number;
  /**
   * A reply stream's events are written in batches: what arrives within this window goes out in
   * one write per follower (0: what arrives within one turn of the event loop). STREAM_COALESCE_MS.
   */
  readonly streamCoalesceMs: number;
  readonly publicUrl: string | undefined;
  /** Proxies trusted for X-Forwarded-*: false, a hop count, or a list of proxy addresses/CIDRs. */
  readonly trustProxy: false | number | string[];
  readonly corsOrigins: string[];

  // Operations (each one unset: off).
  /** Bearer token that GET /metrics requires; unset: /metrics is public (keep it off the internet). */
  readonly metricsToken: string | undefined;
  /** OTLP/HTTP base URL (e.g. http://otel-collector:4318): set, traces are exported there. */
  readonly otelExporterOtlpEndpoint: string | undefined;
  /** The standard OTEL_* SDK settings (endpoint, headers, service, resource, sampler, disabled). */
  readonly otel: OtelSettings;
  /** Splunk HTTP Event Collector base URL and token: set, logs are also shipped there directly. */
  readonly splunkHecUrl: string | undefined;
  readonly splunkHecToken: string | undefined;

  // Tools (MCP).
  /** YAML/JSON list of MCP servers offered as tools (see tools/mcp-file.ts); unset: no tools. */
  readonly mcpFile: string | undefined;
  /** Model ↔ tool round trips one reply may take before it must answer. */
  readonly maxToolSteps: number;
  /** How long a tool call waits for the user's approval before it counts as refused. */
  readonly toolApprovalTimeoutMs: number;

  // Single sign-on (OpenID Connect); undefined: off.
  readonly oidc: OidcConfig | undefined;
}

export interface OidcConfig {
  /** The provider's issuer URL (discovery: <issuer>/.well-known/openid-configuration). */
  readonly issuer: string;
  readonly clientId: string;
  /** Unset: a public client (PKCE only, no client authentication). Never logged. */
  readonly clientSecret: string | undefined;
  readonly scopes: string;
  /** The claim listing the user's groups; a dotted path reaches into objects (realm_access.roles). */
  readonly groupsClaim: string;
  /** Set: members of any of these groups are admins, everyone else a user (applied at every sign-in). */
  readonly adminGroups: string[] | undefined;
  /** Hide and refuse password sign-in and sign-up (the ADMIN_USERNAME account excepted). */
  readonly only: boolean;
  /** The sign-in button says "Sign in with <label>". */
  readonly label: string;
}

export type FileStoreConfig =
  | { kind: 'database' }
  | { kind: 'filesystem'; directory: string }
  | {
      kind: 's3';
      bucket: string;
      endpoint: string | undefined;
      region: string;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      forcePathStyle: boolean;
      prefix: string;
    };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const AUTH_MODES: readonly AuthMode[] = ['local', 'none'];
const SIGNUP_MODES: readonly SignupMode[] = ['open', 'approval', 'invite', 'closed'];
const GUEST_ACCESS_MODES: readonly GuestAccess[] = ['off', 'on'];

/** A setting's trimmed value; blank counts as unset, so a blank PORT falls back to APP_PORT. */
function read(env: Env, name: string, alias?: string): string | undefined {
  const value = env[name]?.trim() || (alias ? env[alias]?.trim() : undefined);
  return value === '' ? undefined : value;
}

/** The name to show in an error: the alias when that is where the value came from. */
function shownName(env: Env, name: string, alias?: string): string {
  return alias && !env[name]?.trim() ? alias : name;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, alias?: string): number {
  const raw = read(env, name, alias);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    const shown = alias && env[name] === undefined ? alias : name;
    throw new ConfigError(
      `Invalid setting ${shown}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}.`,
    );
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase() as T;
  if (!allowed.includes(value)) {
    throw new ConfigError(
      `Invalid setting ${name}=${JSON.stringify(raw)}: expected one of ${allowed.join(', ')}.`,
    );
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`Invalid setting ${name}=${JSON.stringify(raw)}: expected true or false.`);
}

function databaseUrl(env: Env): string {
  const raw = read(env, 'DATABASE_URL') ?? 'sqlite:./data/parley.db';
  if (raw === 'sqlite::memory:' || /^sqlite:.+/.test(raw) || /^postgres(ql)?:\/\/.+/.test(raw)) return raw;
  throw new ConfigError(
    `Invalid setting DATABASE_URL=${JSON.stringify(raw)}: expected sqlite:<path>, sqlite::memory: or postgres://user@host/db.`,
  );
}

function dataDirFor(dbUrl: string): string {
  if (dbUrl.startsWith('sqlite:') && dbUrl !== 'sqlite::memory:') {
    return path.dirname(path.resolve(dbUrl.slice('sqlite:'.length)));
  }
  return path.resolve('./data');
}

function redisUrl(env: Env): string | undefined {
  const raw = read(env, 'REDIS_URL');
  if (raw === undefined || /^rediss?:\/\/.+/.test(raw)) return raw;
  throw new ConfigError(
    `Invalid setting REDIS_URL=${JSON.stringify(raw)}: expected redis://host:port or rediss://...`,
  );
}

function host(env: Env): string {
  const raw = read(env, 'HOST', 'APP_HOST') ?? '127.0.0.1';
  if (/^[A-Za-z0-9.:[\]-]+$/.test(raw)) return raw;
  throw new ConfigError(
    `Invalid setting ${shownName(env, 'HOST', 'APP_HOST')}=${JSON.stringify(raw)}: expected an IP address or host name.`,
  );
}

function url(env: Env, name: string): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new ConfigError(
    `Invalid setting ${name}=${JSON.stringify(raw)}: expected an http:// or https:// URL.`,
  );
}

function list(env: Env, name: string): string[] | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0)
    throw new ConfigError(`Invalid setting ${name}=${JSON.stringify(raw)}: expected a comma-separated list.`);
  return items;
}

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)(\/\d{1,3})?$/;

/**
 * Never `true`: trusting every hop lets any client write its own X-Forwarded-For and walk around
 * per-address limits. A hop count trusts that many proxies in front of Parley; a list trusts
 * exactly those proxy addresses or networks.
 */
function trustProxy(env: Env): false | number | string[] {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || /^(0|false|no|off)$/i.test(raw)) return false;
  const fix =
    'expected a hop count (1 behind one reverse proxy or ingress) or comma-separated proxy addresses/CIDRs (e.g. 10.0.0.0/8)';
  if (/^(true|yes|on)$/i.test(raw)) {
    throw new ConfigError(
      `Invalid setting TRUST_PROXY=${JSON.stringify(raw)}: trusting every proxy lets clients forge their address; ${fix}.`,
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops >= 1 && hops <= 10) return hops;
  } else {
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    if (items.length > 0 && items.every((item) => CIDR.test(item))) return items;
  }
  throw new ConfigError(`Invalid setting TRUST_PROXY=${JSON.stringify(raw)}: ${fix}.`);
}

/** Loopback hosts: a laptop install that only its owner can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** ADMIN_USERNAME and ADMIN_PASSWORD go together. */
function bootstrapAdmin(env: Env): { username: string | undefined; password: string | undefined } {
  const username = read(env, 'ADMIN_USERNAME');
  const password = env.ADMIN_PASSWORD;
  if (username !== undefined && !password) {
    throw new ConfigError('Invalid setting ADMIN_PASSWORD: required when ADMIN_USERNAME is set.');
  }
  if (password && username === undefined) {
    throw new ConfigError('Invalid setting ADMIN_USERNAME: required when ADMIN_PASSWORD is set.');
  }
  if (password !== undefined && password.length > 0 && password.length < 12) {
    throw new ConfigError('Invalid setting ADMIN_PASSWORD: expected at least 12 characters.');
  }
  return { username: username?.toLowerCase(), password: password || undefined };
}

/**
 * A remote provider bills the operator per token: then every user gets a daily quota unless the
 * operator sets TOKEN_QUOTA_DAILY (0 turns it off). Ollama and the local model cost nothing extra.
 */
const REMOTE_DEFAULT_DAILY_QUOTA = 200_000;
function hasRemoteProvider(env: Env): boolean {
  return ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY', 'MODELS_FILE'].some(
    (name) => read(env, name) !== undefined,
  );
}

/** SPLUNK_HEC_URL and SPLUNK_HEC_TOKEN go together: one without the other ships nothing. */
function splunk(env: Env): { url: string | undefined; token: string | undefined } {
  const hecUrl = url(env, 'SPLUNK_HEC_URL');
  const token = read(env, 'SPLUNK_HEC_TOKEN');
  if (hecUrl !== undefined && token === undefined) {
    throw new ConfigError('Invalid setting SPLUNK_HEC_TOKEN: required when SPLUNK_HEC_URL is set.');
  }
  if (token !== undefined && hecUrl === undefined) {
    throw new ConfigError('Invalid setting SPLUNK_HEC_URL: required when SPLUNK_HEC_TOKEN is set.');
  }
  return { url: hecUrl, token };
}

/**
 * OIDC_*: off unless OIDC_ISSUER is set; then OIDC_CLIENT_ID is required. The issuer must be
 * https (plain http only on a loopback address, for a provider on the same machine).
 */
function oidc(env: Env, authMode: AuthMode): OidcConfig | undefined {
  // Kept exactly as written: discovery checks the provider's issuer against it, trailing slash too.
  const issuer = url(env, 'OIDC_ISSUER') && read(env, 'OIDC_ISSUER');
  const clientId = read(env, 'OIDC_CLIENT_ID');
  const only = boolean(env, 'OIDC_ONLY', false);
  if (issuer === undefined) {
    for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'OIDC_ADMIN_GROUPS']) {
      if (read(env, name) !== undefined)
        throw new ConfigError(
          `Invalid setting ${name}: needs OIDC_ISSUER (single sign-on is off without it).`,
        );
    }
    if (only)
      throw new ConfigError('Invalid setting OIDC_ONLY: needs OIDC_ISSUER (else nobody could sign in).');
    return undefined;
  }
  const parsed = new URL(issuer);
  if (parsed.protocol !== 'https:' && !isLoopbackHost(parsed.hostname)) {
    throw new ConfigError(
      `Invalid setting OIDC_ISSUER=${JSON.stringify(issuer)}: expected an https:// URL (http only on a loopback address).`,
    );
  }
  if (authMode === 'none') {
    throw new ConfigError(
      'Invalid setting OIDC_ISSUER: single sign-on needs AUTH_MODE=local (AUTH_MODE=none has no accounts).',
    );
  }
  if (clientId === undefined)
    throw new ConfigError('Invalid setting OIDC_CLIENT_ID: required when OIDC_ISSUER is set.');
  const scopes = (read(env, 'OIDC_SCOPES') ?? 'openid profile email').split(/[\s,]+/).filter(Boolean);
  if (
    !scopes.includes('openid') ||
    scopes.some((scope) => !/^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/.test(scope))
  ) {
    throw new ConfigError(
      `Invalid setting OIDC_SCOPES=${JSON.stringify(read(env, 'OIDC_SCOPES'))}: expected space-separated scopes including openid.`,
    );
  }
  const groupsClaim = read(env, 'OIDC_GROUPS_CLAIM') ?? 'groups';
  if (!/^[A-Za-z0-9_:/.-]{1,200}$/.test(groupsClaim)) {
    throw new ConfigError(
      `Invalid setting OIDC_GROUPS_CLAIM=${JSON.stringify(groupsClaim)}: expected a claim name (a dotted path reaches into objects).`,
    );
  }
  const label = read(env, 'OIDC_LABEL') ?? 'single sign-on';
  if (label.length > 40) throw new ConfigError('Invalid setting OIDC_LABEL: expected at most 40 characters.');
  return {
    issuer,
    clientId,
    clientSecret: read(env, 'OIDC_CLIENT_SECRET'),
    scopes: scopes.join(' '),
    groupsClaim,
    adminGroups: list(env, 'OIDC_ADMIN_GROUPS'),
    only,
    label,
  };
}

const FILE_STORES = ['database', 'filesystem', 's3'] as const;

function fileStore(env: Env, dataDir: string): FileStoreConfig {
  const kind = oneOf(env, 'FILE_STORE', FILE_STORES, 'database');
  if (kind === 'database') return { kind };
  if (kind === 'filesystem')
    return { kind, directory: read(env, 'FILES_DIR') ?? path.join(dataDir, 'files') };
  const bucket = read(env, 'S3_BUCKET');
  if (!bucket) throw new ConfigError('Invalid setting S3_BUCKET: required when FILE_STORE=s3.');
  const accessKeyId = read(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(
      'Invalid setting S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY: set both, or neither (the AWS default credentials).',
    );
  }
  const endpoint = url(env, 'S3_ENDPOINT');
  return {
    kind,
    bucket,
    endpoint,
    region: read(env, 'S3_REGION') ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
    // S3-compatible servers (MinIO, Ceph, R2, a test server) usually want path-style addressing.
    forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', endpoint !== undefined),
    prefix: read(env, 'S3_PREFIX') ?? '',
  };
}

/** Parse settings from an environment object (tests pass their own; main passes process.env). */
export function parseConfig(env: Env): Config {
  const dbUrl = databaseUrl(env);
  const hec = splunk(env);
  const admin = bootstrapAdmin(env);
  const listenHost = host(env);
  const publicUrl = url(env, 'PUBLIC_URL');
  const dataDir = dataDirFor(dbUrl);
  const authMode = oneOf(env, 'AUTH_MODE', AUTH_MODES, 'local');
  return Object.freeze({
    port: integer(env, 'PORT', 3000, 0, 65535, 'APP_PORT'),
    host: listenHost,
    databaseUrl: dbUrl,
    dataDir,
    redisUrl: redisUrl(env),
    redisKeyPrefix: read(env, 'REDIS_KEY_PREFIX') ?? 'parley',
    authMode,
    sessionSecret: read(env, 'SESSION_SECRET'),
    defaultModel: read(env, 'DEFAULT_MODEL'),
    titleModel: read(env, 'TITLE_MODEL'),
    maxMessages: integer(env, 'MAX_MESSAGES', 100, 1, 100_000),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    demoDelayMs: integer(env, 'DEMO_DELAY_MS', 5, 0, 60_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    logMessageContent: boolean(env, 'LOG_MESSAGE_CONTENT', false),

    openaiApiKey: read(env, 'OPENAI_API_KEY'),
    openaiBaseUrl: url(env, 'OPENAI_BASE_URL'),
    openaiModels: list(env, 'OPENAI_MODELS'),
    anthropicApiKey: read(env, 'ANTHROPIC_API_KEY'),
    anthropicBaseUrl: url(env, 'ANTHROPIC_BASE_URL'),
    anthropicModels: list(env, 'ANTHROPIC_MODELS'),
    googleApiKey: read(env, 'GOOGLE_GENERATIVE_AI_API_KEY'),
    googleBaseUrl: url(env, 'GOOGLE_GENERATIVE_AI_BASE_URL'),
    googleModels: list(env, 'GOOGLE_MODELS'),
    ollamaBaseUrl: url(env, 'OLLAMA_BASE_URL'),
    modelsFile: read(env, 'MODELS_FILE'),
    localModelPath: read(env, 'LOCAL_MODEL_PATH'),
    localModelThreads: integer(env, 'LOCAL_MODEL_THREADS', 2, 1, 256),
    modelFirstTokenTimeoutMs: integer(env, 'MODEL_FIRST_TOKEN_TIMEOUT_MS', 60_000, 100, 3_600_000),
    modelIdleTimeoutMs: integer(env, 'MODEL_IDLE_TIMEOUT_MS', 60_000, 100, 3_600_000),
    modelMaxRetries: integer(env, 'MODEL_MAX_RETRIES', 2, 0, 10),

    signup: oneOf(env, 'SIGNUP', SIGNUP_MODES, 'approval'),
    guestAccess: oneOf(env, 'GUEST_ACCESS', GUEST_ACCESS_MODES, 'off'),
    guestModels: list(env, 'GUEST_MODELS') ?? ['demo'],
    adminUsername: admin.username,
    adminPassword: admin.password,
    publiclyReachable: publicUrl !== undefined || !isLoopbackHost(listenHost),
    rateLimitRpm: integer(env, 'RATE_LIMIT_RPM', 600, 1, 1_000_000_000),
    messageLimitRpm: integer(env, 'MESSAGE_LIMIT_RPM', 60, 1, 1_000_000_000),
    maxConcurrentRuns: integer(env, 'MAX_CONCURRENT_RUNS', 4, 1, 1_000_000),
    tokenQuotaDaily: integer(
      env,
      'TOKEN_QUOTA_DAILY',
      hasRemoteProvider(env) ? REMOTE_DEFAULT_DAILY_QUOTA : 0,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    tokenQuotaMonthly: integer(env, 'TOKEN_QUOTA_MONTHLY', 0, 0, Number.MAX_SAFE_INTEGER),
    storageQuotaBytes: integer(env, 'STORAGE_QUOTA_MB', 1024, 1, 10_000_000) * 1024 * 1024,
    fileStore: fileStore(env, dataDir),
    maxFileBytes: integer(env, 'MAX_FILE_MB', 20, 1, 1024) * 1024 * 1024,
    maxStreamsPerUser: integer(env, 'MAX_STREAMS_PER_USER', 20, 1, 1_000_000),
    maxConnections: integer(env, 'MAX_CONNECTIONS', 20_000, 1, 10_000_000),
    streamCoalesceMs: integer(env, 'STREAM_COALESCE_MS', 0, 0, 100),
    publicUrl,
    trustProxy: trustProxy(env),
    corsOrigins: list(env, 'CORS_ORIGINS') ?? [],

    metricsToken: read(env, 'METRICS_TOKEN'),
    otelExporterOtlpEndpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
    otel: parseOtelSettings(env),
    splunkHecUrl: hec.url,
    splunkHecToken: hec.token,

    mcpFile: read(env, 'MCP_FILE'),
    maxToolSteps: integer(env, 'MAX_TOOL_STEPS', 8, 1, 100),
    toolApprovalTimeoutMs: integer(env, 'TOOL_APPROVAL_TIMEOUT_S', 300, 5, 86_400) * 1000,

    oidc: oidc(env, authMode),
  });
}

/** Read `.env` (if present; real environment variables win) and parse process.env. */
export function loadConfig(): Config {
  if (existsSync('.env')) dotenv.config({ quiet: true });
  return parseConfig(process.env);
}

/**
 * The environment, for what is named by a setting rather than being one: MODELS_FILE `apiKeyEnv`
 * names and MCP_FILE `{ env: NAME }` references. Call after loadConfig (which has read `.env` into
 * it); this file stays its only reader.
 */
export function environment(): Env {
  return process.env;
}
