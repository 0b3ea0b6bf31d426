import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema } from '../../shared/api-schemas.js';
import { AuthProvidersResponse, OidcCallbackQuery, OidcLoginQuery } from '../../shared/oidc-schemas.js';
import { type AccountService, SESSION_DAYS } from '../auth/account-service.js';
import type { CounterStore } from '../auth/counters.js';
import type { OidcClient, OidcTransient } from '../auth/oidc-client.js';
import { sha256 } from '../auth/secrets.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { SESSION_COOKIE } from './auth-hook.js';

/** The login step's secrets (state, nonce, PKCE verifier), for the callback only. */
export const OIDC_COOKIE = 'parley_oidc';
const OIDC_COOKIE_PATH = '/api/auth/oidc';
/** A sign-in at the provider must come back within this. */
export const OIDC_TRANSIENT_MS = 10 * 60_000;
const MAX_CALLBACK_URL = 8192;

export interface OidcRouteDeps {
  accounts: Pick<AccountService, 'signInWithIdentity' | 'signUpState'>;
  /** Undefined: single sign-on is off (the routes answer 404). */
  oidc: OidcClient | undefined;
  config: Pick<Config, 'publicUrl' | 'oidc' | 'authMode' | 'signup'>;
  /** Remembers used states, on every instance, so a callback works once. */
  counters: CounterStore;
}

/** The site's origin as the browser sees it: PUBLIC_URL, else this request's. */
export function siteOrigin(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}

/** A path on this site (`/c/abc`), never another site (`//evil`, `/\evil`, `https://...`). */
export function safeReturnPath(value: string | undefined): string {
  if (!value || value.length > 300) return '/';
  return /^\/(?![/\\])[^\s\\]*$/.test(value) ? value : '/';
}

interface StoredTransient extends OidcTransient {
  returnTo: string;
  expiresAt: number;
}

function readTransient(request: FastifyRequest): StoredTransient | undefined {
  const raw = request.cookies[OIDC_COOKIE];
  if (!raw || raw.length > 4096) return undefined;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return undefined;
  try {
    const value = JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')) as StoredTransient;
    const strings = [value.state, value.nonce, value.codeVerifier, value.redirectUri, value.returnTo];
    if (strings.some((item) => typeof item !== 'string') || typeof value.expiresAt !== 'number')
      return undefined;
    return value;
  } catch {
    return undefined;
  }
}

/** Why a callback failed, as the sign-in page's `ssoError` (it shows a sentence for each). */
function failureCode(error: unknown): string {
  if (error instanceof AppError) {
    switch (error.code) {
      case 'forbidden':
        return 'account_disabled';
      case 'account_pending':
        return 'account_pending';
      case 'signup_closed':
        return 'signup_closed';
      case 'unavailable':
        return 'provider_unavailable';
    }
  }
  return 'sso_failed';
}

/**
 * Single sign-on with OpenID Connect (authorization code flow with PKCE, state and nonce), and the
 * public description of how to sign in. Always registered; without OIDC_ISSUER the two OIDC
 * routes answer 404.
 */
