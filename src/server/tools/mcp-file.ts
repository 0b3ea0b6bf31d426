import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import {
  checkSettingsFile,
  fieldPath,
  SettingsProblem as Problem,
  parseSettingsText,
  readSettingsFile,
} from '../settings-file.js';
import type { Role } from '../store/schema.js';

/**
 * MCP_FILE: the MCP servers the operator offers as tools, in YAML or JSON. Checked once at startup
 * like MODELS_FILE: anything wrong stops Parley with one line naming the setting, the file and the
 * problem. Secrets stay out of the file: `env` and `headers` values may be `{ env: NAME }`, read
 * from the environment here.
 *
 *   servers:
 *     - name: everything              # tool ids: everything/<tool>
 *       transport: stdio              # or http (streamable HTTP, SSE fallback; url:, headers:)
 *       command: npx
 *       args: ["-y", "@modelcontextprotocol/server-everything"]
 *       env: { API_TOKEN: { env: EVERYTHING_TOKEN } }
 *       tools: [echo, get-sum]        # allow-list; omitted: every tool the server lists
 *       requireApproval: all          # all (default), none, or a list of tool names
 *       timeoutMs: 30000              # per call
 *       roles: [admin]                # omitted: everyone
 */

type Env = Record<string, string | undefined>;

/** Bounds: a file is written by an operator, but a typo should not allocate without limit. */
const MAX_SERVERS = 50;
const MAX_LIST = 200;

export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;

const EnvRef = Type.Object(
  { env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }) },
  { additionalProperties: false },
);
const SecretValue = Type.Union([Type.String(), EnvRef]);
const NameList = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: MAX_LIST });

const ServerSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' }),
    transport: Type.Enum(['stdio', 'http']),
    command: Type.Optional(Type.String({ minLength: 1 })),
    args: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_LIST })),
    env: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), SecretValue)),
    cwd: Type.Optional(Type.String({ minLength: 1 })),
    url: Type.Optional(Type.String({ minLength: 1 })),
    headers: Type.Optional(Type.Record(Type.String({ minLength: 1 }), SecretValue)),
    tools: Type.Optional(NameList),
    requireApproval: Type.Optional(Type.Union([Type.Enum(['all', 'none']), Type.Boolean(), NameList])),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
    roles: Type.Optional(Type.Array(Type.Enum(['admin', 'user']), { minItems: 1, maxItems: 2 })),
  },
  { additionalProperties: false },
);

const McpFileSchema = Type.Object(
  { servers: Type.Array(ServerSchema, { maxItems: MAX_SERVERS }) },
  { additionalProperties: false },
);

type RawServer = Static<typeof ServerSchema>;

interface CommonServer {
  name: string;
  /** The allow-list; undefined: every tool the server lists. */
  tools: string[] | undefined;
  /** Which tools wait for the user's yes: all, none, or those named. */
  requireApproval: 'all' | 'none' | string[];
  timeoutMs: number;
  /** Who may use it; undefined: everyone. */
  roles: Role[] | undefined;
  /** Every value that must never be shown (env and header values), to scrub error texts. */
  secrets: string[];
}

export interface StdioServerConfig extends CommonServer {
  transport: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | undefined;
}

export interface HttpServerConfig extends CommonServer {
  transport: 'http';
  url: string;
  headers: Record<string, string>;
}

export type McpServerConfig = StdioServerConfig | HttpServerConfig;

