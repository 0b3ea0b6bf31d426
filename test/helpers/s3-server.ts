import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A local S3 for the tests: s3rver (CommonJS, no type declarations, hence the small interface below)
 * behind a front that checks SigV4 signatures. s3rver itself accepts any V4 signature whose access key
 * id it knows, so without the front a wrong secret would go unnoticed.
 */

interface S3rverOptions {
  silent: boolean;
  directory: string;
  configureBuckets: { name: string; configs: string[] }[];
}

interface S3rverInstance {
  callback(): (request: IncomingMessage, response: ServerResponse) => void;
  configureBuckets(): Promise<void>;
  logger: { close(): void };
}

const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverInstance;

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  close(): Promise<void>;
}

/** The key pair s3rver knows. */
const accessKeyId = 'S3RVER';
const secretAccessKey = 'S3RVER';

export async function startS3Server(bucket = 'parley-test'): Promise<LocalS3> {
  const directory = await mkdtemp(join(tmpdir(), 'parley-s3rver-'));
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();

  const server = createServer((request, response) => {
    const refusal = checkSignature(request);
    if (refusal === undefined) return handle(request, response);
    // Read the body first: answering mid-upload makes the client see a reset, not the error.
    request.resume();
    request.on('end', () => {
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal}</Code><Message>${
          refusal === 'SignatureDoesNotMatch'
            ? 'The request signature we calculated does not match the signature you provided.'
            : 'Access denied.'
        }</Message></Error>`,
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId,
    secretAccessKey,
    region: 'us-east-1',
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      s3rver.logger.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** An S3 error code when the request is not signed (SigV4, header form) with the known key pair. */
function checkSignature(request: IncomingMessage): string | undefined {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      request.headers.authorization ?? '',
    );
  if (!match) return 'AccessDenied';
  const [, keyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = match;
  if (keyId !== accessKeyId) return 'InvalidAccessKeyId';

  const [path = '/', query = ''] = (request.url ?? '/').split('?', 2);
  const canonicalRequest = [
    request.method,
    path,
    canonicalQuery(query),
    `${signedHeaders
      .split(';')
      .map((name) => `${name}:${headerValue(request, name)}`)
      .join('\n')}\n`,
    signedHeaders,
    headerValue(request, 'x-amz-content-sha256'),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    headerValue(request, 'x-amz-date'),
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`);
  for (const part of [date, region, service, 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, stringToSign);
  return timingSafeEqual(expected, Buffer.from(signature, 'hex')) ? undefined : 'SignatureDoesNotMatch';
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function headerValue(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
}

/** Parameters sorted, each name and value encoded the RFC 3986 way (the SigV4 rule). */
function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at === -1 ? pair : pair.slice(0, at);
      const value = at === -1 ? '' : pair.slice(at + 1);
      return [rfc3986(decodeURIComponent(name)), rfc3986(decodeURIComponent(value))] as const;
    })
    .sort(([a, x], [b, y]) => (a === b ? compare(x, y) : compare(a, b)))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
