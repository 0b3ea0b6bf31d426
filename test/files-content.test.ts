import { crc32, deflateSync } from 'node:zlib';
import JSZip from 'jszip';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ExtractPool } from '../src/server/files/extract-pool.js';
import {
  EXTRACT_TIMEOUT_MS,
  extractText,
  MAX_EXTRACTED_CHARS,
  TRUNCATION_MARKER,
} from '../src/server/files/extract-text.js';
import {
  ACCEPTED_FILE_TYPES,
  type DetectedFile,
  detectFile,
  isImage,
} from '../src/server/files/file-type.js';
import { fitImage, imageInfo, thumbnail } from '../src/server/files/images.js';
import { makePdf, refusal } from './helpers/documents.js';

/*
 * What a user notices about attachments: which files are taken and which refused (by their bytes,
 * whatever they are called), what text the model gets from them, and how images are shrunk.
 * Every input is built here, so nothing depends on fixture files.
 */

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const encode = (text: string) => new TextEncoder().encode(text);

/**
 * A PDF of a few hundred kilobytes whose one page's content stream inflates to `size` bytes of
 * spaces: pdf.js inflates and scans it inside one step of one page (about a second per 100 MB),
 * the kind of document that used to hold the event loop for all of that step.
 */
function deflateBombPdf(size: number): Uint8Array {
  const data = deflateSync(Buffer.alloc(size, 0x20), { level: 9 });
  const head =
    '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n' +
    '2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n' +
    '3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>\nendobj\n' +
    `4 0 obj\n<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`;
  const tail = '\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n';
  return new Uint8Array(Buffer.concat([encode(head), data, encode(tail)]));
}

