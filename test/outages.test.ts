import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from './helpers/databases.js';
import { postgresTestUrl, redisTestUrl, uniquePrefix } from './helpers/redis.js';
import { freePort, startServer, stopAllServers } from './helpers/server-process.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

// Redis or PostgreSQL going away at runtime: readiness fails, new replies are refused with a
// clear 503 (never a 500), and everything recovers when the service is back, without a restart.

const redisAvailable = redisTestUrl();
const pgUrl = postgresTestUrl();

const redisServers: ChildProcess[] = [];
afterEach(async () => {
  await stopAllServers();
  for (const child of redisServers.splice(0)) child.kill('SIGKILL');
});

/** A private redis-server on a spare port, so stopping it disturbs nobody else. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  redisServers.push(child);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return child;
    if (Date.now() > deadline) throw new Error('redis-server did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe.skipIf(!redisAvailable)('Redis outage', () => {
  it('fails readiness, refuses new replies with 503, and recovers when Redis is back', async () => {
    const port = await freePort();
    const redis = await startRedis(port);
    const server = await startServer({
      dbFile: path.join(mkdtempSync(path.join(os.tmpdir(), 'parley-outage-')), 'parley.db'),
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_KEY_PREFIX: uniquePrefix(), DEMO_DELAY_MS: '0' },
    });
    const base = server.baseUrl;
    const conversation = (await (await fetch(`${base}/api/conversations`, json({}))).json()) as {
      id: string;
    };
    const send = () =>
      fetch(`${base}/api/conversations/${conversation.id}/messages`, json({ content: 'hi' }));
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await send()).status).toBe(202);

    redis.kill('SIGKILL');
    await until(async () => (await fetch(`${base}/readyz`)).status === 503, 'readiness to fail');
    const refused = await send();
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'unavailable' });
    expect(refused.headers.get('retry-after')).toBeTruthy();
    // Reading still works: the database is fine.
    expect((await fetch(`${base}/api/conversations/${conversation.id}/messages`)).status).toBe(200);

    await startRedis(port);
    await until(async () => (await fetch(`${base}/readyz`)).status === 200, 'readiness to recover');
    expect((await send()).status).toBe(202);
  });
});

describe.skipIf(!pgUrl)('PostgreSQL outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  beforeAll(async () => {
    database = await createPostgresDatabase(pgUrl as string);
    const target = new URL(database.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  });
  afterAll(async () => {
    await proxy?.close();
    await database?.drop();
  });

  it('fails readiness and answers 503 (not 500) while the database is unreachable, then recovers', async () => {
    const url = new URL(database.url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const server = await startServer({ env: { DATABASE_URL: url.toString(), DEMO_DELAY_MS: '0' } });
    const base = server.baseUrl;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/api/conversations`, json({}))).status).toBe(201);

    await proxy.cut();
    await until(async () => {
      try {
        return (await fetch(`${base}/readyz`)).status === 503;
      } catch (e) {
        await new Promise((r) => setTimeout(r, 300));
        console.log('STDERR', server.stderr().join('\n'), server.stdout().slice(-3).join('\n'));
        throw e;
      }
    }, 'readiness to fail');
    const list = await fetch(`${base}/api/conversations`).catch((e) => {
      console.log('STDERR', server.stderr().join('\n'), server.stdout().slice(-3).join('\n'));
      throw e;
    });
    expect(list.status).toBe(503);
    expect(await list.json()).toMatchObject({ code: 'unavailable' });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    await proxy.restore();
    await until(async () => (await fetch(`${base}/readyz`)).status === 200, 'readiness to recover');
    expect((await fetch(`${base}/api/conversations`, json({}))).status).toBe(201);
  });
});
