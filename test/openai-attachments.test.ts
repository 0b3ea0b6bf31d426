import http from 'node:http';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText } from 'ai';
import OpenAI from 'openai';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDemoModel } from '../src/server/ai/demo-model.js';
import type { ModelReader } from '../src/server/files/prompt-attachments.js';
import type { AddressPolicy, RemoteFetchOptions } from '../src/server/files/remote-fetch.js';
import { attachmentLimits, bodyLimitFor } from '../src/server/openai/attachment-limits.js';
import { type FetchImage, resolvePrompt } from '../src/server/openai/attachments.js';
import { toCompletionCall } from '../src/server/openai/request.js';
import type { ChatCompletionRequest } from '../src/shared/openai-schemas.js';
import { Client } from './helpers/clients.js';
import { makePdf } from './helpers/documents.js';
import { createTestApp, type TestApp, type TestAppOptions } from './helpers/test-app.js';

/**
 * Images and files through /v1/chat/completions, as OpenAI clients send them: inline (data: URLs,
 * `file_data`) and as image URLs the server downloads. Every attachment is read like an upload
 * (type from the bytes, MAX_FILE_MB, images fitted, PDFs natively or as text), and image URLs
 * pointing inside the server's network are refused before any connection.
 */

/**
 * The app wires the real downloader with its default policy (public addresses only). Where a
 * test needs a successful download from a local server, it widens the policy here; every other
 * test runs the real default.
 */
const remote = vi.hoisted(() => ({ policy: undefined as AddressPolicy | undefined }));
vi.mock('../src/server/files/remote-fetch.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/server/files/remote-fetch.js')>();
  return {
    ...actual,
    fetchRemoteImage: (url: string, options: RemoteFetchOptions) =>
      actual.fetchRemoteImage(url, remote.policy ? { ...options, policy: remote.policy } : options),
  };
});

const MB = 1024 * 1024;
const encode = (text: string) => new TextEncoder().encode(text);
const dataUrl = (mediaType: string, bytes: Uint8Array) =>
  `data:${mediaType};base64,${Buffer.from(bytes).toString('base64')}`;

/** A Windows executable's first bytes, padded: what a renamed `photo.png` really is. */
const PE = Uint8Array.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, ...new Array(2048).fill(0)]);
const ELF = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, ...new Array(2048).fill(0)]);

let png: Uint8Array;
let pdf: Uint8Array;
beforeAll(async () => {
  png = new Uint8Array(
    await sharp({ create: { width: 20, height: 10, channels: 3, background: 'red' } })
      .png()
      .toBuffer(),
  );
  pdf = makePdf(['Hello from the quarterly report']);
});

let current: TestApp | undefined;
afterEach(async () => {
  remote.policy = undefined;
  await current?.close();
  current = undefined;
});

interface Started {
  base: string;
  token: string;
  openai: OpenAI;
}

/** The test app (demo reads text, images, PDFs) plus a text-only model, with an API token. */
async function start(options: TestAppOptions = {}): Promise<Started> {
  const t = await createTestApp({
    models: [{ id: 'text-only', model: createDemoModel({ delayMs: 0 }) }],
    ...options,
    env: { AUTH_MODE: 'local', ...options.env },
  });
  current = t;
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const base = `http://127.0.0.1:${address.port}`;
  const alice = new Client(t.app);
  await alice.signup('alice');
  const res = await alice.request('POST', '/api/tokens', { name: 'attachments' });
  const token: string = res.json().token;
  return { base, token, openai: new OpenAI({ apiKey: token, baseURL: `${base}/v1`, maxRetries: 0 }) };
}

type Part = OpenAI.Chat.ChatCompletionContentPart;

const imagePart = (url: string): Part => ({ type: 'image_url', image_url: { url } });
const filePart = (filename: string, bytes: Uint8Array, mediaType = 'application/pdf'): Part => ({
  type: 'file',
  file: { filename, file_data: dataUrl(mediaType, bytes) },
});

