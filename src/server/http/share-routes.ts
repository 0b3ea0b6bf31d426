import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import {
  Share,
  ShareBody,
  ShareContinued,
  ShareFileParams,
  ShareList,
  ShareParams,
  ShareSnapshot,
} from '../../shared/share-schemas.js';
import type { ShareService, ShareViewer } from '../chat/share-service.js';
import { DownloadSlots } from './download-slots.js';
import { emptyBodyIsObject } from './empty-body.js';
import { sendFile } from './send-file.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema };

export interface ShareRouteDeps {
  shares: Pick<ShareService, 'create' | 'list' | 'revoke' | 'read' | 'file' | 'continueAs'>;
  /** Snapshots and files in flight (read whole into memory): 4 per address, 32 in all by default. */
  slots?: DownloadSlots;
}

/** Whoever reads a public route: a signed-in user or API token, else anonymous. */
const viewerOf = (request: FastifyRequest): ShareViewer =>
  request.principal ? { userId: request.principal.userId } : null;

/**
 * Share links: made, listed and revoked by their owner; read (snapshot and files) by anyone the
 * share's visibility lets in, signed in or not (`access: 'public'`, under the request rate limit
 * by address like the other public routes); continued into a conversation of a signed-in reader.
 */
export function shareRoutes({
  shares,
  slots = new DownloadSlots({ perAddress: 4, total: 32 }),
}: ShareRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/conversations/:id/share',
      {
        preValidation: emptyBodyIsObject,
        schema: {
          params: IdParams,
          body: ShareBody,
          response: { 201: Share, ...errors, 409: ErrorSchema, 413: ErrorSchema },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await shares.create(request.userId, request.params.id, request.body.visibility ?? 'users')),
    );

    app.get('/api/shares', { schema: { response: { 200: ShareList, ...errors } } }, async (request) =>
      shares.list(request.userId),
    );

    app.get(
      '/api/shares/:id',
      {
        config: { access: 'public' },
        schema: { params: ShareParams, response: { 200: ShareSnapshot, ...errors, 429: ErrorSchema } },
      },
      async (request, reply) => {
        slots.claim(request.ip, reply);
        const snapshot = await shares.read(request.params.id, viewerOf(request));
        // Never kept by a cache: a revoked link must stop at once, and a streaming reply grows.
        return reply.header('cache-control', 'no-store').send(snapshot);
      },
    );

    app.delete(
      '/api/shares/:id',
      { schema: { params: ShareParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await shares.revoke(request.userId, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/shares/:id/files/:fileId',
      {
        config: { access: 'public' },
        schema: {
          params: ShareFileParams,
          querystring: Type.Object({
            preview: Type.Optional(Type.Boolean({ description: "An image's thumbnail (WebP)" })),
          }),
          response: { ...errors, 429: ErrorSchema },
        },
      },
      async (request, reply) => {
        slots.claim(request.ip, reply);
        const preview = request.query.preview === true;
        const { file, bytes } = await shares.file(
          request.params.id,
          request.params.fileId,
          viewerOf(request),
          preview,
        );
        // Never stored by a cache: a revoked link stops serving at once.
        const sent = preview
          ? { bytes, mediaType: 'image/webp', fileName: 'preview.webp' }
          : { bytes, mediaType: file.media_type, fileName: file.name };
        return sendFile(reply, sent, 'no-store');
      },
    );

    app.post(
      '/api/shares/:id/continue',
      {
        schema: {
          params: ShareParams,
          response: { 201: ShareContinued, ...errors, 413: ErrorSchema, 429: ErrorSchema },
        },
      },
      async (request, reply) =>
        reply.code(201).send(await shares.continueAs(request.params.id, request.userId)),
    );
  };
}
