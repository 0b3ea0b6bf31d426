import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
import { contentDisposition } from './content-disposition.js';
import { emptyBodyIsObject } from './empty-body.js';

const errors = { 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema };

/** Types a browser may show in place; anything else is always a download (as file-routes.ts). */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf']);

export interface ShareRouteDeps {
  shares: Pick<ShareService, 'create' | 'list' | 'revoke' | 'read' | 'file' | 'continueAs'>;
}

/** Whoever reads a public route: a signed-in user or API token, else anonymous. */
const viewerOf = (request: FastifyRequest): ShareViewer =>
  request.principal ? { userId: request.principal.userId } : null;

/**
 * A shared file, with the headers file-routes.ts sends for the owner's own files: the type
 * detected at upload (text of any kind as text/plain), `nosniff`, a sandboxing CSP; never stored by
 * a cache, so a revoked link stops serving at once.
 */
function sendSharedFile(reply: FastifyReply, bytes: Uint8Array, mediaType: string, fileName: string) {
  const inline = INLINE_TYPES.has(mediaType);
  const type =
    mediaType.startsWith('text/') || mediaType === 'application/json'
      ? 'text/plain; charset=utf-8'
      : mediaType;
  return reply
    .header('content-type', type)
    .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', fileName))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'no-store')
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * Share links: made, listed and revoked by their owner; read (snapshot and files) by anyone the
 * share's visibility lets in, signed in or not (`access: 'public'`, under the request rate limit
 * by address like the other public routes); continued into a conversation of a signed-in reader.
 */
export function shareRoutes({ shares }: ShareRouteDeps): FastifyPluginAsyncTypebox {
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
        schema: { params: ShareParams, response: { 200: ShareSnapshot, ...errors } },
      },
      async (request, reply) => {
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
          response: { ...errors },
        },
      },
      async (request, reply) => {
        const preview = request.query.preview === true;
        const { file, bytes } = await shares.file(
          request.params.id,
          request.params.fileId,
          viewerOf(request),
          preview,
        );
        return preview
          ? sendSharedFile(reply, bytes, 'image/webp', 'preview.webp')
          : sendSharedFile(reply, bytes, file.media_type, file.name);
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
