import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type DownloadProgress,
  downloadModel,
  fileNameOf,
  formatProgress,
  resolveModelUrl,
} from '../src/server/ai/model-download.js';

// model:pull's download against a file server on 127.0.0.1: full, resumed (Range → 206), checksum
// rejected, a server without range support, a connection cut mid-file.

const body = randomBytes(600_000);
const digest = createHash('sha256').update(body).digest('hex');

interface Behaviour {
  ranges: boolean;
  /** Close the connection after sending this many bytes of the body. */
  cutAfter?: number;
}

let server: Server;
let base: string;
let behaviour: Behaviour = { ranges: true };
const seen: { url: string; range: string | undefined }[] = [];

function serve(req: IncomingMessage, res: import('node:http').ServerResponse) {
  seen.push({ url: req.url ?? '', range: req.headers.range });
  if (req.url === '/moved') {
    res.writeHead(302, { location: '/models/tiny.gguf' }).end();
    return;
  }
  if (req.url !== '/models/tiny.gguf') {
    res.writeHead(404).end('not found');
    return;
  }
  let start = 0;
  const match = req.headers.range?.match(/^bytes=(\d+)-$/);
  if (behaviour.ranges && match) {
    start = Number(match[1]);
    if (start >= body.length) {
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      'content-length': body.length - start,
      'accept-ranges': 'bytes',
    });
  } else {
    res.writeHead(200, {
      'content-length': body.length,
      ...(behaviour.ranges && { 'accept-ranges': 'bytes' }),
    });
  }
  const rest = body.subarray(start);
  if (behaviour.cutAfter !== undefined) {
    res.write(rest.subarray(0, behaviour.cutAfter), () => res.destroy());
    return;
  }
  res.end(rest);
}

let dir: string;

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  behaviour = { ranges: true };
  seen.length = 0;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function target(): string {
  dir = mkdtempSync(path.join(tmpdir(), 'parley-pull-'));
  return path.join(dir, 'models', 'tiny.gguf');
}

describe('model download', () => {
  it('downloads the whole file, verifies it and reports progress', async () => {
    const dest = target();
    const progress: DownloadProgress[] = [];
    const result = await downloadModel({
      url: `${base}/models/tiny.gguf`,
      dest,
      sha256: digest,
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    expect(result).toMatchObject({ path: dest, bytes: body.length, sha256: digest, resumedFrom: 0 });
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
    expect(seen[0]?.range).toBeUndefined();
    expect(progress.at(-1)).toMatchObject({ received: body.length, total: body.length, done: true });
    expect(formatProgress(progress.at(-1) as DownloadProgress)).toMatch(
      /^100% \[#+\] 0\.6\/0\.6 MB {2}[\d.]+ MB\/s {2}ETA 0s$/,
    );
  });

  it('keeps what a broken connection delivered in the .part and says how to resume', async () => {
    const dest = target();
    behaviour = { ranges: true, cutAfter: 250_000 };
    await expect(downloadModel({ url: `${base}/models/tiny.gguf`, dest, sha256: digest })).rejects.toThrow(
      /^Download (interrupted after \d+ bytes|incomplete).*again to resume/,
    );
    expect(existsSync(dest)).toBe(false);
    // How much arrived before the break depends on timing (a busy client may lose the last
    // buffered chunks with the connection), never more than was sent.
    expect(readFileSync(`${dest}.part`).length).toBeLessThanOrEqual(250_000);
  });

  it('resumes a partial .part with a Range request the server answers with 206', async () => {
    const dest = target();
    // What an earlier, broken attempt left behind.
    const partial = 250_000;
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(`${dest}.part`, body.subarray(0, partial));
    const result = await downloadModel({ url: `${base}/models/tiny.gguf`, dest, sha256: digest });
    expect(seen).toEqual([{ url: '/models/tiny.gguf', range: `bytes=${partial}-` }]);
    expect(result.resumedFrom).toBe(partial);
    expect(result.sha256).toBe(digest); // hashed over the old part and the new bytes
    expect(readFileSync(dest).equals(body)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('rejects a checksum mismatch and deletes the download', async () => {
    const dest = target();
    const wrong = 'ab'.repeat(32);
    await expect(downloadModel({ url: `${base}/models/tiny.gguf`, dest, sha256: wrong })).rejects.toThrow(
      `Checksum mismatch for tiny.gguf.part: expected sha256 ${wrong}, got ${digest}`,
    );
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('starts over cleanly when the server ignores the range (200 instead of 206)', async () => {
    const dest = target();
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(`${dest}.part`, Buffer.alloc(100_000, 7)); // stale bytes that must not survive
    behaviour = { ranges: false };
    const result = await downloadModel({ url: `${base}/models/tiny.gguf`, dest, sha256: digest });
    expect(seen[0]?.range).toBe('bytes=100000-');
    expect(result.resumedFrom).toBe(0);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it('finishes a .part that is already complete (416) and follows redirects', async () => {
    const dest = target();
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(`${dest}.part`, body);
    const result = await downloadModel({ url: `${base}/moved`, dest, sha256: digest });
    expect(seen.map((s) => s.url)).toEqual(['/moved', '/models/tiny.gguf']);
    expect(result.sha256).toBe(digest);
    expect(readFileSync(dest).equals(body)).toBe(true);

    // Already there: nothing is fetched again.
    seen.length = 0;
    expect((await downloadModel({ url: `${base}/moved`, dest, sha256: digest })).alreadyPresent).toBe(true);
    expect(seen).toEqual([]);
  });

  it('says which URL failed and how', async () => {
    await expect(downloadModel({ url: `${base}/missing.gguf`, dest: target() })).rejects.toThrow(
      /Download failed: .*\/missing\.gguf answered HTTP 404/,
    );
  });
});

describe('model names', () => {
  it('maps Hugging Face ids to download URLs', () => {
    expect(resolveModelUrl('bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf')).toBe(
      'https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    );
    expect(resolveModelUrl('hf:owner/repo/sub/model.gguf')).toBe(
      'https://huggingface.co/owner/repo/resolve/main/sub/model.gguf',
    );
    expect(resolveModelUrl('https://example.test/m.gguf?download=1')).toBe(
      'https://example.test/m.gguf?download=1',
    );
    expect(() => resolveModelUrl('just-a-name')).toThrow(/Not a URL or Hugging Face file id/);
    expect(fileNameOf('https://example.test/a/b/m%20q4.gguf?x=1')).toBe('m q4.gguf');
  });
});