export function oidcRoutes({ accounts, oidc, config, counters }: OidcRouteDeps): FastifyPluginAsyncTypebox {
  const secure = config.publicUrl?.startsWith('https://') ?? false;
  const notConfigured = () =>
    new AppError('not_found', 'Single sign-on is not configured on this server (OIDC_ISSUER).');
  const clearTransient = (reply: FastifyReply) =>
    reply.clearCookie(OIDC_COOKIE, { path: OIDC_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure });

  return async (app) => {
    app.get(
      '/api/auth/providers',
      {
        config: { access: 'public' },
        schema: { response: { 200: AuthProvidersResponse } },
      },
      async () => {
        const accountsOn = config.authMode === 'local';
        const local = accountsOn && !config.oidc?.only;
        return {
          oidc: { enabled: oidc !== undefined, label: config.oidc?.label ?? null },
          localSignIn: local,
          localSignUp: local,
          signup: config.signup,
          ...(await accounts.signUpState()),
        };
      },
    );

    app.get(
      '/api/auth/oidc/login',
      {
        config: { access: 'public' },
        schema: {
          querystring: OidcLoginQuery,
          response: { 302: Type.Null(), 404: ErrorSchema, 503: ErrorSchema },
        },
      },
      async (request, reply) => {
        if (!oidc) throw notConfigured();
        const redirectUri = `${siteOrigin(request, config.publicUrl)}/api/auth/oidc/callback`;
        const { url, transient } = await oidc.start(redirectUri);
        const stored: StoredTransient = {
          ...transient,
          returnTo: safeReturnPath(request.query.returnTo),
          expiresAt: Date.now() + OIDC_TRANSIENT_MS,
        };
        // One pending sign-in per browser: a new one replaces it. Signed (not readable by page
        // scripts, sent only to the callback); SameSite=Lax lets the provider's redirect carry it.
        reply.setCookie(OIDC_COOKIE, Buffer.from(JSON.stringify(stored)).toString('base64url'), {
          path: OIDC_COOKIE_PATH,
          httpOnly: true,
          sameSite: 'lax',
          secure,
          signed: true,
          maxAge: OIDC_TRANSIENT_MS / 1000,
        });
        reply.header('cache-control', 'no-store');
        return reply.redirect(url, 302);
      },
    );

    app.get(
      '/api/auth/oidc/callback',
      {
        config: { access: 'public' },
        schema: {
          querystring: OidcCallbackQuery,
          response: { 302: Type.Null(), 404: ErrorSchema },
        },
      },
      async (request, reply) => {
        if (!oidc) throw notConfigured();
        reply.header('cache-control', 'no-store');
        const transient = readTransient(request);
        // Whatever happens next, this sign-in's secrets are spent.
        clearTransient(reply);
        const fail = (code: string) => reply.redirect(`/login?ssoError=${encodeURIComponent(code)}`, 302);
        if (!transient || transient.expiresAt < Date.now()) {
          request.log.info({ sso: 'expired' }, 'single sign-on callback without a live login');
          return fail('sso_expired');
        }
        if (request.query.error) {
          request.log.info({ sso: 'provider error', error: request.query.error }, 'single sign-on refused');
          return fail(request.query.error === 'access_denied' ? 'sso_cancelled' : 'sso_failed');
        }
        if (request.url.length > MAX_CALLBACK_URL) return fail('sso_failed');
        // Single use on every instance: a replayed callback (same cookie, same answer) is refused
        // before the code is even sent to the provider (which would refuse it too).
        const { count } = await counters.hit(`oidc-state:${sha256(transient.state)}`, OIDC_TRANSIENT_MS);
        if (count > 1) {
          request.log.warn({ sso: 'replayed' }, 'single sign-on callback replayed');
          return fail('sso_failed');
        }
        try {
          const query = new URL(request.url, 'http://callback.invalid').searchParams;
          const identity = await oidc.finish(query, transient);
          const { user, sessionToken } = await accounts.signInWithIdentity(
            { adminGroups: config.oidc?.adminGroups },
            identity,
            request.ip,
            request.headers['user-agent'],
          );
          // The same session as a password sign-in (the CSRF token comes from GET /api/auth/me).
          reply.setCookie(SESSION_COOKIE, sessionToken, {
            path: '/',
            httpOnly: true,
            sameSite: 'lax',
            secure,
            signed: true,
            maxAge: SESSION_DAYS * 86_400,
          });
          request.log.info({ userId: user.id, sso: 'signed in' }, 'single sign-on');
          return reply.redirect(transient.returnTo, 302);
        } catch (error) {
          // The reason, never a token or code: openid-client's messages name the failed check.
          const reason = error instanceof Error ? error.message.slice(0, 200) : 'unknown';
          const code = (error as { code?: unknown }).code;
          request.log.warn({ sso: 'failed', reason, code }, 'single sign-on failed');
          return fail(failureCode(error));
        }
      },
    );
  };
}