async function ask(openai: OpenAI, content: Part[], model = 'demo'): Promise<string> {
  const completion = await openai.chat.completions.create({ model, messages: [{ role: 'user', content }] });
  return completion.choices[0]?.message.content ?? '';
}

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** A raw POST, for bodies an SDK would not send. */
async function post(
  started: Started,
  body: object,
): Promise<{ status: number; error: Record<string, unknown> }> {
  const res = await fetch(`${started.base}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${started.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, error: (await res.json()).error };
}

/** A local server that counts connections: where an image URL to the inside would land. */
interface Local {
  port: number;
  url: string;
  connections: number;
  close(): Promise<void>;
}

async function localServer(handler: http.RequestListener): Promise<Local> {
  const server = http.createServer(handler);
  const state = { connections: 0 };
  server.on('connection', () => {
    state.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    port: address.port,
    url: `http://127.0.0.1:${address.port}`,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('attachments on /v1/chat/completions', () => {
  it('passes a data: PNG to the model, streaming and not', async () => {
    const { openai } = await start();
    const seen = `image-1.png (image/png, ${png.byteLength} bytes, 20×10 pixels)`;
    const content: Part[] = [{ type: 'text', text: 'What is this?' }, imagePart(dataUrl('image/png', png))];

    expect(await ask(openai, content)).toContain(`I received 1 attachment: ${seen}.`);

    const stream = await openai.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain(seen);
  });

  it('reads a PDF file part natively where the model takes PDFs, else as its text', async () => {
    const { openai } = await start();
    const content = [filePart('report.pdf', pdf)];
    expect(await ask(openai, content)).toContain(`report.pdf (application/pdf, ${pdf.byteLength} bytes)`);
    expect(await ask(openai, content, 'text-only')).toContain(
      `report.pdf (application/pdf, ${pdf.byteLength} bytes), which begins “Hello from the quarterly report”`,
    );
    // A text file too, as uploads are: the name says text, the bytes agree.
    expect(await ask(openai, [filePart('notes.md', encode('# Notes\nship it'), 'text/markdown')])).toContain(
      'notes.md (text/markdown, 15 bytes), which begins “# Notes ship it”',
    );
  });

  it('works with the AI SDK OpenAI-compatible provider (images as image_url, PDFs as file parts)', async () => {
    const { base, token } = await start();
    const parley = createOpenAICompatible({ name: 'parley', baseURL: `${base}/v1`, apiKey: token });
    const result = streamText({
      model: parley.chatModel('demo'),
      maxRetries: 0,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these' },
            { type: 'image', image: png, mediaType: 'image/png' },
            { type: 'file', data: pdf, mediaType: 'application/pdf', filename: 'report.pdf' },
          ],
        },
      ],
    });
    const text = await result.text;
    expect(text).toContain(
      `I received 2 attachments: image-1.png (image/png, ${png.byteLength} bytes, 20×10 pixels); ` +
        `report.pdf (application/pdf, ${pdf.byteLength} bytes).`,
    );
  });

  it('fits a large image to the model’s limits before the call', async () => {
    const { openai } = await start();
    const big = await sharp({ create: { width: 3000, height: 1500, channels: 3, background: 'blue' } })
      .png()
      .toBuffer();
    // The demo's limits are the defaults: 2048 pixels on the longer side.
    expect(await ask(openai, [imagePart(dataUrl('image/png', big))])).toMatch(
      /image-1\.jpg \(image\/jpeg, [\d,]+ bytes, 2048×1024 pixels\)/,
    );
  });

  it('refuses an image for a text-only model with a 400 naming it, before any model call or download', async () => {
    const started = await start();
    const inside = await localServer((_req, res) => res.end());
    try {
      for (const [content, param] of [
        [[imagePart(dataUrl('image/png', png))], 'messages[0].content[0].image_url.url'],
        [[imagePart(`${inside.url}/cat.png`)], 'messages[0].content[0].image_url.url'],
        // The bytes say image, whatever the part: a PNG as a file part is an image too.
        [[filePart('scan.pdf', png)], 'messages[0].content[0].file.file_data'],
      ] as const) {
        for (const stream of [false, true]) {
          const error = await failure(
            started.openai.chat.completions.create({
              model: 'text-only',
              messages: [{ role: 'user', content: [...content] }],
              stream,
            }),
          );
          expect(error).toBeInstanceOf(OpenAI.BadRequestError);
          expect(error.message).toMatch(/The model `text-only` cannot read images/);
          expect(error.code).toBe('attachment_not_supported');
          expect(error.param).toBe(param);
        }
      }
      expect(inside.connections).toBe(0);
    } finally {
      await inside.close();
    }
  });

  it('decides the type from the bytes: a renamed executable is refused (415)', async () => {
    const started = await start();
    for (const content of [
      [imagePart(dataUrl('image/png', PE))],
      [filePart('report.pdf', ELF)],
      [filePart('notes.txt', PE, 'text/plain')],
    ]) {
      const error = await failure(ask(started.openai, content));
      expect(error.status).toBe(415);
      expect(error.type).toBe('invalid_request_error');
      expect(error.code).toBe('unsupported_media_type');
      expect(error.message).toMatch(/not accepted/);
    }
    // A document in an image_url is not an image either.
    const pdfAsImage = await failure(ask(started.openai, [imagePart(dataUrl('image/png', pdf))]));
    expect(pdfAsImage.status).toBe(415);
    expect(pdfAsImage.message).toMatch(/holds application\/pdf, not an image/);
  });

  it('refuses an attachment over MAX_FILE_MB with a 413, and frees the run slot', async () => {
    const started = await start({ env: { MAX_CONCURRENT_RUNS: '1' } });
    // MAX_FILE_MB is 20 by default; the size is read from the base64 length, before decoding.
    const tooBig = new Uint8Array(20 * MB + 1);
    tooBig.set(png);
    const { status, error } = await post(started, {
      model: 'demo',
      messages: [{ role: 'user', content: [imagePart(dataUrl('image/png', tooBig))] }],
    });
    expect(status).toBe(413);
    expect(error).toMatchObject({
      type: 'invalid_request_error',
      code: 'payload_too_large',
      param: 'messages[0].content[0].image_url.url',
    });
    expect(String(error.message)).toMatch(/at most 20 MB \(MAX_FILE_MB\)/);

    // Refusals after admission (the executable) give the slot back: the next call runs.
    await failure(ask(started.openai, [imagePart(dataUrl('image/png', PE))]));
    expect(await ask(started.openai, [imagePart(dataUrl('image/png', png))])).toContain('image-1.png');
  });

  it('answers malformed parts with a 400 naming the field', async () => {
    const started = await start();
    const cases: [Part[] | object[], string, RegExp][] = [
      [
        [{ type: 'file', file: { file_id: 'file-abc123' } }],
        'messages[0].content[0].file.file_id',
        /File ids are not supported/,
      ],
      [[imagePart('data:image/png,not-base64')], 'messages[0].content[0].image_url.url', /must be base64/],
      [[imagePart('data:image/png;base64,***')], 'messages[0].content[0].image_url.url', /not valid base64/],
      [[imagePart('ftp://example.com/cat.png')], 'messages[0].content[0].image_url.url', /http or https/],
      [
        [imagePart('http://user:pw@example.com/cat.png')],
        'messages[0].content[0].image_url.url',
        /credentials/,
      ],
      [
        Array.from({ length: 11 }, () => imagePart(dataUrl('image/png', png))),
        'messages[0].content[10].image_url.url',
        /at most 10 images and files/,
      ],
    ];
    for (const [content, param, message] of cases) {
      const { status, error } = await post(started, { model: 'demo', messages: [{ role: 'user', content }] });
      expect(status, param).toBe(400);
      expect(error.param, param).toBe(param);
      expect(String(error.message), param).toMatch(message);
    }
    // Images belong in user messages.
    const system = await post(started, {
      model: 'demo',
      messages: [
        { role: 'system', content: [imagePart(dataUrl('image/png', png))] },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(system.status).toBe(400);
    expect(system.error.param).toBe('messages[0].content[0].type');
  });

  it('refuses image URLs that point inside, without connecting', async () => {
    const started = await start();
    const inside = await localServer((_req, res) => res.end(png));
    try {
      const urls = [
        `${inside.url}/cat.png`,
        `http://localhost:${inside.port}/cat.png`,
        `http://[::1]:${inside.port}/cat.png`,
        `http://[::ffff:127.0.0.1]:${inside.port}/cat.png`,
        'http://10.0.0.1/cat.png',
        'http://169.254.169.254/latest/meta-data/',
        'http://[fd00::1]/cat.png',
      ];
      for (const url of urls) {
        const error = await failure(ask(started.openai, [imagePart(url)]));
        expect(error.status, url).toBe(400);
        expect(error.code, url).toBe('invalid_image_url');
        expect(error.param, url).toBe('messages[0].content[0].image_url.url');
        expect(error.message, url).toMatch(
          /The image URL is refused: .+ address\. Only public addresses are fetched\./,
        );
      }
      expect(inside.connections).toBe(0);
    } finally {
      await inside.close();
    }
  });

  it('downloads an image from a URL the policy allows, and refuses a redirect inside', async () => {
    const started = await start();
    const internal = await localServer((_req, res) => res.end(png));
    const images = await localServer((req, res) => {
      if (req.url === '/moved.png') {
        res.writeHead(302, { location: `${internal.url}/cat.png` });
        res.end();
        return;
      }
      res.setHeader('content-type', 'image/png');
      res.end(png);
    });
    try {
      remote.policy = (address, port) => address === '127.0.0.1' && port === images.port;
      const reply = await ask(started.openai, [
        { type: 'text', text: 'And this one?' },
        imagePart(`${images.url}/photos/cat.png`),
      ]);
      expect(reply).toContain(`cat.png (image/png, ${png.byteLength} bytes, 20×10 pixels)`);

      const error = await failure(ask(started.openai, [imagePart(`${images.url}/moved.png`)]));
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/The image URL is refused: 127\.0\.0\.1 is a loopback address/);
      expect(internal.connections).toBe(0);
    } finally {
      await images.close();
      await internal.close();
    }
  });
});

