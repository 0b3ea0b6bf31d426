import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import { BulkBody, BulkResult, Folder, FolderBody, FolderList } from '../../shared/organise-schemas.js';
import type { OrganiseService } from '../chat/organise-service.js';

const errors = { 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };

export interface FolderRouteDeps {
  organise: Pick<OrganiseService, 'listFolders' | 'createFolder' | 'renameFolder' | 'deleteFolder' | 'bulk'>;
}

/** The caller's folders, and bulk delete / archive / move of their conversations. */
export function folderRoutes({ organise }: FolderRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/api/folders', { schema: { response: { 200: FolderList, ...errors } } }, async (request) =>
      organise.listFolders(request.userId),
    );

    app.post(
      '/api/folders',
      { schema: { body: FolderBody, response: { 201: Folder, ...errors } } },
      async (request, reply) =>
        reply.code(201).send(await organise.createFolder(request.userId, request.body.name)),
    );

    app.patch(
      '/api/folders/:id',
      { schema: { params: IdParams, body: FolderBody, response: { 200: Folder, ...errors } } },
      async (request) => organise.renameFolder(request.userId, request.params.id, request.body.name),
    );

    app.delete(
      '/api/folders/:id',
      { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await organise.deleteFolder(request.userId, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/conversations/bulk',
      { schema: { body: BulkBody, response: { 200: BulkResult, ...errors } } },
      async (request) => organise.bulk(request.userId, request.body),
    );
  };
}
