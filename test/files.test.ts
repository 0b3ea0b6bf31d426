import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { contentDisposition } from '../src/server/http/content-disposition.js';
import { Client } from './helpers/clients.js';
import { multipartFile } from './helpers/multipart.js';
import { parseSse, partsOf as sseParts, textOf } from './helpers/sse.js';
import { createTestApp, type TestApp, tableCounts } from './helpers/test-app.js';

// Attachments through the HTTP API, as a user (and an attacker) meets them: upload, read, send
// in a message the demo model describes, limits, and other users' files.

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.close();
});

async function app(env: Record<string, string> = {}) {
  const t = await createTestApp({ env: { AUTH_MODE: 'local', ...env } });
  apps.push(t);
  return t;
}

async function user(t: TestApp, name: string) {
  const client = new Client(t.app);
  await client.signup(name);
  return client;
}

const png = (width = 64, height = 48) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 90 } } })
    .png()
    .toBuffer();

async function upload(client: Client, bytes: Uint8Array, name: string) {
  const { payload, headers } = multipartFile(bytes, name);
  return client.request('POST', '/api/files', payload, headers);
}

async function conversation(client: Client) {
  const res = await client.request('POST', '/api/conversations', {});
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}

/** Send and read the whole reply stream; returns the status and the streamed text. */
async function send(client: Client, conversationId: string, body: object) {
  const res = await client.request('POST', `/api/conversations/${conversationId}/messages`, body, {
    accept: 'text/event-stream',
  });
  return {
    status: res.statusCode,
    body: res.body,
    text: res.statusCode === 200 ? textOf(parseSse(res.body)) : '',
  };
}