describe('attachment limits per request', () => {
  const reader: ModelReader = {
    name: 'Demo',
    input: ['text', 'image', 'pdf'],
    imageLimits: { maxDimension: 2048, maxBytes: 10 * MB },
  };
  const body = (content: Part[]) =>
    ({ model: 'demo', messages: [{ role: 'user', content }] }) as unknown as ChatCompletionRequest;

  it('bounds the total of the inline attachments before anything is decoded', () => {
    const limits = attachmentLimits({ maxFileBytes: 1_000, maxTotalBytes: 1_500 });
    const part = imagePart(dataUrl('image/png', new Uint8Array(800)));
    expect(toCompletionCall(body([part]), limits).attachments).toHaveLength(1);
    expect(() => toCompletionCall(body([part, part]), limits)).toThrowError(
      expect.objectContaining({
        status: 413,
        code: 'payload_too_large',
        param: 'messages[0].content[1].image_url.url',
      }),
    );
  });

  it('counts downloaded images against the same limits', async () => {
    const limits = attachmentLimits({ maxFileBytes: MB, maxTotalBytes: png.byteLength * 2 - 1 });
    const fetchImage = vi.fn<FetchImage>(async (url) => ({ bytes: png, mediaType: 'image/png', url }));
    const call = toCompletionCall(
      body([imagePart('https://images.example.com/a.png'), imagePart('https://images.example.com/b.png')]),
      limits,
    );
    const error = await resolvePrompt(call.prompt, {
      reader,
      limits,
      fetchImage,
      signal: new AbortController().signal,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 413, param: 'messages[0].content[1].image_url.url' });
    // The download is bounded by MAX_FILE_MB as well.
    expect(fetchImage.mock.calls[0]?.[1]).toMatchObject({ maxBytes: MB });
  });

  it('sizes the route body limit for the attachments, base64-encoded', () => {
    const limits = attachmentLimits({ maxFileBytes: 20 * MB });
    expect(limits.maxTotalBytes).toBe(32 * MB);
    expect(bodyLimitFor(limits)).toBeGreaterThan(Math.ceil((32 * MB * 4) / 3));
    expect(attachmentLimits({ maxFileBytes: 100 * MB }).maxTotalBytes).toBe(100 * MB);
  });
});
