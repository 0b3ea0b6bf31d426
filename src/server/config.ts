import { existsSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

/**
 * The only reader of process.env. Every setting is parsed and checked here once, at startup;
 * a bad value throws a ConfigError whose message is one line naming the setting and what is allowed.
 */

export type AuthMode = 'local' | 'none';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** Directory for files Parley keeps beside its database (session secret, models). */
  readonly dataDir: string;
  readonly redisUrl: string | undefined;
  readonly authMode: AuthMode;
  readonly sessionSecret: string | undefined;
  readonly defaultModel: string | undefined;
  readonly maxMessages: number;
  readonly logLevel: LogLevel;
  readonly demoDelayMs: number;
  readonly shutdownGraceMs: number;
  readonly logMessageContent: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const AUTH_MODES: readonly AuthMode[] = ['local', 'none'];

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

/** Parse settings from an environment object (tests pass their own; main passes process.env). */
export function parseConfig(env: Env): Config {
  const dbUrl = databaseUrl(env);
  return Object.freeze({
    port: integer(env, 'PORT', 3000, 0, 65535, 'APP_PORT'),
    host: host(env),
    databaseUrl: dbUrl,
    dataDir: dataDirFor(dbUrl),
    redisUrl: redisUrl(env),
    authMode: oneOf(env, 'AUTH_MODE', AUTH_MODES, 'local'),
    sessionSecret: read(env, 'SESSION_SECRET'),
    defaultModel: read(env, 'DEFAULT_MODEL'),
    maxMessages: integer(env, 'MAX_MESSAGES', 100, 1, 100_000),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    demoDelayMs: integer(env, 'DEMO_DELAY_MS', 5, 0, 60_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    logMessageContent: boolean(env, 'LOG_MESSAGE_CONTENT', false),
  });
}

/** Read `.env` (if present; real environment variables win) and parse process.env. */
export function loadConfig(): Config {
  if (existsSync('.env')) dotenv.config({ quiet: true });
  return parseConfig(process.env);
}
