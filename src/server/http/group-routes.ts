import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import {
  CreateGroupBody,
  Group,
  GroupList,
  GroupMemberList,
  GroupMemberParams,
  GroupPatch,
} from '../../shared/group-schemas.js';
import type { GroupsService } from '../auth/groups-service.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

export interface GroupRouteDeps {
  groups: Pick<
    GroupsService,
    'list' | 'create' | 'update' | 'remove' | 'members' | 'addMember' | 'removeMember'
  >;
}

/** Groups (admins only): shared token quotas and the models and tools members may use. */
export function groupRoutes({ groups }: GroupRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/admin/groups',
      { config: { access: 'admin' }, schema: { response: { 200: GroupList, ...errors } } },
      async () => groups.list(),
    );

    app.post(
      '/api/admin/groups',
      {
        config: { access: 'admin' },
        schema: { body: CreateGroupBody, response: { 201: Group, ...errors } },
      },
      async (request, reply) =>
        reply.code(201).send(await groups.create(request.userId, request.body, request.ip)),
    );

    app.patch(
      '/api/admin/groups/:id',
      {
        config: { access: 'admin' },
        schema: { params: IdParams, body: GroupPatch, response: { 200: Group, ...errors } },
      },
      async (request) => groups.update(request.userId, request.params.id, request.body, request.ip),
    );

    app.delete(
      '/api/admin/groups/:id',
      {
        config: { access: 'admin' },
        schema: { params: IdParams, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        await groups.remove(request.userId, request.params.id, request.ip);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/admin/groups/:id/members',
      {
        config: { access: 'admin' },
        schema: { params: IdParams, response: { 200: GroupMemberList, ...errors } },
      },
      async (request) => groups.members(request.params.id),
    );

    // Idempotent: adding a member twice changes nothing; a membership from SSO becomes the admin's.
    app.put(
      '/api/admin/groups/:id/members/:userId',
      {
        config: { access: 'admin' },
        schema: { params: GroupMemberParams, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        await groups.addMember(request.userId, request.params.id, request.params.userId, request.ip);
        return reply.code(204).send(null);
      },
    );

    app.delete(
      '/api/admin/groups/:id/members/:userId',
      {
        config: { access: 'admin' },
        schema: { params: GroupMemberParams, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        await groups.removeMember(request.userId, request.params.id, request.params.userId, request.ip);
        return reply.code(204).send(null);
      },
    );
  };
}