/** The first schema error, as a sentence about the file's own field names. */
function schemaProblem(value: unknown): string | undefined {
  const error = Value.Errors(McpFileSchema, value)[0];
  if (!error) return undefined;
  const at = fieldPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const prefix = at ? `${at}.` : '';
  // Unions report their first branch's complaint, which would mislead: name the whole choice.
  const union = /^(servers\[\d+\]\.requireApproval)/.exec(at)?.[1];
  if (union) return `${union} must be all, none, or a list of tool names`;
  const secret = /^servers\[\d+\]\.(env|headers)\.[^.]+$/.exec(at);
  if (secret && (error.keyword === 'type' || error.keyword === 'anyOf' || error.keyword === 'required')) {
    return `${at} must be a string or { env: NAME }`;
  }
  switch (error.keyword) {
    case 'required':
      return `${prefix}${(params.requiredProperties as string[] | undefined)?.[0] ?? '?'} is required`;
    case 'boolean': // TypeBox reports an unknown key against `additionalProperties: false` so
      return `${at} is not a known field`;
    case 'additionalProperties':
      return `${prefix}${(params.additionalProperties as string[])[0]} is not a known field`;
    case 'enum':
      return `${at} must be one of ${((params.allowedValues as unknown[] | undefined) ?? []).join(', ')}`;
    case 'pattern':
      return /^servers\[\d+\]\.name$/.test(at)
        ? `${at} must be lowercase letters, digits, - and _ (at most 64)`
        : `${at} is not a valid name`;
    case 'maxItems':
      return `${at} has more than ${String(params.limit)} entries`;
    case 'minItems':
    case 'minLength':
      return `${at} must not be empty`;
    case 'anyOf':
      return `${at} must be a string or { env: NAME }`;
    case 'type':
      if (!at) return 'the file must hold an object with a servers list';
      return `${at} must be ${String(params.type)}`;
    default:
      return `${at || 'the file'} ${error.message}`;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Resolve `{ env: NAME }` references; a reference to an unset variable is a startup error. */
function resolveValues(
  values: Record<string, string | { env: string }> | undefined,
  at: string,
  env: Env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    if (typeof value === 'string') {
      out[key] = value;
      continue;
    }
    const resolved = env[value.env];
    if (resolved === undefined || resolved === '') {
      throw new Problem(`${at}.${key} names ${value.env}, which is not set`);
    }
    out[key] = resolved;
  }
  return out;
}

function approval(raw: RawServer['requireApproval']): 'all' | 'none' | string[] {
  if (raw === undefined || raw === true) return 'all'; // secure by default
  if (raw === false) return 'none';
  return raw;
}

function forbid(server: RawServer, at: string, fields: (keyof RawServer)[]): void {
  for (const field of fields) {
    if (server[field] !== undefined)
      throw new Problem(`${at}.${field} is not used with transport ${server.transport}`);
  }
}

function checkServer(server: RawServer, at: string, env: Env): McpServerConfig {
  const common = {
    name: server.name,
    tools: server.tools ? [...new Set(server.tools)] : undefined,
    requireApproval: approval(server.requireApproval),
    timeoutMs: server.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
    roles: server.roles ? [...new Set(server.roles)] : undefined,
  };
  if (server.transport === 'stdio') {
    forbid(server, at, ['url', 'headers']);
    if (server.command === undefined) throw new Problem(`${at}.command is required with transport stdio`);
    const resolved = resolveValues(server.env, `${at}.env`, env);
    return {
      ...common,
      transport: 'stdio',
      command: server.command,
      args: server.args ?? [],
      env: resolved,
      cwd: server.cwd,
      secrets: Object.values(resolved),
    };
  }
  forbid(server, at, ['command', 'args', 'env', 'cwd']);
  if (server.url === undefined) throw new Problem(`${at}.url is required with transport http`);
  if (!isHttpUrl(server.url)) throw new Problem(`${at}.url must be an http(s) URL`);
  const headers = resolveValues(server.headers, `${at}.headers`, env);
  const url = new URL(server.url);
  // A URL may carry credentials too (user:password@, ?token=): scrub those from error texts.
  const urlSecrets = [url.password, ...url.searchParams.values()].filter(Boolean);
  return {
    ...common,
    transport: 'http',
    url: server.url,
    headers,
    secrets: [...Object.values(headers), ...urlSecrets],
  };
}

function checkServers(file: Static<typeof McpFileSchema>, env: Env): McpServerConfig[] {
  const seen = new Map<string, number>();
  return file.servers.map((server, i) => {
    const at = `servers[${i}]`;
    const earlier = seen.get(server.name);
    if (earlier !== undefined)
      throw new Problem(`${at}.name "${server.name}" is already used by servers[${earlier}]`);
    seen.set(server.name, i);
    const checked = checkServer(server, at, env);
    if (Array.isArray(checked.requireApproval) && checked.tools) {
      const allowed = new Set(checked.tools);
      const stray = checked.requireApproval.find((tool) => !allowed.has(tool));
      if (stray !== undefined)
        throw new Problem(`${at}.requireApproval names ${stray}, which is not in its tools list`);
    }
    return checked;
  });
}

/**
 * Check an MCP_FILE's text. `env` resolves `{ env: NAME }` references (only config.ts reads
 * process.env, so the caller passes `environment()`). Throws a ConfigError with a one-line message.
 */
export function parseMcpFile(text: string, filePath: string, env: Env = {}): McpServerConfig[] {
  return checkSettingsFile('MCP_FILE', filePath, () => {
    const value = parseSettingsText(text, filePath);
    const problem = schemaProblem(value);
    if (problem) throw new Problem(problem);
    return checkServers(value as Static<typeof McpFileSchema>, env);
  });
}

/** Read and check MCP_FILE (a path relative to the working directory). */
export async function loadMcpFile(filePath: string, env: Env = {}): Promise<McpServerConfig[]> {
  return parseMcpFile(await readSettingsFile('MCP_FILE', filePath), filePath, env);
}
