import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema } from '../../shared/api-schemas.js';
import {
  DeleteAccountBody,
  LoginBody,
  MeResponse,
  PasswordChangeBody,
  PasswordResetBody,
  PendingSignupResponse,
  ProfilePatchBody,
  ProfileResponse,
  SessionList,
  SessionResponse,
  SignupBody,
} from '../../shared/auth-schemas.js';
import { LogoutResponse } from '../../shared/oidc-schemas.js';
import { type AccountService, type Principal, SESSION_DAYS } from '../auth/account-service.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { SESSION_COOKIE } from './auth-hook.js';

/** Who asks (`user` routes always have someone; AUTH_MODE=none acts as the built-in user). */
const principalOf = (request: FastifyRequest): Principal =>
  request.principal ?? { userId: request.userId, role: 'admin', via: 'none' };

const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  409: ErrorSchema,
  429: ErrorSchema,
  503: ErrorSchema,
};

export interface AuthRouteDeps {
  accounts: Pick<
    AccountService,
    | 'signup'
    | 'login'
    | 'logout'
    | 'me'
    | 'changePassword'
    | 'listSessions'
    | 'endAllSessions'
    | 'resetPassword'
    | 'updateProfile'
    | 'deleteAccount'
    | 'hasPassword'
  >;
  /** After an account is deleted: sweep its files' bytes now rather than at the next tick. */
  files?: { sweep(): Promise<unknown> };
  config: Pick<Config, 'publicUrl' | 'authMode' | 'oidc' | 'adminUsername'>;
  /**
   * Single sign-on: the provider's RP-initiated logout URL for this user (signed in through it and
   * the provider has an end_session_endpoint), else undefined. `origin` is where to come back to.
   */
  endSessionUrl?: (userId: string, origin: string) => Promise<string | undefined>;
}

/**
 * OIDC_ONLY: no password sign-up, and no password sign-in except the ADMIN_USERNAME account
 * (the break-glass admin for when the provider is down or misconfigured).
 */
function refuseUnderOidcOnly(config: AuthRouteDeps['config'], username?: string): void {
  if (!config.oidc?.only) return;
  if (username !== undefined && username.trim().toLowerCase() === config.adminUsername) return;
  throw new AppError(
    'forbidden',
    `Password sign-in and sign-up are turned off on this server (OIDC_ONLY): sign in with ${config.oidc.label}.`,
  );
}

export function authRoutes({
  accounts,
  config,
  endSessionUrl,
  files,
}: AuthRouteDeps): FastifyPluginAsyncTypebox {
  // Secure cookies when Parley is served over https (PUBLIC_URL); SameSite=Lax keeps other sites'
  // forms and scripts from riding the session; httpOnly keeps it away from page scripts.
  const secure = config.publicUrl?.startsWith('https://') ?? false;
  const setSession = (reply: FastifyReply, token: string) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure,
      signed: true,
      maxAge: SESSION_DAYS * 86_400,
    });

  return async (app) => {
    app.post(
      '/api/auth/signup',
      {
        config: { access: 'public' },
        schema: {
          body: SignupBody,
          response: { 201: SessionResponse, 202: PendingSignupResponse, ...errors },
        },
      },
      async (request, reply) => {
        refuseUnderOidcOnly(config);
        const { user, session } = await accounts.signup(
          request.body,
          request.ip,
          request.headers['user-agent'],
        );
        if (!session) {
          return reply.code(202).send({
            user,
            status: 'pending' as const,
            message:
              'Your account was created and is waiting for an admin to approve it; sign in after that.',
          });
        }
        setSession(reply, session.sessionToken);
        return reply.code(201).send({ user, csrfToken: session.csrfToken });
      },
    );

    app.post(
      '/api/auth/login',
      {
        config: { access: 'public' },
        schema: { body: LoginBody, response: { 200: SessionResponse, ...errors } },
      },
      async (request, reply) => {
        refuseUnderOidcOnly(config, request.body.username);
        const { user, sessionToken, csrfToken } = await accounts.login(
          request.body,
          request.ip,
          request.headers['user-agent'],
        );
        setSession(reply, sessionToken);
        return { user, csrfToken };
      },
    );

    app.post(
      '/api/auth/logout',
      { schema: { response: { 200: LogoutResponse, 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        if (request.principal) await accounts.logout(request.principal, request.ip);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        // Signed in through the OpenID provider: the web app sends the browser on to end the
        // provider's session too (RP-initiated logout); the Parley session has ended already.
        const origin = config.publicUrl ?? `${request.protocol}://${request.host}`;
        const url =
          request.principal?.via === 'session' && endSessionUrl
            ? await endSessionUrl(request.principal.userId, `${origin}/`)
            : undefined;
        if (url) return reply.code(200).send({ endSessionUrl: url });
        return reply.code(204).send(null);
      },
    );

    app.get('/api/auth/me', { schema: { response: { 200: MeResponse, ...errors } } }, async (request) => ({
      user: await accounts.me(request.userId),
      csrfToken: request.principal?.csrfToken ?? null,
      authMode: config.authMode,
      via: request.principal?.via ?? 'none',
      hasPassword: await accounts.hasPassword(request.userId),
    }));

    app.patch(
      '/api/auth/me',
      {
        config: { access: 'user' },
        schema: { body: ProfilePatchBody, response: { 200: ProfileResponse, ...errors } },
      },
      async (request) => ({
        user: await accounts.updateProfile(principalOf(request), request.body),
      }),
    );

    // Delete my account and everything in it (account-deletion.ts); the cookie goes with it.
    app.delete(
      '/api/auth/me',
      {
        config: { access: 'user' },
        schema: { body: DeleteAccountBody, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        await accounts.deleteAccount(principalOf(request), request.body, request.ip);
        files
          ?.sweep()
          .catch((err) => request.log.warn({ err }, 'file sweep after an account deletion failed'));
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    );

    // Needs the current password; the session making the change stays, every other one ends.
    app.post(
      '/api/auth/password',
      {
        config: { access: 'user' },
        schema: { body: PasswordChangeBody, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        if (request.principal) await accounts.changePassword(request.principal, request.body, request.ip);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/auth/sessions',
      { config: { access: 'user' }, schema: { response: { 200: SessionList, ...errors } } },
      async (request) => ({
        items: request.principal ? await accounts.listSessions(request.principal) : [],
      }),
    );

    // "Sign out everywhere": this session ends too (the cookie is cleared); API tokens stay.
    app.delete(
      '/api/auth/sessions',
      { config: { access: 'user' }, schema: { response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        if (request.principal) await accounts.endAllSessions(request.principal);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    );

    // Public: the one-time token from an admin's reset link is the credential.
    app.post(
      '/api/auth/reset',
      {
        config: { access: 'public' },
        schema: { body: PasswordResetBody, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        await accounts.resetPassword(request.body, request.ip);
        return reply.code(204).send(null);
      },
    );
  };
}
