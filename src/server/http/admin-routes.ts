import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import {
  AdminModelList,
  AdminUserPage,
  AdminUserPatch,
  AdminUsersQuery,
  AuditPage,
  AuditQuery,
  CreateInviteBody,
  Invite,
  InviteList,
  ResetLink,
  User,
} from '../../shared/auth-schemas.js';
import type { ModelRegistry } from '../ai/model-registry.js';
import type { AccountService } from '../auth/account-service.js';
import type { Config } from '../config.js';
import type { ModelStats } from '../observability/model-stats.js';
import { emptyBodyIsObject } from './empty-body.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

/** Admins manage accounts and quotas; they do not read other users' conversations through the API. */
export interface AdminRouteDeps {
  accounts: Pick<
    AccountService,
    | 'listUsers'
    | 'updateUser'
    | 'createInvite'
    | 'listInvites'
    | 'revokeInvite'
    | 'createResetLink'
    | 'listAudit'
  >;
  config: Pick<Config, 'publicUrl'>;
  /** For `GET /api/admin/models`: the registry (breakers) and this instance's recent figures. */
  models?: Pick<ModelRegistry, 'list' | 'get'>;
  modelStats?: Pick<ModelStats, 'recent'>;
}

export function adminRoutes({
  accounts,
  config,
  models,
  modelStats,
}: AdminRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/admin/users',
      {
        config: { access: 'admin' },
        schema: { querystring: AdminUsersQuery, response: { 200: AdminUserPage, ...errors } },
      },
      async (request) => accounts.listUsers(request.query.limit ?? 50, request.query.cursor, request.query.q),
    );

    app.patch(
      '/api/admin/users/:id',
      {
        config: { access: 'admin' },
        schema: { params: IdParams, body: AdminUserPatch, response: { 200: User, ...errors } },
      },
      async (request) => accounts.updateUser(request.userId, request.params.id, request.body, request.ip),
    );

    app.get(
      '/api/admin/invites',
      { config: { access: 'admin' }, schema: { response: { 200: InviteList, ...errors } } },
      async () => accounts.listInvites(),
    );

    // The body is optional: no body makes a 7-day invite for an ordinary user.
    app.post(
      '/api/admin/invites',
      {
        config: { access: 'admin' },
        preValidation: emptyBodyIsObject,
        schema: { body: CreateInviteBody, response: { 201: Invite, ...errors } },
      },
      async (request, reply) =>
        reply.code(201).send(await accounts.createInvite(request.userId, request.body, request.ip)),
    );

    app.delete(
      '/api/admin/invites/:id',
      {
        config: { access: 'admin' },
        schema: { params: IdParams, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        await accounts.revokeInvite(request.userId, request.params.id, request.ip);
        return reply.code(204).send(null);
      },
    );

    // The link points at PUBLIC_URL when set, else at the address the admin is using.
    app.post(
      '/api/admin/users/:id/reset-link',
      {
        config: { access: 'admin' },
        schema: { params: IdParams, response: { 201: ResetLink, ...errors } },
      },
      async (request, reply) => {
        const origin = config.publicUrl ?? `${request.protocol}://${request.host}`;
        return reply
          .code(201)
          .send(await accounts.createResetLink(request.userId, request.params.id, origin, request.ip));
      },
    );

    app.get(
      '/api/admin/audit',
      {
        config: { access: 'admin' },
        schema: { querystring: AuditQuery, response: { 200: AuditPage, ...errors } },
      },
      async (request) => accounts.listAudit(request.query),
    );

    // Each model with its provider's breaker and this instance's last 15 minutes.
    app.get(
      '/api/admin/models',
      { config: { access: 'admin' }, schema: { response: { 200: AdminModelList, ...errors } } },
      async () => ({
        models: (models?.list() ?? []).map((model) => ({
          id: model.id,
          name: model.name,
          provider: model.provider,
          available: model.available,
          // Models without a breaker (demo, local) are always reachable: closed.
          breaker: model.breaker ?? 'closed',
          retryInMs: models?.get(model.id)?.breakerRetryInMs?.() ?? null,
          recent: modelStats?.recent(model.id) ?? {
            requests: 0,
            errors: 0,
            errorRate: null,
            ttftMsP50: null,
          },
        })),
      }),
    );
  };
}
