import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemBlobStore } from '../src/server/files/filesystem-blob-store.js';
import { S3BlobStore } from '../src/server/files/s3-blob-store.js';
import { blobStoreConformance } from './helpers/blob-store-conformance.js';
import { type LocalS3, startS3Server } from './helpers/s3-server.js';

async function tempDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'parley-blobs-'));
}

/** Every file and folder under `directory`, as relative paths. */
async function tree(directory: string): Promise<string[]> {
  return (await readdir(directory, { recursive: true })).sort();
}

blobStoreConformance('filesystem', async () => {
  const parent = await tempDirectory();
  // A directory that does not exist yet: the store creates it on first use.
  const store = new FilesystemBlobStore({ directory: join(parent, 'blobs') });
  return { store, cleanup: () => rm(parent, { recursive: true, force: true }) };
});

blobStoreConformance('s3 (s3rver)', async () => {
  const s3 = await startS3Server();
  const store = new S3BlobStore({ ...s3, forcePathStyle: true, prefix: 'parley' });
  return { store, cleanup: () => s3.close() };
});

describe('FilesystemBlobStore against hostile keys', () => {
  let parent: string;
  let directory: string;
  let store: FilesystemBlobStore;

  beforeAll(async () => {
    parent = await tempDirectory();
    directory = join(parent, 'outer', 'blobs');
    await mkdir(directory, { recursive: true });
    store = new FilesystemBlobStore({ directory });
  });
  afterAll(() => rm(parent, { recursive: true, force: true }));

  const hostile = ['../../etc/passwd', '/abs', 'a/../../b', 'a\\b', 'a\0b', '', '..', 'a/./b', 'a//b', 'a/'];

  it.each(hostile.map((key) => [JSON.stringify(key), key]))(
    'refuses %s and writes nothing',
    async (_, key) => {
      const bytes = new TextEncoder().encode('pwned');
      await expect(store.put(key, bytes, 'text/plain')).rejects.toThrow(/Refused blob key/);
      await expect(store.get(key)).rejects.toThrow(/Refused blob key/);
      await expect(store.delete(['fine', key])).rejects.toThrow(/Refused blob key/);
      expect(await tree(parent)).toEqual(['outer', join('outer', 'blobs')]);
    },
  );

  it('fans files out by the first two characters of the key', async () => {
    await store.put('ab12cd', new Uint8Array([1]), 'text/plain');
    await store.put('..x', new Uint8Array([2]), 'text/plain');
    const files = await tree(directory);
    expect(files).toContain(join('ab', 'ab12cd'));
    // `..` as the first two characters must not become the fan-out folder.
    expect(files).toContain(join('__', '..x'));
    await store.delete(['ab12cd', '..x']);
  });

  it('still answers after a failed write, and leaves no temporary file behind', async () => {
    // `zz/inner` makes `zz` a folder, so writing a blob named `zz` fails at the rename.
    await store.put('zz/inner', new Uint8Array([1]), 'text/plain');
    await expect(store.put('zz', new Uint8Array([2]), 'text/plain')).rejects.toThrow();
    expect((await tree(directory)).filter((path) => path.endsWith('.tmp'))).toEqual([]);

    await store.put('after', new Uint8Array([3]), 'text/plain');
    expect([...((await store.get('after')) ?? [])]).toEqual([3]);
    expect([...((await store.get('zz/inner')) ?? [])]).toEqual([1]);
  });
});

describe('S3BlobStore failures', () => {
  let s3: LocalS3;

  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(() => s3.close());

  it('stores under the prefix, with the media type', async () => {
    const store = new S3BlobStore({ ...s3, forcePathStyle: true, prefix: '/tenant-a/' });
    await store.put('k1', new Uint8Array([7]), 'image/webp');
    await store.close();

    const client = new S3Client({
      region: s3.region,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'tenant-a/k1' }));
      expect(object.ContentType).toBe('image/webp');
      expect([...((await object.Body?.transformToByteArray()) ?? [])]).toEqual([7]);
    } finally {
      client.destroy();
    }
  });

  it('gives a clear error for a wrong secret, never "no such blob"', async () => {
    const store = new S3BlobStore({ ...s3, forcePathStyle: true, secretAccessKey: 'not-the-secret' });
    try {
      await expect(store.get('missing')).rejects.toThrow(
        /S3 GetObject on bucket "parley-test" failed: .*SignatureDoesNotMatch/,
      );
      const failure = await store
        .put('k', new Uint8Array([1]), 'text/plain')
        .catch((error: unknown) => error);
      expect(String(failure)).toMatch(/SignatureDoesNotMatch/);
      expect(String(failure)).not.toContain('not-the-secret');
    } finally {
      await store.close();
    }
  });

  it('gives an error, not undefined, for a bucket that does not exist', async () => {
    const store = new S3BlobStore({ ...s3, bucket: 'no-such-bucket', forcePathStyle: true });
    try {
      await expect(store.get('k')).rejects.toThrow(/NoSuchBucket/);
    } finally {
      await store.close();
    }
  });

  it('fails fast when nothing listens at the endpoint', async () => {
    const port = await closedPort();
    const store = new S3BlobStore({
      ...s3,
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    try {
      const started = performance.now();
      await expect(store.get('k')).rejects.toThrow(/S3 GetObject .*failed: .*ECONNREFUSED/);
      // A hang guard only: the error above says it was refused, not retried into a long wait.
      expect(performance.now() - started, 'hang guard').toBeLessThan(20_000);
    } finally {
      await store.close();
    }
  });

  it('fails within the request timeout when the server never answers', async () => {
    const silent = await silentServer();
    const store = new S3BlobStore({
      ...s3,
      endpoint: `http://127.0.0.1:${silent.port}`,
      forcePathStyle: true,
      requestTimeoutMs: 300,
      maxAttempts: 2,
    });
    try {
      const started = performance.now();
      await expect(store.put('k', new Uint8Array([1]), 'text/plain')).rejects.toThrow(
        /S3 PutObject .*failed: TimeoutError/,
      );
      // The TimeoutError above is the request timeout firing; this is only a hang guard (two
      // attempts of 300 ms plus the SDK's back-off, far below it even on a loaded machine).
      expect(performance.now() - started, 'hang guard').toBeLessThan(20_000);
    } finally {
      await store.close();
      await silent.close();
    }
  });
});

/** A port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Accepts connections, reads everything, answers nothing. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
    socket.on('close', () => sockets.delete(socket));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
