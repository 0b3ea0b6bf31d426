import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../errors.js';

/**
 * A browser that navigates to a rate-limited address (an export link, /docs, /chat/history) gets a
 * short page that says so, not a raw JSON 429. Only the shape changes: it is still a 429 with
 * Retry-After and says nothing an API client would not learn. API clients (fetch, curl, SDKs) do
 * not ask for HTML first, so they keep the JSON `{error, code}`.
 */
export function wantsHtmlPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (request.headers['sec-fetch-mode'] === 'navigate') return true;
  // A browser's navigation lists text/html first; `*/*` or application/json first is a program.
  const accept = String(request.headers.accept ?? '')
    .trimStart()
    .toLowerCase();
  return accept.startsWith('text/html');
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page: no script or inline style (the CSP allows neither), a link back to the app. */
export function limitedPage(message: string, waitSeconds: number): string {
  const wait = Math.max(1, Math.ceil(Number.isFinite(waitSeconds) ? waitSeconds : 60));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Too many requests · Parley</title></head>
<body><main><h1>Too many requests</h1>
<p>${escapeHtml(message)}</p>
<p>Wait about ${wait} s, then <a href="/">go back to Parley</a> or reload this page.</p></main></body></html>
`;
}

/** Sends the page when the request is a browser navigation refused for its rate; false otherwise. */
export function sendLimitedPage(error: AppError, request: FastifyRequest, reply: FastifyReply): boolean {
  if (error.code !== 'rate_limited' || !wantsHtmlPage(request)) return false;
  void reply
    .status(429)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(limitedPage(error.message, error.retryAfterSeconds ?? Number(reply.getHeader('retry-after'))));
  return true;
}
