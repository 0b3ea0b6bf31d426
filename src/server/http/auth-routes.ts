import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema } from '../../shared/api-schemas.js';
import { LoginBody, MeResponse, SessionResponse, SignupBody } from '../../shared/auth-schemas.js';
import { SESSION_DAYS } from '../auth/account-service.js';
import { SESSION_COOKIE } from './auth-hook.js';
import type { AppContext } from './context.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 409: ErrorSchema, 429: ErrorSchema };

export function authRoutes(ctx: AppContext): FastifyPluginAsyncTypebox {
  // Secure cookies when Parley is served over https (PUBLIC_URL); SameSite=Lax keeps other sites'
  // forms and scripts from riding the session; httpOnly keeps it away from page scripts.
  const secure = ctx.config.publicUrl?.startsWith('https://') ?? false;
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
        schema: { body: SignupBody, response: { 201: SessionResponse, ...errors } },
      },
      async (request, reply) => {
        const { user, sessionToken, csrfToken } = await ctx.accounts.signup(request.body, request.ip);
        setSession(reply, sessionToken);
        return reply.code(201).send({ user, csrfToken });
      },
    );

    app.post(
      '/api/auth/login',
      {
        config: { access: 'public' },
        schema: { body: LoginBody, response: { 200: SessionResponse, ...errors } },
      },
      async (request, reply) => {
        const { user, sessionToken, csrfToken } = await ctx.accounts.login(request.body, request.ip);
        setSession(reply, sessionToken);
        return { user, csrfToken };
      },
    );

    app.post(
      '/api/auth/logout',
      { schema: { response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        if (request.principal) await ctx.accounts.logout(request.principal);
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.code(204).send(null);
      },
    );

    app.get('/api/auth/me', { schema: { response: { 200: MeResponse, ...errors } } }, async (request) => ({
      user: await ctx.accounts.me(request.userId),
      csrfToken: request.principal?.csrfToken ?? null,
      authMode: ctx.config.authMode,
      via: request.principal?.via ?? 'none',
    }));
  };
}
