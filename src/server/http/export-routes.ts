import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorSchema, IdParams } from '../../shared/api-schemas.js';
import { ExportQuery, ImportResult } from '../../shared/export-schemas.js';
import type { ArchiveService } from '../chat/archive-service.js';
import type { ImportTicket } from '../chat/import-gate.js';
import { timeSlicer } from '../chat/time-slice.js';
import { AppError } from '../errors.js';
import { readBodyText } from './body-text.js';
import { contentDisposition } from './content-disposition.js';
import { parseJsonSliced } from './sliced-json.js';

/** A ChatGPT `conversations.json` is large: this route alone takes bodies up to 20 MiB. */
export const IMPORT_BODY_LIMIT_BYTES = 20 * 1024 * 1024;

const errors = { 400: ErrorSchema, 404: ErrorSchema };

/** An admitted import: released by the handler once it ran, else when the request ends. */
interface Admission {
  ticket: ImportTicket;
  state: 'admitted' | 'handling' | 'done';
}

export interface ExportRouteDeps {
  archive: Pick<ArchiveService, 'export' | 'admitImport' | 'import'>;
}

export function exportRoutes({ archive }: ExportRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/conversations/:id/export',
      {
        schema: {
          params: IdParams,
          querystring: ExportQuery,
          // Sent as is (a string with its content type): the JSON is pretty-printed for people.
          response: { 200: Type.String({ description: 'The file: Parley JSON or Markdown' }), ...errors },
        },
      },
      async (request, reply) => {
        const file = await archive.export(
          request.userId,
          request.params.id,
          request.query.format === 'markdown' ? 'markdown' : 'json',
          { files: request.query.files === 'reference' ? 'reference' : 'embed' },
        );
        return reply
          .header('content-type', file.contentType)
          .header(
            'content-disposition',
            contentDisposition('attachment', `${file.title}.${file.extension}`, 'conversation'),
          )
          .header('cache-control', 'no-store')
          .send(file.body);
      },
    );

    // Imports read their body as it arrives (body-text.ts) and parse the JSON in time slices
    // (sliced-json.ts); this plugin's routes only.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', async (request: FastifyRequest, payload: Readable) => {
      const slice = timeSlicer();
      const text = await readBodyText(request, payload);
      // A large body's last chunk and join were a step of their own: the parse starts a new slice.
      await slice();
      return parseJsonSliced(text, slice);
    });

    const admissions = new WeakMap<FastifyRequest, Admission>();
    const releaseUnlessHandled = (request: FastifyRequest) => {
      const admission = admissions.get(request);
      if (admission?.state !== 'admitted') return;
      admission.state = 'done';
      admission.ticket
        .release()
        .catch((error: unknown) => request.log.warn({ err: error }, 'releasing an import claim failed'));
    };

    app.post(
      '/api/conversations/import',
      {
        bodyLimit: IMPORT_BODY_LIMIT_BYTES,
        // Any JSON: the domain checks it against the Parley and ChatGPT schemas itself, to name
        // the exact place a file goes wrong (a union schema here would only say "no match").
        schema: {
          body: Type.Unknown({ description: 'A Parley export or ChatGPT conversations.json' }),
          response: { 201: ImportResult, ...errors, 413: ErrorSchema, 429: ErrorSchema },
        },
        // Admitted before the body is read: a refused import never costs its parse (import-gate.ts).
        preParsing: async (request, reply, payload) => {
          admissions.set(request, { ticket: await archive.admitImport(request.userId), state: 'admitted' });
          // A request that ends before its handler runs (bad JSON, client gone) gives it back here.
          reply.raw.once('close', () => releaseUnlessHandled(request));
          return payload;
        },
        onResponse: async (request) => releaseUnlessHandled(request),
      },
      async (request, reply) => {
        const admission = admissions.get(request);
        if (admission?.state !== 'admitted') {
          throw new AppError('bad_request', 'The import request ended before it could run.');
        }
        admission.state = 'handling';
        try {
          const result = await archive.import(request.userId, request.body);
          return reply.code(201).send(result);
        } finally {
          admission.state = 'done';
          await admission.ticket
            .release()
            .catch((error: unknown) => request.log.warn({ err: error }, 'releasing an import claim failed'));
        }
      },
    );
  };
}
