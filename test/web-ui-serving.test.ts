import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { installErrorHandlers } from '../src/server/http/error-handler.js';
import { webUiRoutes } from '../src/server/http/web-ui.js';

// Serving the built web UI: the shell for client routes, hashed assets cached for a year,
// compression, revalidation, and a plain note when nothing is built.

const dir = mkdtempSync(join(tmpdir(), 'parley-web-'));
mkdirSync(join(dir, 'assets'));
const SHELL =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(5000))});`;
writeFileSync(join(dir, 'index.html'), SHELL);
writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function app(from: string) {
  const server = Fastify();
  installErrorHandlers(server);
  await server.register(webUiRoutes(from));
  return server;
}

describe('web UI serving', () => {
  it('answers / and every client route with the shell, revalidated by ETag', async () => {
    const server = await app(dir);
    for (const url of ['/', '/c/01abc', '/settings', '/login', '/signup']) {
      const res = await server.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toBe(SHELL);
    }
    const first = await server.inject({ url: '/' });
    const again = await server.inject({ url: '/', headers: { 'if-none-match': String(first.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    await server.close();
  });

  it('serves hashed assets for a year, compressed when the client accepts it, and 404 for others', async () => {
    const server = await app(dir);
    const plain = await server.inject({ url: '/assets/index-abc123.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.body).toBe(SCRIPT);
    const br = await server.inject({
      url: '/assets/index-abc123.js',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);
    for (const url of ['/assets/other.js', '/assets/../index.html', '/assets/%2e%2e/index.html']) {
      const res = await server.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'not_found' });
    }
    expect((await server.inject({ url: '/favicon.svg' })).headers['content-type']).toBe('image/svg+xml');
    await server.close();
  });

  it('says how to build the UI when dist/web is missing', async () => {
    const server = await app(join(dir, 'missing'));
    const res = await server.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build');
    expect((await server.inject({ url: '/favicon.svg' })).statusCode).toBe(404);
    await server.close();
  });
});