async function makeDocx(paragraphs: string[]): Promise<Uint8Array> {
  const xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    `${xml}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '</Types>',
  );
  zip.file(
    '_rels/.rels',
    `${xml}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
      '</Relationships>',
  );
  zip.file(
    'word/document.xml',
    `${xml}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
      paragraphs.map((text) => `<w:p><w:r><w:t>${text}</w:t></w:r></w:p>`).join('') +
      '</w:body></w:document>',
  );
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}

function solid(width: number, height: number, alpha = false) {
  return sharp({
    create: { width, height, channels: alpha ? 4 : 3, background: { r: 200, g: 40, b: 40, alpha: 0.5 } },
  });
}

/** Random pixels compress badly, which makes big files without big dimensions. */
function noisy(width: number, height: number) {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: 'white',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  });
}

const png = (w: number, h: number) => solid(w, h).png().toBuffer();
const jpeg = (w: number, h: number) => solid(w, h).jpeg().toBuffer();
const gif = (w: number, h: number) => solid(w, h).gif().toBuffer();
const webp = (w: number, h: number) => solid(w, h).webp().toBuffer();

/** A PNG whose header declares a size it does not have: decoding it would need gigabytes. */
function pngDeclaring(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth; colour type 0 (grey), no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(4096))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const padded = (head: number[] | string, size = 256) => {
  const bytes = new Uint8Array(size);
  bytes.set(typeof head === 'string' ? encode(head) : head);
  return bytes;
};
const ELF = padded([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
const PE = padded([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff]);
const MP4 = padded([0, 0, 0, 0x18, ...encode('ftypmp42'), 0, 0, 0, 0, ...encode('mp42isom')]);

async function expectRefusedType(bytes: Uint8Array, name: string): Promise<void> {
  const error = await refusal(detectFile(bytes, name));
  expect(error.code).toBe('unsupported_media_type');
  expect(error.status).toBe(415);
  expect(error.message).toContain(ACCEPTED_FILE_TYPES);
}

describe('detectFile: the type comes from the bytes', () => {
  it.each([
    ['a PNG', 'report.pdf', () => png(20, 10), 'image/png', 'image'],
    ['a JPEG', 'drawing.gif', () => jpeg(20, 10), 'image/jpeg', 'image'],
    ['a GIF', 'anim.webp', () => gif(20, 10), 'image/gif', 'image'],
    ['a WebP', 'notes.txt', () => webp(20, 10), 'image/webp', 'image'],
    ['a PDF', 'cat.png', async () => makePdf(['Hello']), 'application/pdf', 'pdf'],
    ['a DOCX', 'data.csv', () => makeDocx(['Hello']), DOCX, 'docx'],
  ] as const)('%s named %s is recognised', async (_, name, make, mediaType, kind) => {
    const detected = await detectFile(await make(), name);
    expect(detected).toEqual({ mediaType, kind });
    expect(isImage(detected.mediaType)).toBe(kind === 'image');
  });

  it.each([
    ['notes.txt', 'plain words', 'text/plain'],
    ['README.md', '# Title\n\nSome *markdown*.', 'text/markdown'],
    ['data.CSV', 'a,b\n1,2\n', 'text/csv'],
    ['config.json', '{"a": 1}', 'application/json'],
    ['main.py', 'print("hi")\n', 'text/plain'],
    ['src/app.tsx', 'export const App = () => null;\n', 'text/plain'],
    ['feed.xml', '<?xml version="1.0"?><feed/>', 'text/plain'],
    ['Dockerfile', 'FROM node:20\n', 'text/plain'],
    ['unicode.txt', 'Größe: 10 € — 日本語 😀', 'text/plain'],
  ])('text named %s is accepted', async (name, text, mediaType) => {
    expect(await detectFile(encode(text), name)).toEqual({ mediaType, kind: 'text' });
  });

  it('gives markup a browser would run a type it will not run', async () => {
    for (const name of ['page.html', 'drawing.svg', 'script.js', 'style.css']) {
      expect((await detectFile(encode('<script>alert(1)</script>'), name)).mediaType).toBe('text/plain');
    }
  });

  it.each(['photo.png', 'notes.txt', 'report.pdf', 'program'])(
    'refuses a Linux executable renamed %s',
    async (name) => expectRefusedType(ELF, name),
  );

  it.each(['photo.png', 'notes.txt', 'setup.docx'])('refuses a Windows executable renamed %s', async (name) =>
    expectRefusedType(PE, name),
  );

  it('refuses a zip, a video, and binary it cannot name', async () => {
    const zip = new JSZip();
    zip.file('hello.txt', 'hello');
    await expectRefusedType(await zip.generateAsync({ type: 'uint8array' }), 'archive.docx');
    await expectRefusedType(MP4, 'clip.txt');
    await expectRefusedType(padded([0x13, 0x37, 0xbe, 0xef, 0x00, 0x01]), 'blob.bin');
  });

  it('refuses text that is not UTF-8 text, even with a text name', async () => {
    await expectRefusedType(encode('hello\u0000world'), 'notes.txt');
    await expectRefusedType(new Uint8Array([0x68, 0x69, 0x20, 0xc3, 0x28, 0x21]), 'notes.txt');
    // UTF-16 text is full of NULs.
    await expectRefusedType(new Uint8Array([0xff, 0xfe, 0x68, 0x00, 0x69, 0x00]), 'notes.txt');
  });

  it('refuses text whose name is not a text kind it knows', async () => {
    await expectRefusedType(encode('just words'), 'notes.xyz');
    await expectRefusedType(encode('just words'), 'photo.png');
    await expectRefusedType(encode('just words'), 'noextension');
  });

  it('refuses an empty file as a bad request', async () => {
    const error = await refusal(detectFile(new Uint8Array(0), 'empty.txt'));
    expect(error.code).toBe('bad_request');
  });
});

describe('extractText: what the model reads', () => {
  const pdf: DetectedFile = { mediaType: 'application/pdf', kind: 'pdf' };
  const docx: DetectedFile = { mediaType: DOCX, kind: 'docx' };
  const text: DetectedFile = { mediaType: 'text/plain', kind: 'text' };

  it('reads the text of every page of a PDF, in order', async () => {
    const extracted = await extractText(
      makePdf(['Quarterly report for Parley', 'Page two: revenue up']),
      pdf,
    );
    expect(extracted).toContain('Quarterly report for Parley');
    expect(extracted.indexOf('Page two: revenue up')).toBeGreaterThan(extracted.indexOf('Quarterly'));
  });

  it('leaves the caller its bytes (pdf.js may detach what it is given)', async () => {
    const bytes = makePdf(['Quarterly report for Parley']);
    await extractText(bytes, pdf);
    expect(bytes.byteLength).toBeGreaterThan(0);
    expect((await detectFile(bytes, 'report.pdf')).kind).toBe('pdf');
  });

  it('reads the paragraphs of a Word document', async () => {
    const extracted = await extractText(
      await makeDocx(['Minutes of the meeting', 'Action: ship files']),
      docx,
    );
    expect(extracted).toContain('Minutes of the meeting');
    expect(extracted).toContain('Action: ship files');
  });

  it('decodes text and drops a byte order mark', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encode('Größe 😀')]);
    expect(await extractText(bytes, text)).toBe('Größe 😀');
  });

  it('gives no text for an image', async () => {
    expect(await extractText(await png(10, 10), { mediaType: 'image/png', kind: 'image' })).toBe('');
  });

  it('cuts long text at the bound and says so', async () => {
    const extracted = await extractText(encode('a'.repeat(MAX_EXTRACTED_CHARS + 50_000)), text);
    expect(extracted).toHaveLength(MAX_EXTRACTED_CHARS + TRUNCATION_MARKER.length);
    expect(extracted.endsWith('\n[… text cut at 200,000 characters]')).toBe(true);
    expect(await extractText(encode('a'.repeat(MAX_EXTRACTED_CHARS)), text)).toHaveLength(
      MAX_EXTRACTED_CHARS,
    );
  });

  it('never cuts an emoji in half', async () => {
    const extracted = await extractText(encode(`a${'😀'.repeat(MAX_EXTRACTED_CHARS)}`), text);
    const kept = extracted.slice(0, -TRUNCATION_MARKER.length);
    expect(() => encodeURIComponent(kept)).not.toThrow();
  });

  it('answers a broken PDF with a clear bad request', async () => {
    const error = await refusal(extractText(encode('%PDF-1.7\nthis is not really a PDF at all\n'), pdf));
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^Could not read this PDF: ./);
  });

  it('answers a broken Word document with a clear bad request', async () => {
    const zip = new JSZip();
    zip.file('[Content_Types].xml', '<Types/>');
    const error = await refusal(extractText(await zip.generateAsync({ type: 'uint8array' }), docx));
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^Could not read this Word document: ./);
  });

  it('refuses a Word document that declares it expands beyond the limit (zip bomb)', async () => {
    const bytes = await makeDocx(['tiny']);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at < bytes.byteLength - 4; at++) {
      if (view.getUint32(at, true) === 0x02014b50) view.setUint32(at + 24, 2_000_000_000, true);
    }
    const error = await refusal(extractText(bytes, docx));
    expect(error.code).toBe('payload_too_large');
  });

  it('gives up on a document that takes too long', async () => {
    expect(EXTRACT_TIMEOUT_MS).toBe(20_000);
    const manyPages = makePdf(Array.from({ length: 300 }, (_, i) => `Page ${i + 1}`));
    const error = await refusal(extractText(manyPages, pdf, { timeoutMs: 1 }));
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^Could not read this PDF: it took longer than/);
  });
});

describe('extractText: a hostile document stalls a worker thread, never the server', () => {
  const pdf: DetectedFile = { mediaType: 'application/pdf', kind: 'pdf' };
  let bomb: Uint8Array | undefined;
  /** About a second of pdf.js work inside one page (more when workers share the machine). */
  const slowPdf = () => {
    bomb ??= deflateBombPdf(100_000_000);
    return bomb;
  };
  const pools: ExtractPool[] = [];
  const poolOf = (options: ConstructorParameters<typeof ExtractPool>[0]) => {
    const pool = new ExtractPool(options);
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });

  it('reads a document held in a Buffer from Node’s shared pool, and leaves the caller’s bytes (and the pool) whole', async () => {
    // Uploads arrive as Buffers; small ones are views into Node's shared pool, which Node 22+
    // refuses to transfer to a worker (the upload failed with a 500 there) and which must never
    // be detached under the other Buffers that live in it.
    const pdfBytes = makePdf(['Pooled bytes']);
    const pooled = Buffer.from(pdfBytes);
    const neighbour = Buffer.from('a neighbour in the same pool');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength); // a view of a larger pool
    expect(await extractText(pooled, pdf, { pool: poolOf({}) })).toBe('Pooled bytes');
    expect(Buffer.compare(pooled, Buffer.from(pdfBytes))).toBe(0);
    expect(neighbour.toString()).toBe('a neighbour in the same pool');
  });

  it('keeps the event loop turning while a slow PDF is read', async () => {
    // On the main thread (as before the worker) this PDF let a 10 ms timer tick once in 2.5 s.
    // Counted, not timed: the main thread gets to run many turns of other work before the
    // extraction answers (a busy machine slows both sides alike, the worker only its own).
    const bytes = slowPdf();
    let turns = 0;
    let reading = true;
    const reader = extractText(bytes, pdf, { pool: poolOf({}) }).finally(() => {
      reading = false;
    });
    const turnsWhileReading = (async () => {
      while (reading && turns < 20) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (reading) turns++;
      }
    })();
    expect(await reader).toBe('');
    await turnsWhileReading;
    expect(turns).toBe(20);
  });

  it('terminates the worker at the deadline, mid-page, and reads the next document', async () => {
    const pool = poolOf({ maxWorkers: 1 });
    // A warm worker (pdf.js loaded), so the deadline falls inside the slow page, not the start.
    expect(await extractText(makePdf(['Warm up']), pdf, { pool })).toContain('Warm up');
    const error = await refusal(extractText(slowPdf(), pdf, { pool, timeoutMs: 300 }));
    expect(error.code).toBe('bad_request');
    expect(error.message).toBe('Could not read this PDF: it took longer than 0.3 seconds to read.');
    // Answered at the deadline, not when pdf.js would have finished: the worker was killed mid-page.
    expect(pool.stats()).toEqual({ workers: 0, running: 0, queued: 0, killed: 1 });
    expect(await extractText(makePdf(['After the timeout']), pdf, { pool })).toContain('After the timeout');
    expect(pool.stats()).toMatchObject({ workers: 1, killed: 1 });
  });

  it('refuses a document at once, with a 503, when too many are waiting', async () => {
    const pool = poolOf({ maxWorkers: 1, maxQueue: 2 });
    const waiting = [1, 2, 3].map(() =>
      extractText(slowPdf(), pdf, { pool }).catch((error: unknown) => error),
    );
    expect(pool.stats()).toMatchObject({ running: 1, queued: 2 });
    const error = await refusal(extractText(makePdf(['One too many']), pdf, { pool }));
    expect(error.code).toBe('unavailable');
    expect(error.status).toBe(503);
    expect(error.retryAfterSeconds).toBe(5);
    expect(error.message).toBe('The server is busy reading other documents; try again in a few seconds.');
    await pool.close();
    await Promise.all(waiting);
  });

  it('runs two documents at once by default and lets twenty wait', async () => {
    const pool = poolOf({});
    const docx: DetectedFile = { mediaType: DOCX, kind: 'docx' };
    const waiting = Array.from({ length: 22 }, () =>
      extractText(slowPdf(), pdf, { pool }).catch((error: unknown) => error),
    );
    expect(pool.stats()).toMatchObject({ workers: 2, running: 2, queued: 20 });
    expect((await refusal(extractText(await makeDocx(['late']), docx, { pool }))).status).toBe(503);
    await pool.close();
    await Promise.all(waiting);
  });
});

describe('images', () => {
  it('reports the size and type of an image', async () => {
    expect(await imageInfo(await jpeg(640, 480))).toEqual({
      width: 640,
      height: 480,
      mediaType: 'image/jpeg',
    });
    expect(await imageInfo(await gif(30, 20))).toEqual({ width: 30, height: 20, mediaType: 'image/gif' });
  });

  it('reports a phone photo upright (EXIF orientation applied)', async () => {
    const sideways = await solid(400, 300).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await imageInfo(sideways)).toMatchObject({ width: 300, height: 400 });
  });

  it('makes a WebP thumbnail within 256×256 that keeps the aspect ratio', async () => {
    const thumb = await thumbnail(await png(1000, 500));
    expect(thumb.mediaType).toBe('image/webp');
    const meta = await sharp(thumb.bytes).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([256, 128]);

    const tall = await sharp((await thumbnail(await jpeg(300, 900))).bytes).metadata();
    expect([tall.width, tall.height]).toEqual([85, 256]);
  });

  it('does not enlarge a small image into a thumbnail', async () => {
    const meta = await sharp((await thumbnail(await png(40, 30))).bytes).metadata();
    expect([meta.width, meta.height]).toEqual([40, 30]);
  });

  it('uses the first frame of an animated GIF', async () => {
    const frame = (colour: string) =>
      sharp({ create: { width: 64, height: 48, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const animated = await sharp([await frame('red'), await frame('blue'), await frame('lime')], {
      join: { animated: true },
    })
      .gif()
      .toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(3);

    const thumb = await thumbnail(animated);
    const { data, info } = await sharp(thumb.bytes).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 48]);
    expect(data[0]).toBeGreaterThan(200); // red
    expect(data[2]).toBeLessThan(60);

    // Providers take one frame: even a small animation is sent as a still.
    const fitted = await fitImage(animated, { maxDimension: 1568, maxBytes: 500_000 });
    expect((await sharp(fitted.bytes).metadata()).pages ?? 1).toBe(1);
    expect([fitted.width, fitted.height]).toEqual([64, 48]);
  });

  it('leaves an image that fits byte for byte as it was', async () => {
    const bytes = await png(800, 600);
    const fitted = await fitImage(bytes, { maxDimension: 1568, maxBytes: 500_000 });
    expect(fitted.bytes).toBe(bytes);
    expect(fitted).toMatchObject({ mediaType: 'image/png', width: 800, height: 600 });
  });

  it('shrinks a 4000×3000 photo under 1568 px and 500 KB', async () => {
    // Enlarged noise: photo-like detail, much quicker to make than 12 million random pixels.
    const photo = await sharp(await noisy(800, 600).png().toBuffer())
      .resize(4000, 3000)
      .jpeg({ quality: 95 })
      .toBuffer();
    expect(photo.byteLength).toBeGreaterThan(500_000);
    const fitted = await fitImage(photo, { maxDimension: 1568, maxBytes: 500_000 });
    expect(fitted.mediaType).toBe('image/jpeg');
    expect(fitted.bytes.byteLength).toBeLessThanOrEqual(500_000);
    expect(Math.max(fitted.width, fitted.height)).toBeLessThanOrEqual(1568);
    expect(fitted.width / fitted.height).toBeCloseTo(4 / 3, 1);
    const meta = await sharp(fitted.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', fitted.width, fitted.height]);
  });

  it('shrinks an image that is small enough in pixels but too many bytes', async () => {
    const heavy = await noisy(600, 600).png().toBuffer();
    expect(heavy.byteLength).toBeGreaterThan(300_000);
    const fitted = await fitImage(heavy, { maxDimension: 1568, maxBytes: 300_000 });
    expect(fitted.bytes.byteLength).toBeLessThanOrEqual(300_000);
    expect(fitted.mediaType).toBe('image/jpeg');
  });

  it('keeps transparency when it has to shrink an image with alpha', async () => {
    const transparent = await solid(3000, 2000, true).png().toBuffer();
    const fitted = await fitImage(transparent, { maxDimension: 1000, maxBytes: 500_000 });
    expect(fitted.mediaType).toBe('image/png');
    expect([fitted.width, fitted.height]).toEqual([1000, 667]);
    expect((await sharp(fitted.bytes).metadata()).hasAlpha).toBe(true);
  });

  it.each([
    [30_000, 30_000],
    [10_000, 6_000],
  ])('refuses a pixel bomb declaring %i×%i before decoding it', async (width, height) => {
    const bomb = pngDeclaring(width, height);
    expect(bomb.byteLength).toBeLessThan(1000);
    expect((await detectFile(bomb, 'bomb.png')).mediaType).toBe('image/png');
    // One at a time: a refusal not yet awaited would be an unhandled rejection.
    for (const attempt of [
      () => imageInfo(bomb),
      () => thumbnail(bomb),
      () => fitImage(bomb, { maxDimension: 1568, maxBytes: 500_000 }),
    ]) {
      const error = await refusal(attempt());
      expect(error.code).toBe('payload_too_large');
      expect(error.message).toContain(`${width}×${height}`);
      expect(error.message).toContain('50 million pixels');
    }
  });

  it('answers a corrupt or truncated image with a bad request', async () => {
    const garbage = padded([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4, 5]);
    const error = await refusal(imageInfo(garbage));
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^Could not read this image/);

    const whole = await noisy(200, 200).png().toBuffer();
    const truncated = whole.subarray(0, whole.byteLength / 2);
    expect((await refusal(thumbnail(truncated))).code).toBe('bad_request');
  });

  it('does not decode formats that were never accepted (SVG, TIFF)', async () => {
    const svg = encode(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    );
    expect((await refusal(thumbnail(svg))).code).toBe('unsupported_media_type');
    const tiff = await solid(10, 10).tiff().toBuffer();
    expect((await refusal(imageInfo(tiff))).code).toBe('unsupported_media_type');
  });
});
