import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/server/config.js';
import { spawnServer, stopAllServers } from './helpers/server-process.js';

/** The error parseConfig throws for `env`, checked to be a one-line ConfigError. */
function configError(env: Record<string, string>): ConfigError {
  let caught: unknown;
  try {
    parseConfig(env);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const error = caught as ConfigError;
  // Operators read this in a terminal or a log line: one line, no stack-like noise.
  expect(error.message).not.toMatch(/[\r\n]/);
  return error;
}

describe('parseConfig', () => {
  it('has working defaults for an empty environment', () => {
    expect(parseConfig({})).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/parley.db',
      dataDir: path.resolve('./data'),
      redisUrl: undefined,
      authMode: 'local',
      sessionSecret: undefined,
      defaultModel: undefined,
      maxMessages: 100,
      logLevel: 'info',
      demoDelayMs: 5,
      shutdownGraceMs: 10_000,
      logMessageContent: false,
      signup: 'approval',
      guestAccess: 'off',
      guestModels: ['demo'],
      publiclyReachable: false,
      rateLimitRpm: 600,
      messageLimitRpm: 60,
      tokenQuotaDaily: 0,
      trustProxy: false,
      corsOrigins: [],
      openaiApiKey: undefined,
      modelMaxRetries: 2,
    });
  });

  it('checks URLs, lists and proxy trust', () => {
    expect(parseConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1/' }).openaiBaseUrl).toBe(
      'http://127.0.0.1:9/v1',
    );
    expect(() => parseConfig({ OLLAMA_BASE_URL: 'localhost:11434' })).toThrow(/OLLAMA_BASE_URL=.*http/);
    expect(parseConfig({ OPENAI_MODELS: 'a, b,,c' }).openaiModels).toEqual(['a', 'b', 'c']);
    expect(parseConfig({ CORS_ORIGINS: 'https://a.example,https://b.example' }).corsOrigins).toHaveLength(2);
    // `true` would let any client forge X-Forwarded-For: refused with the fix in the message.
    expect(() => parseConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY="true".*hop count/);
    expect(parseConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(parseConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.7' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
    ]);
    expect(() => parseConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/);
    expect(() => parseConfig({ SIGNUP: 'maybe' })).toThrow(/SIGNUP=.*open, approval, invite, closed/);
  });

  it('is secure by default on a public address', () => {
    expect(parseConfig({ HOST: '0.0.0.0' }).publiclyReachable).toBe(true);
    expect(parseConfig({ PUBLIC_URL: 'https://chat.example.com' }).publiclyReachable).toBe(true);
    expect(parseConfig({ HOST: 'localhost' }).publiclyReachable).toBe(false);
    // A paid provider gets a default daily quota; the operator may turn it off.
    expect(parseConfig({ OPENAI_API_KEY: 'sk-x' }).tokenQuotaDaily).toBe(200_000);
    expect(parseConfig({ OPENAI_API_KEY: 'sk-x', TOKEN_QUOTA_DAILY: '0' }).tokenQuotaDaily).toBe(0);
    expect(parseConfig({}).tokenQuotaDaily).toBe(0);
    expect(() => parseConfig({ ADMIN_USERNAME: 'root' })).toThrow(/ADMIN_PASSWORD/);
    expect(() => parseConfig({ ADMIN_USERNAME: 'boss', ADMIN_PASSWORD: 'short' })).toThrow(/12 characters/);
    expect(() => parseConfig({ GUEST_ACCESS: 'maybe' })).toThrow(/GUEST_ACCESS=.*off, on/);
  });

  it('returns a frozen object', () => {
    expect(Object.isFrozen(parseConfig({}))).toBe(true);
  });

  it('treats blank values as unset', () => {
    const config = parseConfig({ PORT: '  ', HOST: '', LOG_LEVEL: ' ', DATABASE_URL: '' });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', logLevel: 'info' });
    expect(config.databaseUrl).toBe('sqlite:./data/parley.db');
  });

  it('reads PORT and HOST', () => {
    expect(parseConfig({ PORT: '8080', HOST: '0.0.0.0' })).toMatchObject({ port: 8080, host: '0.0.0.0' });
    expect(parseConfig({ PORT: ' 0 ', HOST: '::1' })).toMatchObject({ port: 0, host: '::1' });
    expect(parseConfig({ PORT: '65535', HOST: 'my-host.internal' })).toMatchObject({
      port: 65535,
      host: 'my-host.internal',
    });
  });

  it('accepts APP_PORT and APP_HOST as aliases, with PORT and HOST winning', () => {
    expect(parseConfig({ APP_PORT: '4000', APP_HOST: '0.0.0.0' })).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
    });
    expect(
      parseConfig({ PORT: '5000', APP_PORT: '4000', HOST: '127.0.0.1', APP_HOST: '0.0.0.0' }),
    ).toMatchObject({
      port: 5000,
      host: '127.0.0.1',
    });
  });

  it.each(['abc', '-1', '65536', '3.5', '0x10', '1e3', '80 80'])('rejects PORT=%j', (value) => {
    const error = configError({ PORT: value });
    expect(error.message).toMatch(/^Invalid setting PORT=/);
    expect(error.message).toContain('expected an integer from 0 to 65535');
  });

  it('names APP_PORT when the bad value came from the alias', () => {
    expect(configError({ APP_PORT: 'abc' }).message).toMatch(/^Invalid setting APP_PORT="abc"/);
  });

  it('keeps a value with a line break on one line', () => {
    expect(configError({ PORT: '80\n80' }).message).toContain('PORT="80\\n80"');
  });

  it('rejects a HOST that is not a host name or address', () => {
    expect(configError({ HOST: 'http://example.com' }).message).toMatch(/^Invalid setting HOST=/);
  });

  it('reads AUTH_MODE case-insensitively and rejects unknown modes', () => {
    expect(parseConfig({ AUTH_MODE: 'none' }).authMode).toBe('none');
    expect(parseConfig({ AUTH_MODE: 'LOCAL' }).authMode).toBe('local');
    const error = configError({ AUTH_MODE: 'oauth' });
    expect(error.message).toMatch(/^Invalid setting AUTH_MODE="oauth"/);
    expect(error.message).toContain('local, none');
  });

  it('reads LOG_LEVEL and rejects unknown levels', () => {
    expect(parseConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(parseConfig({ LOG_LEVEL: 'Silent' }).logLevel).toBe('silent');
    const error = configError({ LOG_LEVEL: 'verbose' });
    expect(error.message).toMatch(/^Invalid setting LOG_LEVEL="verbose"/);
    expect(error.message).toContain('info');
  });

  it('reads sqlite and postgres DATABASE_URLs and puts the data directory beside a sqlite file', () => {
    expect(parseConfig({ DATABASE_URL: 'sqlite::memory:' }).databaseUrl).toBe('sqlite::memory:');
    const file = parseConfig({ DATABASE_URL: 'sqlite:/var/lib/parley/chat.db' });
    expect(file.dataDir).toBe(path.resolve('/var/lib/parley'));
    const pg = parseConfig({ DATABASE_URL: 'postgres://parley@db/parley' });
    expect(pg.databaseUrl).toBe('postgres://parley@db/parley');
    expect(pg.dataDir).toBe(path.resolve('./data'));
    expect(parseConfig({ DATABASE_URL: 'postgresql://u@h/d' }).databaseUrl).toBe('postgresql://u@h/d');
  });

  it.each(['mysql://u@h/d', 'sqlite:', 'parley.db', 'postgres://'])('rejects DATABASE_URL=%j', (value) => {
    const error = configError({ DATABASE_URL: value });
    expect(error.message).toMatch(/^Invalid setting DATABASE_URL=/);
    expect(error.message).toContain('sqlite:<path>');
  });

  it('reads MAX_MESSAGES within 1..100000', () => {
    expect(parseConfig({ MAX_MESSAGES: '1' }).maxMessages).toBe(1);
    expect(parseConfig({ MAX_MESSAGES: '100000' }).maxMessages).toBe(100_000);
  });

  it.each(['0', '100001', 'lots', '-5'])('rejects MAX_MESSAGES=%j', (value) => {
    const error = configError({ MAX_MESSAGES: value });
    expect(error.message).toMatch(/^Invalid setting MAX_MESSAGES=/);
    expect(error.message).toContain('from 1 to 100000');
  });

  it('reads the timing settings and LOG_MESSAGE_CONTENT', () => {
    expect(
      parseConfig({ DEMO_DELAY_MS: '0', SHUTDOWN_GRACE_MS: '250', LOG_MESSAGE_CONTENT: 'yes' }),
    ).toMatchObject({ demoDelayMs: 0, shutdownGraceMs: 250, logMessageContent: true });
    expect(configError({ SHUTDOWN_GRACE_MS: '-1' }).message).toMatch(/^Invalid setting SHUTDOWN_GRACE_MS=/);
    expect(configError({ LOG_MESSAGE_CONTENT: 'maybe' }).message).toMatch(
      /^Invalid setting LOG_MESSAGE_CONTENT=/,
    );
  });

  it('checks REDIS_URL', () => {
    expect(parseConfig({ REDIS_URL: 'redis://cache:6379' }).redisUrl).toBe('redis://cache:6379');
    expect(configError({ REDIS_URL: 'cache:6379' }).message).toMatch(/^Invalid setting REDIS_URL=/);
  });

  it('reads where attachments live, and refuses an S3 store it cannot use', () => {
    expect(parseConfig({}).fileStore).toEqual({ kind: 'database' });
    expect(parseConfig({}).maxFileBytes).toBe(20 * 1024 * 1024);
    expect(parseConfig({ FILE_STORE: 'filesystem', FILES_DIR: '/var/parley/files' }).fileStore).toEqual({
      kind: 'filesystem',
      directory: '/var/parley/files',
    });
    expect(
      parseConfig({
        FILE_STORE: 's3',
        S3_BUCKET: 'chat',
        S3_ENDPOINT: 'http://minio:9000',
        S3_ACCESS_KEY_ID: 'id',
        S3_SECRET_ACCESS_KEY: 'secret',
      }).fileStore,
    ).toMatchObject({ kind: 's3', bucket: 'chat', region: 'us-east-1', forcePathStyle: true, prefix: '' });
    expect(configError({ FILE_STORE: 'ftp' }).message).toMatch(/^Invalid setting FILE_STORE="ftp"/);
    expect(configError({ FILE_STORE: 's3' }).message).toBe(
      'Invalid setting S3_BUCKET: required when FILE_STORE=s3.',
    );
    expect(configError({ FILE_STORE: 's3', S3_BUCKET: 'b', S3_ACCESS_KEY_ID: 'id' }).message).toMatch(
      /^Invalid setting S3_ACCESS_KEY_ID \/ S3_SECRET_ACCESS_KEY: set both/,
    );
    expect(configError({ MAX_FILE_MB: '0' }).message).toMatch(/^Invalid setting MAX_FILE_MB=/);
  });
});

describe('the server process with a bad setting', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'parley-config-'));
  });

  afterEach(async () => {
    await stopAllServers();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits with code 1 and one line on stderr naming the setting', async () => {
    const server = spawnServer({ PORT: 'abc', DATABASE_URL: `sqlite:${path.join(dir, 'unused.db')}` }, dir);
    expect(await server.waitForExit(60_000)).toEqual({ code: 1, signal: null });
    expect(server.stderr()).toEqual([
      'parley: Invalid setting PORT="abc": expected an integer from 0 to 65535.',
    ]);
    expect(server.stdout()).toEqual([]);
  });
});
