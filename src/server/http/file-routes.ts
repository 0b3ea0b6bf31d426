import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import { FileInfo } from '../../shared/message-parts.js';
import { AppError } from '../errors.js';
import type { FileService } from '../files/file-service.js';
import { sendFile } from './send-file.js';

const errors = { 400: ErrorSchema, 404: ErrorSchema };
/** The owner's own files: cacheable by their browser only. */
const PRIVATE = 'private, max-age=3600';

export interface FileRouteDeps {
  files: Pick<
    FileService,
    'claimUpload' | 'upload' | 'read' | 'preview' | 'remove' | 'maxFileBytes' | 'tooLarge'
  >;
}

/** A body the multipart parser cannot read (no boundary, cut off, malformed) is the client's fault. */
function unreadableBody(error: unknown): never {
  if (error instanceof AppError) throw error;
  if ((error as { statusCode?: number }).statusCode === 413) {
    throw new AppError(
      'payload_too_large',
      'Send one file per request, in a field named "file", and nothing else.',
    );
  }
  const reason = error instanceof Error ? error.message : String(error);
  throw new AppError('bad_request', `The multipart body could not be read (${reason}).`, { cause: error });
}

export function fileRoutes({ files }: FileRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Multipart only in this plugin: every other route still accepts JSON alone. One part (the
    // file), bounded; a bigger file is cut off at the limit with a 413, not read to the end.
    await app.register(multipart, {
      limits: { fileSize: files.maxFileBytes, files: 1, fields: 0, parts: 1, headerPairs: 50 },
    });

    app.post(
      '/api/files',
      { schema: { response: { 201: FileInfo, ...errors, 413: ErrorSchema, 415: ErrorSchema } } },
      async (request, reply) => {
        if (!request.isMultipart()) {
          throw new AppError(
            'unsupported_media_type',
            'Send the file as multipart/form-data in a field named "file".',
          );
        }
        const release = files.claimUpload(request.userId);
        try {
          const part = await request.file().catch(unreadableBody);
          if (part?.fieldname !== 'file') {
            throw new AppError('validation_error', 'Send the file in a multipart field named "file".');
          }
          const bytes = await part.toBuffer().catch((error: unknown) => {
            if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw files.tooLarge();
            return unreadableBody(error);
          });
          const info = await files.upload(request.userId, { name: part.filename, bytes });
          return reply.code(201).send(info);
        } finally {
          release();
        }
      },
    );

    app.get(
      '/api/files/:id',
      { schema: { params: IdParams, response: { ...errors } } },
      async (request, reply) => {
        const { file, bytes } = await files.read(request.userId, request.params.id);
        return sendFile(reply, { bytes, mediaType: file.media_type, fileName: file.name }, PRIVATE);
      },
    );

    app.get(
      '/api/files/:id/preview',
      { schema: { params: IdParams, response: { ...errors } } },
      async (request, reply) => {
        const bytes = await files.preview(request.userId, request.params.id);
        return sendFile(reply, { bytes, mediaType: 'image/webp', fileName: 'preview.webp' }, PRIVATE);
      },
    );

    app.delete(
      '/api/files/:id',
      { schema: { params: IdParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        await files.remove(request.userId, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