describe('files', () => {
  it('uploads an image, serves it back safely, previews it, and deletes it', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const bytes = await png();
    const created = await upload(alice, bytes, 'screen shot.png');
    expect(created.statusCode).toBe(201);
    const info = created.json();
    expect(info).toMatchObject({ name: 'screen shot.png', mediaType: 'image/png', size: bytes.byteLength });

    const got = await alice.request('GET', `/api/files/${info.id}`);
    expect(got.statusCode).toBe(200);
    expect(Buffer.compare(got.rawPayload, bytes)).toBe(0);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.headers['content-disposition']).toContain('inline; filename="screen shot.png"');

    const preview = await alice.request('GET', `/api/files/${info.id}/preview`);
    expect(preview.statusCode).toBe(200);
    expect(preview.headers['content-type']).toBe('image/webp');
    expect((await sharp(preview.rawPayload).metadata()).width).toBeLessThanOrEqual(256);

    expect((await alice.request('DELETE', `/api/files/${info.id}`)).statusCode).toBe(204);
    expect((await alice.request('GET', `/api/files/${info.id}`)).statusCode).toBe(404);
  });

  it('sends a message with an image and a document; the model gets both and the reply says so', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const image = (await upload(alice, await png(640, 480), 'chart.png')).json();
    const notes = (
      await upload(alice, Buffer.from('Quarterly report for Parley: revenue grew.'), 'notes.md')
    ).json();
    const id = await conversation(alice);
    const reply = await send(alice, id, { content: 'What do you see?', files: [image.id, notes.id] });
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('chart.png');
    expect(reply.text).toContain('640×480');
    expect(reply.text).toContain('notes.md');
    expect(reply.text).toContain('Quarterly report for Parley');

    // The stored message keeps its parts (files first, then the text) and its plain text.
    const page = (await alice.request('GET', `/api/conversations/${id}/messages`)).json();
    const question = page.items.find((m: { role: string }) => m.role === 'user');
    expect(question.content).toBe('What do you see?');
    expect(question.parts).toEqual([
      expect.objectContaining({
        type: 'file',
        fileId: image.id,
        filename: 'chart.png',
        mediaType: 'image/png',
      }),
      expect.objectContaining({
        type: 'file',
        fileId: notes.id,
        filename: 'notes.md',
        url: `/api/files/${notes.id}`,
      }),
      { type: 'text', text: 'What do you see?' },
    ]);
  });

  it("a file the model makes streams as a file part, is kept as the user's, and stays in the reply", async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const id = await conversation(alice);
    const res = await alice.request(
      'POST',
      `/api/conversations/${id}/messages`,
      { content: '/image a lighthouse' },
      {
        accept: 'text/event-stream',
      },
    );
    expect(res.statusCode).toBe(200);
    const parts = sseParts(parseSse(res.body));
    const file = parts.find((part) => part.type === 'file') as { url: string; mediaType: string } | undefined;
    expect(file).toMatchObject({ mediaType: 'image/png', url: expect.stringMatching(/^\/api\/files\//) });
    // Before the end of the stream (the client can show it at once).
    expect(parts.findIndex((part) => part.type === 'file')).toBeLessThan(
      parts.findIndex((part) => part.type === 'finish'),
    );
    const bytes = await alice.request('GET', file?.url as string);
    expect(bytes.statusCode).toBe(200);
    expect((await sharp(bytes.rawPayload).metadata()).format).toBe('png');
    const page = (await alice.request('GET', `/api/conversations/${id}/messages`)).json();
    const reply = page.items.find((m: { role: string }) => m.role === 'assistant');
    expect(reply.parts.at(-1)).toMatchObject({ type: 'file', mediaType: 'image/png', url: file?.url });
    expect(reply.parts[0]).toMatchObject({ type: 'text' });
    // Nobody else can read it.
    const mallory = await user(t, 'mallory');
    expect((await mallory.request('GET', file?.url as string)).statusCode).toBe(404);
  });

  it('regenerating a reply sends the attachments again', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const image = (await upload(alice, await png(300, 200), 'again.png')).json();
    const id = await conversation(alice);
    expect((await send(alice, id, { content: 'What is it?', files: [image.id] })).text).toContain('300×200');
    const page = (await alice.request('GET', `/api/conversations/${id}/messages`)).json();
    const reply = page.items.find((m: { role: string }) => m.role === 'assistant');
    const again = await alice.request(
      'POST',
      `/api/messages/${reply.id}/regenerate`,
      {},
      { accept: 'text/event-stream' },
    );
    expect(again.statusCode).toBe(200);
    expect(textOf(parseSse(again.body))).toContain('again.png (image/png');
  });

  it('refuses an image for a model that cannot read images, before any model call, writing nothing', async () => {
    const t = await createTestApp({
      env: { AUTH_MODE: 'local' },
      models: [
        {
          id: 'text-only',
          model: (await import('../src/server/ai/demo-model.js')).createDemoModel({ delayMs: 0 }),
        },
      ],
    });
    apps.push(t);
    const alice = await user(t, 'alice');
    const image = (await upload(alice, await png(), 'cat.png')).json();
    const id = await conversation(alice);
    const before = await tableCounts(t.store);
    const res = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'Describe',
      files: [image.id],
      model: 'text-only',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'attachment_not_supported' });
    expect(res.json().error).toContain('cannot read images');
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it("answers 404 for another user's file everywhere: read, preview, delete, send", async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const mallory = await user(t, 'mallory');
    const secret = (await upload(alice, await png(), 'secret.png')).json();
    for (const url of [`/api/files/${secret.id}`, `/api/files/${secret.id}/preview`]) {
      expect((await mallory.request('GET', url)).statusCode).toBe(404);
    }
    expect((await mallory.request('DELETE', `/api/files/${secret.id}`)).statusCode).toBe(404);
    const id = await conversation(mallory);
    const res = await mallory.request('POST', `/api/conversations/${id}/messages`, {
      content: 'look',
      files: [secret.id],
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found' });
    // Still Alice's, untouched.
    expect((await alice.request('GET', `/api/files/${secret.id}`)).statusCode).toBe(200);
  });

  it('refuses a renamed executable, an oversized file and an upload past the quota, keeping nothing', async () => {
    const t = await app({ MAX_FILE_MB: '1', STORAGE_QUOTA_MB: '2' });
    const alice = await user(t, 'alice');
    const before = await tableCounts(t.store);
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4096, 1)]);
    const exe = await upload(alice, elf, 'holiday.png');
    expect(exe.statusCode).toBe(415);
    expect(exe.json().code).toBe('unsupported_media_type');

    const big = await upload(alice, Buffer.alloc(1024 * 1024 + 10, 0x61), 'big.txt');
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'payload_too_large' });
    expect(big.json().error).toContain('1 MB');
    expect(await tableCounts(t.store)).toEqual(before);

    // 0.9 MB files: two fit under 2 MB, the third does not.
    const chunk = Buffer.alloc(900 * 1024, 0x62);
    expect((await upload(alice, chunk, 'a.txt')).statusCode).toBe(201);
    expect((await upload(alice, chunk, 'b.txt')).statusCode).toBe(201);
    const over = await upload(alice, chunk, 'c.txt');
    expect(over.statusCode).toBe(413);
    expect(over.json()).toMatchObject({ code: 'storage_quota_exceeded' });
    expect(over.json().error).toContain('storage quota');
  });

  it('admits parallel uploads only up to the quota (the claim is atomic)', async () => {
    const t = await app({ STORAGE_QUOTA_MB: '1' });
    const alice = await user(t, 'alice');
    const chunk = Buffer.alloc(300 * 1024, 0x63);
    // Three at a time is the per-user cap on uploads in flight; the quota fits three of these.
    const results = [];
    for (let round = 0; round < 2; round++) {
      results.push(...(await Promise.all([0, 1, 2].map((i) => upload(alice, chunk, `f${round}${i}.txt`)))));
    }
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
    expect(results.filter((r) => r.statusCode === 413)).toHaveLength(3);
  });

  it('answers 400 to a broken multipart body (no body, a wrong boundary, a cut-off part)', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const { payload, headers } = multipartFile(Buffer.from('hello'), 'a.txt');
    const bodies: [Record<string, string>, Buffer | undefined][] = [
      [{ 'content-type': 'multipart/form-data; boundary=x' }, undefined],
      [{ 'content-type': 'multipart/form-data; boundary=x' }, Buffer.from('not a multipart body')],
      [{ 'content-type': 'multipart/form-data' }, payload],
      [headers, payload.subarray(0, payload.length - 20)],
    ];
    for (const [extra, body] of bodies) {
      const res = await alice.request('POST', '/api/files', body, extra);
      expect(res.statusCode, res.body).toBe(400);
      expect(['bad_request', 'validation_error']).toContain(res.json().code);
    }
  });

  it('refuses a request that is not multipart, and a file in the wrong field', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const json = await alice.request('POST', '/api/files', { file: 'x' });
    expect(json.statusCode).toBe(415);
    const { payload, headers } = multipartFile(Buffer.from('hello'), 'a.txt', { field: 'upload' });
    const wrong = await alice.request('POST', '/api/files', payload, headers);
    expect(wrong.statusCode).toBe(400);
  });

  it('deleting a conversation deletes its files and their bytes', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const image = (await upload(alice, await png(), 'gone.png')).json();
    const id = await conversation(alice);
    expect((await send(alice, id, { content: 'keep this', files: [image.id] })).status).toBe(200);
    expect((await t.store.db.selectFrom('file_blobs').selectAll().execute()).length).toBe(2); // file + preview
    expect((await alice.request('DELETE', `/api/conversations/${id}`)).statusCode).toBe(204);
    expect((await alice.request('GET', `/api/files/${image.id}`)).statusCode).toBe(404);
    await t.app.parley.files.sweep();
    expect(await t.store.db.selectFrom('file_blobs').selectAll().execute()).toEqual([]);
    expect(await t.store.db.selectFrom('blob_deletions').selectAll().execute()).toEqual([]);
  });

  it('a file sent in one conversation cannot be sent in another', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const notes = (await upload(alice, Buffer.from('shared notes'), 'notes.txt')).json();
    const first = await conversation(alice);
    expect((await send(alice, first, { content: 'one', files: [notes.id] })).status).toBe(200);
    const second = await conversation(alice);
    const res = await alice.request('POST', `/api/conversations/${second}/messages`, {
      content: 'two',
      files: [notes.id],
    });
    expect(res.statusCode).toBe(409);
  });
});

