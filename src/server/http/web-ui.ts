import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';

/**
 * Serves the built React web UI (`vite build` → dist/web). The few files are read once at start
 * into memory (with gzip and brotli variants of the text ones), so a request never touches the
 * file system and no path from a request is ever joined onto a directory. Hashed files under
 * /assets/ are cached for a year; the HTML shell is revalidated (ETag) so a new build shows at once.
 * Client routes (/c/:id, /settings, /admin, /admin/*, /login, /signup, /reset, /s/:id) answer with the same shell:
 * the app routes (the admin console checks the role itself, over the API).
 *
 * None of it counts against the per-user request rate limit (`rateLimit: false`), and no caller is
 * identified for it (`webUi`, see auth-hook.ts): a reload is the shell and a handful of assets, all
 * from memory, and must never use up the budget the API calls need (nor show a JSON 429 instead
 * of the app). A miss (a path under /assets/ that is not a built file: a guess, an old hash, a
 * traversal attempt) does count, so the only uncounted answers are the few files held in memory.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A file of the built web UI: served from memory, to anyone, without looking up a session. */
    webUi?: boolean;
  }
}

/** The routes' config: public, outside the rate limit, no session lookup. */
const WEB_UI_CONFIG = { access: 'public', rateLimit: false, webUi: true } as const;

/** The paths the single-page app handles itself; each gets the HTML shell. */
export const CLIENT_ROUTES = [
  '/',
  '/c/:id',
  '/settings',
  '/admin',
  '/admin/*',
  '/login',
  '/signup',
  '/reset',
  '/s/:id',
] as const;

/** dist/web at the repository root, from src/server/http (tsx) and dist/server/http (built) alike. */
export const DEFAULT_WEB_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../dist/web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

interface WebFile {
  type: string;
  etag: string;
  body: Buffer;
  compressible: boolean;
  gzip?: Buffer;
  br?: Buffer;
}

function load(path: string): WebFile {
  const body = readFileSync(path);
  const ext = extname(path);
  const file: WebFile = {
    type: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    body,
    compressible: COMPRESSIBLE.has(ext) && body.length > 1024,
  };
  return file;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/** Shown at `/` when the UI has not been built (a checkout used without `npm run build`). */
const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley</title></head>
<body><h1>Parley</h1><p>The server is running, but its web UI has not been built. Run <code>npm run build</code>
(or <code>npm start</code>, which builds it) and reload this page. The API is at <code>/api</code>.</p></body></html>
`;

export interface WebUi {
  index: WebFile;
  assets: Map<string, WebFile>;
  built: boolean;
}

export function loadWebUi(dir = DEFAULT_WEB_DIR): WebUi {
  const assets = new Map<string, WebFile>();
  try {
    const index = load(join(dir, 'index.html'));
    for (const path of walk(dir)) {
      const name = relative(dir, path).split(sep).join('/');
      if (name !== 'index.html') assets.set(`/${name}`, load(path));
    }
    return { index, assets, built: true };
  } catch (error) {
    // Not built (or being rebuilt this very moment): say so on `/` rather than fail to start.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { index: inline(NOT_BUILT), assets: new Map(), built: false };
  }
}

function inline(html: string): WebFile {
  const body = Buffer.from(html);
  return {
    type: TYPES['.html'] as string,
    etag: `"${createHash('sha256').update(body).digest('hex')}"`,
    body,
    compressible: false,
  };
}

/**
 * Compressed variants are made on a file's first request and kept: compressing the whole bundle
 * at start would add about a second to every start (brotli at its best quality is slow).
 */
function compressed(file: WebFile, encoding: 'br' | 'gzip'): Buffer {
  if (encoding === 'br') {
    file.br ??= brotliCompressSync(file.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } });
    return file.br;
  }
  file.gzip ??= gzipSync(file.body, { level: 9 });
  return file.gzip;
}

function send(request: FastifyRequest, reply: FastifyReply, file: WebFile, cacheControl: string) {
  reply.header('content-type', file.type).header('cache-control', cacheControl).header('etag', file.etag);
  if (file.compressible) reply.header('vary', 'accept-encoding');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  const accepts = String(request.headers['accept-encoding'] ?? '');
  if (file.compressible && /\bbr\b/.test(accepts)) {
    return reply.header('content-encoding', 'br').send(compressed(file, 'br'));
  }
  if (file.compressible && /\bgzip\b/.test(accepts)) {
    return reply.header('content-encoding', 'gzip').send(compressed(file, 'gzip'));
  }
  return reply.send(file.body);
}

/** `GET /`, the client routes and `GET /assets/*`: the built UI, public (the app signs in over the API). */
export function webUiRoutes(dir?: string): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const ui = loadWebUi(dir);
    // A path that is not a built file is counted against the caller's request rate limit like any
    // API call (429 once over it), then 404. (Tests of this file alone have no rate limit plugin.)
    const countMiss = app.hasDecorator('rateLimit') ? app.rateLimit() : undefined;
    const missing = async (request: FastifyRequest, reply: FastifyReply): Promise<never> => {
      await countMiss?.call(app, request, reply);
      throw new AppError('not_found', 'No such file.');
    };
    if (!ui.built) app.log.warn('the web UI is not built (dist/web is missing): run `npm run build`');
    for (const url of CLIENT_ROUTES) {
      const params = url.includes(':id')
        ? { params: Type.Object({ id: Type.String({ maxLength: 200 }) }) }
        : {};
      app.get(url, { config: WEB_UI_CONFIG, schema: params }, async (request, reply) =>
        send(request, reply, ui.index, 'no-cache'),
      );
    }
    app.get('/assets/*', { config: WEB_UI_CONFIG }, async (request, reply) => {
      const file = ui.assets.get(request.url.split('?')[0] as string);
      if (!file) return missing(request, reply);
      return send(request, reply, file, 'public, max-age=31536000, immutable');
    });
    // Files at the top of dist/web other than the shell (favicon).
    app.get('/favicon.svg', { config: WEB_UI_CONFIG }, async (request, reply) => {
      const file = ui.assets.get('/favicon.svg');
      if (!file) return missing(request, reply);
      return send(request, reply, file, 'public, max-age=86400');
    });
  };
}
