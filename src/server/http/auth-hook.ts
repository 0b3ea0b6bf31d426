import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountService, Principal } from '../auth/account-service.js';
import { addressBucket } from '../auth/address-bucket.js';
import { LOCAL_USER_ID } from '../auth/builtin-users.js';
import type { CounterStore } from '../auth/counters.js';
import { GUEST_COOKIE, GUEST_IDLE_DAYS, type GuestService } from '../auth/guest-service.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

/**
 * Who may call a route: `public` anyone; `guest` the seed routes: under AUTH_MODE=local a
 * signed-in user or API token, or with GUEST_ACCESS=on also an anonymous browser acting as its
 * own guest (request.principal null until its first message creates the guest);
 * `user` a signed-in user or API token; `admin` an admin;
 * `metrics` the Prometheus scraper: anyone, or only `Bearer <METRICS_TOKEN>` when that is set.
 */
export type Access = 'public' | 'guest' | 'user' | 'admin' | 'metrics';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The user this request acts as (set here); every domain call is scoped by it. */
    userId: string;
  }
}

export const SESSION_COOKIE = 'parley_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The caller's credential: an API token or a session cookie. `stale` means one was sent but is
 * not valid (expired, logged out, user disabled, bad signature): on the seed routes that is a 401,
 * never a silent fallback to a guest.
 */
async function identify(
  request: FastifyRequest,
  reply: FastifyReply,
  accounts: AccountService,
): Promise<{ principal: Principal | null; stale: boolean }> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = match?.[1] ? await accounts.fromApiToken(match[1]) : undefined;
    if (!principal)
      throw new AppError('unauthorized', 'The API token is not valid (revoked, or its user is disabled).');
    return { principal, stale: false };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) {
    const unsigned = request.unsignCookie(cookie);
    const principal =
      unsigned.valid && unsigned.value ? await accounts.fromSession(unsigned.value) : undefined;
    if (principal) return { principal, stale: false };
    // A stale cookie (logged out elsewhere, expired, user disabled): drop it.
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { principal: null, stale: true };
  }
  return { principal: null, stale: false };
}

/**
 * The guest named by the browser's `parley_guest` cookie (GUEST_ACCESS=on), or null for a
 * browser that has none yet (it becomes a guest on its first message). A cookie naming a purged
 * or disabled guest is dropped: that browser starts afresh.
 */
async function identifyGuest(
  request: FastifyRequest,
  reply: FastifyReply,
  guests: GuestService,
): Promise<Principal | null> {
  const cookie = request.cookies[GUEST_COOKIE];
  if (!cookie) return null;
  const unsigned = request.unsignCookie(cookie);
  const principal = unsigned.valid && unsigned.value ? await guests.principal(unsigned.value) : undefined;
  if (principal) return principal;
  reply.clearCookie(GUEST_COOKIE, { path: '/' });
  return null;
}

/** A scraper's credential is METRICS_TOKEN, not a user's API token: checked apart from accounts. */
function checkMetricsToken(request: FastifyRequest, token: string | undefined): void {
  if (token === undefined) return;
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1] || !sameSecret(match[1], token)) {
    throw new AppError('unauthorized', 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.');
  }
}

/**
 * Refused credentials count per address: the request rate limit keys by principal and so runs
 * after this hook, which would leave 401s (each a token or session lookup) unlimited.
 */
const FAILED_AUTH_WINDOW_MS = 60_000;

export function installAuth(
  app: FastifyInstance,
  accounts: AccountService,
  guests: GuestService,
  config: Pick<Config, 'authMode' | 'metricsToken' | 'rateLimitRpm'>,
  counters: CounterStore,
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    try {
      await authenticate(request, reply);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'unauthorized') throw error;
      // Counted only when refused, so valid callers behind the same address are never held back.
      const { count, resetInMs } = await counters.hit(
        `auth-failed:${addressBucket(request.ip)}`,
        FAILED_AUTH_WINDOW_MS,
      );
      if (count > config.rateLimitRpm) {
        throw new AppError('rate_limited', 'Too many requests with missing or invalid credentials.', {
          retryAfterSeconds: resetInMs / 1000,
        });
      }
      throw error;
    }
  });

  async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Unknown routes answer 404 for everyone, signed in or not.
    if (!request.routeOptions.url) return;
    // The built web UI (web-ui.ts) is the same for everyone: no credential is looked up for it.
    if (request.routeOptions.config.webUi) return;
    const access = request.routeOptions.config.access ?? 'user';
    if (access === 'metrics') return checkMetricsToken(request, config.metricsToken);

    let principal: Principal | null = null;
    let stale = false;
    if (config.authMode === 'none') {
      principal = { userId: LOCAL_USER_ID, role: 'admin', via: 'none' };
    } else {
      const identified = await identify(request, reply, accounts);
      principal = identified.principal;
      stale = identified.stale;
      if (identified.stale && access === 'guest') {
        throw new AppError('unauthorized', 'Your session has ended; sign in again.');
      }
      // Guests exist only on the seed routes; a guest cookie means nothing anywhere else.
      if (!principal && access === 'guest' && guests.enabled) {
        principal = await identifyGuest(request, reply, guests);
        // No guest yet: the seed routes serve this browser anonymously (see seed-routes.ts).
        if (!principal) {
          request.userId = '';
          return;
        }
      }
    }

    if (!principal && access !== 'public') {
      throw new AppError(
        'unauthorized',
        // A cookie that no longer names a session: the user was signed in, so say it ended.
        stale
          ? 'Your session has ended (signed out elsewhere, expired, or the account was disabled); sign in again.'
          : 'Sign in first (or send an API token as Authorization: Bearer ...).',
      );
    }
    if (access === 'admin' && principal?.role !== 'admin') {
      throw new AppError('forbidden', 'Only an admin can do this.');
    }
    // A cookie is sent by the browser on its own; a write made with it must also prove it comes
    // from our page (the CSRF token is readable only by same-origin script).
    if (principal?.via === 'session' && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !principal.csrfToken || !sameSecret(sent, principal.csrfToken)) {
        throw new AppError(
          'csrf_failed',
          'Missing or wrong x-csrf-token header; reload the page and try again.',
        );
      }
    }
    request.principal = principal;
    request.userId = principal?.userId ?? '';
  }
}

/**
 * Name the browser's new guest in a signed cookie. httpOnly keeps it from page scripts; SameSite=Lax
 * keeps other sites' forms from posting as this guest; it lives as long as an idle guest does.
 */
export function issueGuestCookie(reply: FastifyReply, userId: string, secure: boolean): void {
  reply.setCookie(GUEST_COOKIE, userId, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure,
    signed: true,
    maxAge: GUEST_IDLE_DAYS * 86_400,
  });
}