describe('uploads with AUTH_MODE=none (no login: the local-mode guard is the only wall)', () => {
  it('refuses a cross-site form post and a multipart post without the upload header; accepts our own', async () => {
    const t = await createTestApp();
    apps.push(t);
    const { payload, headers } = multipartFile(Buffer.from('hello from the owner'), 'hello.txt');
    const post = (extra: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: '/api/files', payload, headers: { ...headers, ...extra } });
    // What a hostile page can send: a form (no custom header), from its own origin.
    expect((await post({})).statusCode).toBe(415);
    expect((await post({ origin: 'https://evil.example', 'x-parley-upload': '1' })).statusCode).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site', 'x-parley-upload': '1' })).statusCode).toBe(403);
    expect(await t.store.db.selectFrom('files').selectAll().execute()).toEqual([]);
    // The web UI (and a script) send the header.
    expect((await post({ 'x-parley-upload': '1' })).statusCode).toBe(201);
  });
});

describe('files, from the attacker’s side', () => {
  it('a 25 MB upload gets 413 at the default MAX_FILE_MB, and nothing is kept', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const before = await tableCounts(t.store);
    const res = await upload(alice, Buffer.alloc(25 * 1024 * 1024, 0x61), 'huge.txt');
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'payload_too_large' });
    expect(await tableCounts(t.store)).toEqual(before);
  });

  it('an HTML page is served as inert text to download, never as a page of ours', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const page = (
      await upload(alice, Buffer.from('<script>fetch("/api/tokens")</script>'), 'page.html')
    ).json();
    const res = await alice.request('GET', `/api/files/${page.id}`);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    expect(res.headers['content-security-policy']).toContain('sandbox');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('a file name cannot inject headers or paths', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const res = await upload(alice, Buffer.from('plain words'), 'C:\\fakepath\\..\\x\u0001;y.txt');
    expect(res.statusCode).toBe(201);
    expect(res.json().name).toBe('x;y.txt');
    const got = await alice.request('GET', `/api/files/${res.json().id}`);
    expect(got.headers['content-disposition']).toBe(
      `attachment; filename="xy.txt"; filename*=UTF-8''x%3By.txt`,
    );
    // A name with quotes (sent as RFC 8187 filename* by some clients) still gives one quoted name.
    const hostile = contentDisposition('inline', 'evil"; filename=evil.exe; a="b.png');
    expect(hostile.match(/filename="[^"]*"/g)).toEqual(['filename="evil filename=evil.exe a=b.png"']);
  });

  it('a burst of parallel uploads gets at most 3 in flight per user (the rest 429)', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const chunk = Buffer.alloc(2 * 1024 * 1024, 0x64);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => upload(alice, chunk, `b${i}.txt`)));
    const codes = results.map((r) => r.statusCode);
    expect(codes.every((code) => code === 201 || code === 429)).toBe(true);
    expect(codes.filter((code) => code === 201).length).toBeGreaterThanOrEqual(1);
    const refused = results.find((r) => r.statusCode === 429);
    if (refused) expect(refused.headers['retry-after']).toBeDefined();
  });

  it('refuses more than 10 files in a message, and the same file twice', async () => {
    const t = await app();
    const alice = await user(t, 'alice');
    const id = await conversation(alice);
    const ids = Array.from(
      { length: 11 },
      (_, i) => `0196f0b2-3c4d-7e5f-8a9b-0c1d2e3f4a${String(i).padStart(2, '0')}`,
    );
    const many = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'x',
      files: ids,
    });
    expect(many.statusCode).toBe(400);
    const file = (await upload(alice, Buffer.from('twice'), 'twice.txt')).json();
    const twice = await alice.request('POST', `/api/conversations/${id}/messages`, {
      content: 'x',
      files: [file.id, file.id],
    });
    expect(twice.statusCode).toBe(400);
  });
});
