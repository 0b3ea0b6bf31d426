import path from 'node:path';
import sharp from 'sharp';
import type { Bench } from '../lib/context.js';
import { median } from '../server.js';

/**
 * 7. Attachments: upload a 10 MB file (`POST /api/files`, multipart, as the web app sends it) and
 * the first turn that uses it (`POST .../messages` with `files`, read to `[DONE]`), for a photo-like
 * PNG (incompressible pixels: the server decodes it, makes a thumbnail, and fits it to the model's
 * image limits for the turn) and a text document (its text is extracted at upload, and the turn
 * sends the first 200,000 characters). Demo model, FILE_STORE=database on SQLite.
 */

export interface AttachmentRun {
  uploadMs: number;
  firstTurnMs: number;
  /** The next turn of the same conversation (the file is in its history). */
  nextTurnMs: number;
}

export interface AttachmentKindResult {
  bytes: number;
  uploadMs: number;
  firstTurnMs: number;
  nextTurnMs: number;
  runs: AttachmentRun[];
}

export interface AttachmentsResult {
  image: AttachmentKindResult;
  text: AttachmentKindResult;
}

const TEN_MB = 10 * 1024 * 1024;

/** A PNG of random pixels: ~10 MB however it is compressed, like a large screenshot or photo. */
async function noisyPng(targetBytes: number): Promise<Buffer> {
  // A little under: the PNG's filter bytes and headers add about 1%.
  const side = Math.floor(Math.sqrt(targetBytes / 3.04));
  const raw = Buffer.alloc(side * side * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (Math.random() * 256) | 0;
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

function textDocument(targetBytes: number): Buffer {
  const line = 'Quarterly figures for the attachment benchmark: revenue, costs, margins and notes.\n';
  return Buffer.from(line.repeat(Math.ceil(targetBytes / line.length)).slice(0, targetBytes));
}

async function uploadFile(base: string, bytes: Buffer, name: string): Promise<{ id: string; ms: number }> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const at = performance.now();
  const res = await fetch(`${base}/api/files`, {
    method: 'POST',
    body: form,
    headers: { 'x-parley-upload': '1' },
  });
  const body = (await res.json()) as { id: string; error?: string };
  if (res.status !== 201) throw new Error(`upload ${name}: ${res.status} ${body.error}`);
  return { id: body.id, ms: performance.now() - at };
}

async function newConversation(base: string): Promise<string> {
  const res = await fetch(`${base}/api/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  return ((await res.json()) as { id: string }).id;
}

/** One turn read to its end; milliseconds from the request to `[DONE]`. */
async function turn(base: string, conversationId: string, body: object): Promise<number> {
  const at = performance.now();
  const res = await fetch(`${base}/api/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('[DONE]'))
    throw new Error(`turn: ${res.status} ${text.slice(0, 200)}`);
  return performance.now() - at;
}

export async function attachments(bench: Bench): Promise<AttachmentsResult> {
  const reps = bench.quick ? 1 : bench.reps;
  const size = bench.quick ? 1024 * 1024 : TEN_MB;
  bench.log(
    `\n## 7. Attachments: upload a ${(size / 2 ** 20).toFixed(0)} MB file, then the first turn using it`,
  );
  const inputs = { image: await noisyPng(size), text: textDocument(size) };
  const result: Partial<AttachmentsResult> = {};
  for (const kind of ['image', 'text'] as const) {
    const runs: AttachmentRun[] = [];
    for (let i = 1; i <= reps; i++) {
      await bench.quiet();
      const dir = bench.dir(`attachments-${kind}`);
      const parley = await bench.parley(`attachments-${kind}-${i}`, {
        cwd: dir,
        dbFile: path.join(dir, 'parley.db'),
      });
      try {
        const bytes = inputs[kind];
        const uploaded = await uploadFile(parley.url, bytes, kind === 'image' ? 'photo.png' : 'report.txt');
        const conversationId = await newConversation(parley.url);
        const firstTurnMs = await turn(parley.url, conversationId, {
          content: 'What is in this file?',
          files: [uploaded.id],
        });
        const nextTurnMs = await turn(parley.url, conversationId, { content: 'And what else?' });
        runs.push({ uploadMs: uploaded.ms, firstTurnMs, nextTurnMs });
        bench.log(
          `  ${kind} ${i}/${reps} (${(bytes.length / 2 ** 20).toFixed(1)} MB): upload ${uploaded.ms.toFixed(0)} ms, ` +
            `first turn ${firstTurnMs.toFixed(0)} ms, next turn ${nextTurnMs.toFixed(0)} ms`,
        );
      } finally {
        await bench.stopParley(parley);
      }
    }
    result[kind] = {
      bytes: inputs[kind].length,
      uploadMs: median(runs.map((run) => run.uploadMs)),
      firstTurnMs: median(runs.map((run) => run.firstTurnMs)),
      nextTurnMs: median(runs.map((run) => run.nextTurnMs)),
      runs,
    };
    bench.log(
      `  median ${kind}: upload ${result[kind].uploadMs.toFixed(0)} ms, first turn ` +
        `${result[kind].firstTurnMs.toFixed(0)} ms, next turn ${result[kind].nextTurnMs.toFixed(0)} ms`,
    );
  }
  return result as AttachmentsResult;
}
