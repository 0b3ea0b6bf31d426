import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/server/config.js';
import { toolRoutes } from '../src/server/http/tool-routes.js';
import type { Role } from '../src/server/store/schema.js';
import { loadMcpFile, type McpServerConfig, parseMcpFile } from '../src/server/tools/mcp-file.js';
import { McpPool } from '../src/server/tools/mcp-pool.js';
import { ToolCatalog } from '../src/server/tools/tool-catalog.js';
import { toolResultText } from '../src/server/tools/tool-output.js';
import { captureLogs } from './helpers/logs.js';
import {
  EVERYTHING_SERVER,
  freePort,
  type HttpMcpServer,
  isAlive,
  startEverythingHttp,
  waitFor,
} from './helpers/mcp-servers.js';

const SECRET = 'sekret-value-4711';
const HTTP_SECRET = 'bearer-secret-0815';
const ENV = { TEST_MCP_SECRET: SECRET, TEST_MCP_HTTP_TOKEN: HTTP_SECRET };
/** Fast restarts, so a test sees the supervisor bring a server back within a second. */
const FAST = { backoff: { baseMs: 100, maxMs: 400 }, connectTimeoutMs: 15_000 };

function mcpError(text: string, file = 'mcp.yaml', env: Record<string, string> = ENV): string {
  let caught: unknown;
  try {
    parseMcpFile(text, file, env);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const message = (caught as Error).message;
  expect(message).not.toMatch(/[\r\n]/);
  expect(message.startsWith(`Invalid setting MCP_FILE="${file}": `)).toBe(true);
  return message;
}

const stdioYaml = (extra = '') => `
servers:
  - name: every
    transport: stdio
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio]
    env: { PARLEY_TEST_TOKEN: { env: TEST_MCP_SECRET }, PLAIN: hello }
${extra}`;

describe('MCP_FILE', () => {
  it('parses YAML and JSON, resolving env references and secure defaults', () => {
    const [server] = parseMcpFile(stdioYaml(), 'mcp.yaml', ENV);
    expect(server).toMatchObject({
      name: 'every',
      transport: 'stdio',
      env: { PARLEY_TEST_TOKEN: SECRET, PLAIN: 'hello' },
      requireApproval: 'all',
      timeoutMs: 30_000,
      roles: undefined,
      tools: undefined,
    });
    const json = JSON.stringify({
      servers: [
        {
          name: 'remote',
          transport: 'http',
          url: 'https://mcp.example.com/mcp',
          headers: { Authorization: { env: 'TEST_MCP_HTTP_TOKEN' } },
          tools: ['echo'],
          requireApproval: ['echo'],
          timeoutMs: 5000,
          roles: ['admin'],
        },
      ],
    });
    expect(parseMcpFile(json, 'mcp.json', ENV)[0]).toMatchObject({
      transport: 'http',
      headers: { Authorization: HTTP_SECRET },
      requireApproval: ['echo'],
      roles: ['admin'],
      secrets: [HTTP_SECRET],
    });
    expect(parseMcpFile('servers: []', 'mcp.yaml')).toEqual([]);
  });

  it('refuses a bad file with one line naming MCP_FILE and the problem', () => {
    expect(mcpError(`${stdioYaml()}    colour: blue\n`)).toMatch(/servers\[0\]\.colour is not a known field/);
    expect(mcpError(`${stdioYaml()}  - name: every\n    transport: stdio\n    command: x\n`)).toMatch(
      /servers\[1\]\.name "every" is already used by servers\[0\]/,
    );
    expect(mcpError('servers:\n  - name: a\n    transport: websocket\n    url: ws://x\n')).toMatch(
      /servers\[0\]\.transport must be one of stdio, http/,
    );
    expect(mcpError('servers:\n  - name: a\n    transport: stdio\n')).toMatch(/command is required/);
    expect(mcpError('servers:\n  - name: a\n    transport: http\n    url: ftp://x\n')).toMatch(
      /http\(s\) URL/,
    );
    expect(
      mcpError('servers:\n  - name: a\n    transport: stdio\n    command: x\n    url: http://x\n'),
    ).toMatch(/servers\[0\]\.url is not used with transport stdio/);
    expect(
      mcpError('servers:\n  - name: a\n    transport: stdio\n    command: x\n    requireApproval: some\n'),
    ).toMatch(/requireApproval must be all, none, or a list/);
    expect(
      mcpError('servers:\n  - name: a\n    transport: stdio\n    command: x\n    roles: [root]\n'),
    ).toMatch(/roles\[0\] must be one of admin, user/);
    expect(
      mcpError('servers:\n  - name: a\n    transport: stdio\n    command: x\n    env: { A: 42 }\n'),
    ).toMatch(/servers\[0\]\.env\.A must be a string or \{ env: NAME \}/);
    expect(mcpError('servers:\n  - name: Bad Name\n    transport: stdio\n    command: x\n')).toMatch(
      /servers\[0\]\.name must be lowercase letters/,
    );
    expect(mcpError('servers: [\n', 'mcp.yaml')).toMatch(/not valid YAML/);
    expect(mcpError('{"servers": ', 'mcp.json')).toMatch(/not valid JSON/);
    expect(mcpError('endpoints: []')).toMatch(/endpoints is not a known field|servers is required/);
    // A reference to an unset variable names the variable, never a value.
    const missing = mcpError(stdioYaml(), 'mcp.yaml', {});
    expect(missing).toMatch(/servers\[0\]\.env\.PARLEY_TEST_TOKEN names TEST_MCP_SECRET, which is not set/);
  });

  it('reports a missing file in the same one line', async () => {
    await expect(loadMcpFile('/nonexistent/mcp.yaml')).rejects.toThrow(
      'Invalid setting MCP_FILE="/nonexistent/mcp.yaml": no such file.',
    );
  });

  it('config.ts reads MCP_FILE, MAX_TOOL_STEPS and TOOL_APPROVAL_TIMEOUT_S', () => {
    expect(parseConfig({})).toMatchObject({
      mcpFile: undefined,
      maxToolSteps: 8,
      toolApprovalTimeoutMs: 300_000,
    });
    expect(
      parseConfig({ MCP_FILE: './mcp.yaml', MAX_TOOL_STEPS: '3', TOOL_APPROVAL_TIMEOUT_S: '60' }),
    ).toMatchObject({ mcpFile: './mcp.yaml', maxToolSteps: 3, toolApprovalTimeoutMs: 60_000 });
    expect(() => parseConfig({ MAX_TOOL_STEPS: '0' })).toThrow(
      /MAX_TOOL_STEPS="0": expected an integer from 1/,
    );
    expect(() => parseConfig({ TOOL_APPROVAL_TIMEOUT_S: 'soon' })).toThrow(/TOOL_APPROVAL_TIMEOUT_S/);
  });
});

describe('tool output', () => {
  it('cuts long text with a marker and renders non-text content as short notes', () => {
    const long = toolResultText({ content: [{ type: 'text', text: 'x'.repeat(500) }] }, 100);
    expect(long.truncated).toBe(true);
    expect(long.text).toMatch(/^x{100}\n\[output truncated: 100 of 500 characters shown\]$/);
    const mixed = toolResultText(
      { content: [{ type: 'image', mimeType: 'image/png', data: 'AAAA' }], isError: true },
      100,
    );
    expect(mixed).toEqual({ isError: true, text: '[image: image/png, 3 bytes]', truncated: false });
  });
});

describe('MCP pool over stdio (server-everything)', () => {
  const logs = captureLogs('debug');
  let servers: McpServerConfig[];
  let pool: McpPool;
  let catalog: ToolCatalog;

  beforeAll(async () => {
    servers = parseMcpFile(
      stdioYaml(`    requireApproval: [echo]
    timeoutMs: 20000
  - name: limited
    transport: stdio
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio]
    tools: [echo, get-sum]
    roles: [admin]
  - name: broken
    transport: stdio
    command: /nonexistent/mcp-server-binary
    env: { TOKEN: { env: TEST_MCP_SECRET } }
`),
      'mcp.yaml',
      ENV,
    );
    pool = new McpPool(servers, { logger: logs.logger, ...FAST, maxOutputChars: 1_000 });
    catalog = new ToolCatalog(pool);
    await pool.start();
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
  });

  it('lists tools, applying the allow-list, roles and approval rules', () => {
    expect(pool.state('every')?.state).toBe('ready');
    const everyTools = pool.state('every')?.tools.map((t) => t.name) ?? [];
    expect(everyTools).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env']));
    expect(
      pool
        .state('limited')
        ?.tools.map((t) => t.name)
        .sort(),
    ).toEqual(['echo', 'get-sum']);

    const forUser = catalog.list('user');
    expect(forUser.map((s) => s.name)).toEqual(['every', 'broken']);
    const echo = forUser[0]?.tools.find((t) => t.name === 'echo');
    expect(echo).toMatchObject({ id: 'every/echo', requiresApproval: true });
    expect(echo?.inputSchema).toMatchObject({ type: 'object', properties: { message: { type: 'string' } } });
    expect(forUser[0]?.tools.find((t) => t.name === 'get-sum')?.requiresApproval).toBe(false);
    const forAdmin = catalog.list('admin');
    expect(forAdmin.map((s) => s.name)).toEqual(['every', 'limited', 'broken']);
    // Secure by default: no requireApproval means every tool waits for the user.
    expect(forAdmin[1]?.tools.every((t) => t.requiresApproval)).toBe(true);
  });

  it('calls a tool and returns its text', async () => {
    const result = await pool.callTool('every', 'echo', { message: 'hello parley' });
    expect(result).toEqual({ isError: false, text: 'Echo: hello parley', truncated: false });
    const sum = await pool.callTool('limited', 'get-sum', { a: 2, b: 3 });
    expect(sum.isError).toBe(false);
    expect(sum.text).toMatch(/5/);
  });

  it('cuts long output to the limit', async () => {
    const result = await pool.callTool('every', 'echo', { message: 'y'.repeat(5_000) });
    expect(result.truncated).toBe(true);
    expect(result.text).toMatch(/\[output truncated: 1000 of 5006 characters shown\]$/);
  });

  it('returns errors as values: unknown server, tool outside the allow-list, bad arguments, role', async () => {
    expect(await pool.callTool('nope', 'echo', {})).toMatchObject({
      isError: true,
      text: expect.stringMatching(/no tool server "nope"/),
    });
    expect(await pool.callTool('limited', 'get-env', {})).toMatchObject({
      isError: true,
      text: '"limited/get-env" is not an available tool.',
    });
    const bad = await pool.callTool('every', 'echo', { message: 42 });
    expect(bad.isError).toBe(true);
    expect(pool.state('every')?.state).toBe('ready');
    expect(await catalog.callTool('user', 'limited', 'echo', { message: 'x' })).toMatchObject({
      isError: true,
    });
    expect(await catalog.callTool('admin', 'limited', 'echo', { message: 'x' })).toMatchObject({
      isError: false,
    });
  });

  it('passes env references to the process, never into states or logs', async () => {
    const result = await pool.callTool('every', 'get-env', {});
    // get-env shows the server's environment: the reference was resolved ...
    expect(result.text).toContain(SECRET);
    // ... and Parley's own environment did not leak in wholesale (only the SDK's safe defaults).
    expect(result.text).not.toContain('VITEST');
    // ... but the value appears nowhere Parley shows or writes.
    expect(JSON.stringify(pool.states())).not.toContain(SECRET);
    expect(JSON.stringify(catalog.list('admin'))).not.toContain(SECRET);
    expect(logs.lines.join('')).not.toContain(SECRET);
  });

  it('a server that cannot start is down with a reason, and calls to it are error values', () => {
    const broken = pool.state('broken');
    expect(broken?.state).not.toBe('ready');
    expect(broken?.tools).toEqual([]);
    expect(
      logs.lines.some((line) => line.includes('"server":"broken"') && line.includes('MCP server down')),
    ).toBe(true);
    return expect(pool.callTool('broken', 'echo', {})).resolves.toMatchObject({
      isError: true,
      text: expect.stringMatching(/not available right now/),
    });
  });

  it('a process killed mid-call gives an error value; the pool marks it down and restarts it', async () => {
    const pid = pool.pid('every');
    expect(pid).toBeTypeOf('number');
    const call = pool.callTool('every', 'trigger-long-running-operation', { duration: 10, steps: 5 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(pid as number, 'SIGKILL');
    const result = await call;
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/failed|closed/i);
    expect(pool.state('every')?.state).not.toBe('ready');
    expect(pool.state('every')?.error).toMatch(/process exited \(signal SIGKILL\)/);

    await waitFor(() => pool.state('every')?.state === 'ready', 'the restart');
    expect(pool.pid('every')).not.toBe(pid);
    expect(isAlive(pid as number)).toBe(false);
    expect(await pool.callTool('every', 'echo', { message: 'again' })).toMatchObject({ text: 'Echo: again' });
    expect(logs.lines.join('')).not.toContain(SECRET);
  }, 60_000);

  it('shutdown ends every stdio process and stops restarts', async () => {
    const pids = [pool.pid('every'), pool.pid('limited')];
    expect(pids.every((pid) => typeof pid === 'number' && isAlive(pid))).toBe(true);
    await pool.close();
    for (const pid of pids) expect(isAlive(pid as number)).toBe(false);
    expect(pool.states().every((s) => s.state === 'down')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(pool.pid('every')).toBeUndefined();
  });
});

describe('MCP pool: a server that is a process tree', () => {
  it('shutdown ends the whole tree, not only the process Parley started', async () => {
    // Like `npx server`: a shell that stays the parent of the real server (and of a helper).
    const tree = JSON.stringify({
      servers: [
        {
          name: 'tree',
          transport: 'stdio',
          command: '/bin/sh',
          // A helper that holds no pipe (so no 'close' waits for it) must still end with the group.
          args: [
            '-c',
            `sleep 300 </dev/null >/dev/null 2>&1 & "${process.execPath}" "${EVERYTHING_SERVER}" stdio; true`,
          ],
        },
      ],
    });
    const pool = new McpPool(parseMcpFile(tree, 'mcp.json'), { logger: captureLogs().logger, ...FAST });
    await pool.start();
    expect(pool.state('tree')?.state).toBe('ready');
    const shell = pool.pid('tree') as number;
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(shell)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    expect(children.length).toBe(2);
    await pool.close();
    expect(isAlive(shell)).toBe(false);
    // SIGKILL is delivered, and the orphans reaped by init, a moment after close() returns.
    await waitFor(() => children.every((pid) => !isAlive(pid)), 'the whole process group to end', 5_000);
  }, 60_000);
});

describe('MCP pool over HTTP (server-everything)', () => {
  const logs = captureLogs('debug');
  let streamable: HttpMcpServer;
  let legacy: HttpMcpServer;
  let pool: McpPool;
  let closedPort: number;

  beforeAll(async () => {
    [streamable, legacy, closedPort] = await Promise.all([
      startEverythingHttp('streamableHttp'),
      startEverythingHttp('sse'),
      freePort(),
    ]);
    const file = JSON.stringify({
      servers: [
        {
          name: 'remote',
          transport: 'http',
          url: `${streamable.url}?key=${SECRET}`,
          headers: { Authorization: { env: 'TEST_MCP_HTTP_TOKEN' } },
          tools: ['echo', 'get-sum'],
          requireApproval: 'none',
        },
        { name: 'legacy', transport: 'http', url: legacy.url },
        { name: 'nowhere', transport: 'http', url: `http://127.0.0.1:${closedPort}/mcp` },
      ],
    });
    pool = new McpPool(parseMcpFile(file, 'mcp.json', ENV), { logger: logs.logger, ...FAST });
    await pool.start();
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
    await Promise.all([streamable?.stop(), legacy?.stop()]);
  });

  it('connects over streamable HTTP and calls tools', async () => {
    expect(pool.state('remote')).toMatchObject({ state: 'ready', error: null });
    expect(
      pool
        .state('remote')
        ?.tools.map((t) => t.name)
        .sort(),
    ).toEqual(['echo', 'get-sum']);
    expect(await pool.callTool('remote', 'echo', { message: 'over http' })).toEqual({
      isError: false,
      text: 'Echo: over http',
      truncated: false,
    });
  });

  it('falls back to HTTP+SSE for an older server', async () => {
    expect(pool.state('legacy')?.state).toBe('ready');
    expect(await pool.callTool('legacy', 'echo', { message: 'over sse' })).toMatchObject({
      text: 'Echo: over sse',
    });
  });

  it('an unreachable server is down with a reason, without crashing anything', async () => {
    const nowhere = pool.state('nowhere');
    expect(nowhere?.state).not.toBe('ready');
    expect(nowhere?.error).toBeTruthy();
    expect(await pool.callTool('nowhere', 'echo', { message: 'x' })).toMatchObject({ isError: true });
  });

  it('a server that goes away gives an error value and is marked down', async () => {
    await streamable.stop();
    const result = await pool.callTool('remote', 'echo', { message: 'anyone?' });
    expect(result.isError).toBe(true);
    await waitFor(() => pool.state('remote')?.state !== 'ready', 'the server to be marked down');
    expect(JSON.stringify(pool.states())).not.toContain(SECRET);
    expect(JSON.stringify(pool.states())).not.toContain(HTTP_SECRET);
    const written = logs.lines.join('');
    expect(written).not.toContain(SECRET);
    expect(written).not.toContain(HTTP_SECRET);
  });
});

describe('GET /api/tools', () => {
  let dir: string;
  let pool: McpPool;
  const app = Fastify();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'parley-mcp-'));
    const file = path.join(dir, 'mcp.yaml');
    await writeFile(
      file,
      `${stdioYaml('    tools: [echo]\n')}  - name: admins\n    transport: http\n    url: http://127.0.0.1:9/mcp\n    roles: [admin]\n`,
    );
    // FAST's connect timeout, not less: a loaded CI machine once took over 2 s to start the stdio
    // server (the refused `admins` server fails at once either way).
    pool = new McpPool(await loadMcpFile(file, ENV), { logger: captureLogs().logger, ...FAST });
    await pool.start();
    // Stands in for the auth hook: the role comes from a header here.
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request) => {
      const role = request.headers['x-role'] as Role;
      request.principal = { userId: 'u1', role, via: 'token' };
    });
    await app.register(toolRoutes({ tools: new ToolCatalog(pool) }));
  }, 60_000);

  afterAll(async () => {
    await app.close();
    await pool?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists only the servers the caller may use, in the documented shape', async () => {
    const user = await app.inject({ url: '/api/tools', headers: { 'x-role': 'user' } });
    expect(user.statusCode).toBe(200);
    const body = user.json() as { servers: { name: string; tools: unknown[] }[] };
    expect(body).toEqual({
      servers: [
        {
          name: 'every',
          state: 'ready',
          error: null,
          tools: [
            {
              id: 'every/echo',
              name: 'echo',
              description: expect.any(String),
              inputSchema: expect.objectContaining({ type: 'object' }),
              requiresApproval: true,
            },
          ],
        },
      ],
    });
    expect(user.body).not.toContain(SECRET);

    const admin = (
      await app.inject({ url: '/api/tools', headers: { 'x-role': 'admin' } })
    ).json() as typeof body;
    expect(admin.servers.map((s) => s.name)).toEqual(['every', 'admins']);
    expect(admin.servers[1]).toMatchObject({ state: 'down', error: expect.any(String), tools: [] });
  });
});
