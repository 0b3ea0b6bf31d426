import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseBlobStore } from '../src/server/files/database-blob-store.js';
import { openStore } from '../src/server/store/database.js';
import { blobStoreConformance } from './helpers/blob-store-conformance.js';
import { createPostgresDatabase, storeTargets, type TestDatabase } from './helpers/databases.js';
import { multipartFile } from './helpers/multipart.js';
import { postgresTestUrl, redisTestUrl, uniquePrefix } from './helpers/redis.js';
import { type LocalS3, startS3Server } from './helpers/s3-server.js';
import { parseSse, textOf } from './helpers/sse.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

// FILE_STORE=database on every dialect (the same conformance suite the filesystem and S3 stores
// pass in blob-stores.test.ts), the whole attachment path on each kind of store, and two instances
// on PostgreSQL serving each other's files.

for (const target of storeTargets()) {
  blobStoreConformance(`database store on ${target.name}`, async () => {
    const database: TestDatabase = await target.create();
    const store = await openStore(database.url);
    return {
      store: new DatabaseBlobStore(store),
      async cleanup() {
        await store.close();
        await database.drop();
      },
    };
  });
}

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

const image = () =>
  sharp({ create: { width: 320, height: 200, channels: 3, background: '#2266aa' } })
    .png()
    .toBuffer();

async function upload(t: TestApp, bytes: Uint8Array, name: string) {
  const { payload, headers } = multipartFile(bytes, name);
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/files',
    payload,
    headers: { ...headers, 'x-parley-upload': '1' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

async function sendWith(t: TestApp, conversationId: string, fileId: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/conversations/${conversationId}/messages`,
    headers: { accept: 'text/event-stream' },
    payload: { content: 'What is this?', files: [fileId] },
  });
  expect(res.statusCode, res.body).toBe(200);
  return textOf(parseSse(res.body));
}

async function conversationOn(t: TestApp) {
  return (await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })).json().id as string;
}

describe('the attachment path on every FILE_STORE', () => {
  let s3: LocalS3;
  let dir: string;
  beforeAll(async () => {
    s3 = await startS3Server('parley-files');
    dir = mkdtempSync(path.join(os.tmpdir(), 'parley-files-'));
  });
  afterAll(async () => {
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stores: Record<string, () => Record<string, string>> = {
    database: () => ({ FILE_STORE: 'database' }),
    filesystem: () => ({ FILE_STORE: 'filesystem', FILES_DIR: dir }),
    s3: () => ({
      FILE_STORE: 's3',
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_PREFIX: 'parley',
    }),
  };

  for (const [kind, env] of Object.entries(stores)) {
    it(`${kind}: upload, send, read back, and the bytes go when the conversation does`, async () => {
      const t = await createTestApp({ env: env() });
      apps.push(t);
      const bytes = await image();
      const file = await upload(t, bytes, 'diagram.png');
      const conversationId = await conversationOn(t);
      expect(await sendWith(t, conversationId, file.id)).toContain('diagram.png (image/png');
      const got = await t.app.inject({ method: 'GET', url: `/api/files/${file.id}` });
      expect(Buffer.compare(got.rawPayload, bytes)).toBe(0);

      expect(
        (await t.app.inject({ method: 'DELETE', url: `/api/conversations/${conversationId}` })).statusCode,
      ).toBe(204);
      await t.app.parley.files.sweep();
      expect(await t.app.parley.files.blobs.get(`files/${file.id}`)).toBeUndefined();
      expect(await t.app.parley.files.blobs.get(`previews/${file.id}`)).toBeUndefined();
      if (kind === 'filesystem') {
        const left = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) =>
          entry.isFile(),
        );
        expect(left).toEqual([]);
      }
    });
  }
});

const pgUrl = postgresTestUrl();
const redisUrl = redisTestUrl();

describe('two instances on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    if (pgUrl) database = await createPostgresDatabase(pgUrl);
  });
  afterAll(async () => database?.drop());

  it.skipIf(!pgUrl || !redisUrl)(
    'serve each other’s files (FILE_STORE=database): a reload on B shows A’s upload',
    async () => {
      const shared = {
        DATABASE_URL: database.url,
        REDIS_URL: redisUrl as string,
        REDIS_KEY_PREFIX: uniquePrefix(),
      };
      const a = await createTestApp({ env: shared });
      apps.push(a);
      const b = await createTestApp({ env: shared });
      apps.push(b);
      const bytes = await image();
      const file = await upload(a, bytes, 'from-a.png');
      const onB = await b.app.inject({ method: 'GET', url: `/api/files/${file.id}` });
      expect(onB.statusCode).toBe(200);
      expect(Buffer.compare(onB.rawPayload, bytes)).toBe(0);
      expect((await b.app.inject({ method: 'GET', url: `/api/files/${file.id}/preview` })).statusCode).toBe(
        200,
      );
      // Sent on B, in a conversation made on A.
      const conversationId = await conversationOn(a);
      expect(await sendWith(b, conversationId, file.id)).toContain('from-a.png (image/png');
    },
  );
});

for (const target of storeTargets()) {
  describe(`search on ${target.name}`, () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await target.create();
    });
    afterAll(async () => database?.drop());

    it('finds a message by the text of a document it carries', async () => {
      const t = await createTestApp({ env: { DATABASE_URL: database.url } });
      apps.push(t);
      const report = await upload(
        t,
        Buffer.from('Zebracorn quarterly figures rose by nine percent.'),
        'q3.md',
      );
      const conversationId = await conversationOn(t);
      await sendWith(t, conversationId, report.id);
      const res = await t.app.inject({ method: 'GET', url: '/api/search?q=zebracorn' });
      expect(res.statusCode).toBe(200);
      const hits = res.json().items as { conversationId: string; messageId: string | null; role: string }[];
      const user = hits.find((hit) => hit.role === 'user');
      expect(user).toMatchObject({ conversationId });
      const page = (
        await t.app.inject({ method: 'GET', url: `/api/conversations/${conversationId}/messages` })
      ).json();
      expect(page.items.find((m: { role: string }) => m.role === 'user').id).toBe(user?.messageId);
    });
  });
}
