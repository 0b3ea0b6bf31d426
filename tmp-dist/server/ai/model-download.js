import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
export class DownloadError extends Error {
    name = 'DownloadError';
}
/** `hf:owner/repo/file.gguf` or `owner/repo/path/file.gguf` → its Hugging Face download URL; URLs pass. */
export function resolveModelUrl(spec) {
    const trimmed = spec.trim();
    if (/^https?:\/\//i.test(trimmed))
        return trimmed;
    const id = trimmed.replace(/^hf:/i, '').replace(/^\/+/, '');
    const parts = id.split('/').filter(Boolean);
    if (parts.length >= 3 && /\.gguf$/i.test(id)) {
        const [owner, repo, ...file] = parts;
        return `https://huggingface.co/${owner}/${repo}/resolve/main/${file.map(encodeURIComponent).join('/')}`;
    }
    throw new DownloadError(`Not a URL or Hugging Face file id: ${JSON.stringify(spec)}. Use https://... or owner/repo/file.gguf.`);
}
/** The file name a URL points at (its last path segment). */
export function fileNameOf(url) {
    const name = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '');
    if (!name || name.includes('..'))
        throw new DownloadError(`Cannot tell a file name from ${url}.`);
    return name;
}
async function sizeOf(file) {
    try {
        return (await stat(file)).size;
    }
    catch {
        return undefined;
    }
}
async function hashFile(file, hash = createHash('sha256')) {
    for await (const chunk of createReadStream(file))
        hash.update(chunk);
    return hash;
}
/** `bytes 100-199/1000` → { start: 100, total: 1000 }. */
function parseContentRange(header) {
    const match = header?.match(/^bytes (\d+)-\d+\/(\d+|\*)$/);
    if (!match)
        return undefined;
    return { start: Number(match[1]), total: match[2] === '*' ? undefined : Number(match[2]) };
}
async function verify(file, expected, actual) {
    if (expected === undefined || actual === expected.toLowerCase())
        return;
    // A wrong file must not be resumed or used: delete it.
    await rm(file, { force: true });
    throw new DownloadError(`Checksum mismatch for ${path.basename(file)}: expected sha256 ${expected.toLowerCase()}, got ${actual}. ` +
        'The download was deleted; check the URL and the --sha256 value.');
}
export async function downloadModel(options) {
    const { url, dest, sha256, signal } = options;
    const doFetch = options.fetch ?? globalThis.fetch;
    if (sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(sha256)) {
        throw new DownloadError(`Not a SHA-256: ${JSON.stringify(sha256)} (expected 64 hex digits).`);
    }
    await mkdir(path.dirname(dest), { recursive: true });
    const existing = await sizeOf(dest);
    if (existing !== undefined) {
        const digest = (await hashFile(dest)).digest('hex');
        if (sha256 === undefined || digest === sha256.toLowerCase()) {
            return { path: dest, bytes: existing, sha256: digest, resumedFrom: 0, alreadyPresent: true };
        }
        throw new DownloadError(`${dest} already exists but its sha256 is ${digest}, not ${sha256.toLowerCase()}; remove it to download again.`);
    }
    const part = `${dest}.part`;
    let offset = (await sizeOf(part)) ?? 0;
    const headers = { ...options.headers };
    if (offset > 0)
        headers.range = `bytes=${offset}-`;
    let response = await doFetch(url, { headers, redirect: 'follow', signal });
    // 416: nothing left after our offset. The part is complete when its size is the full size; otherwise
    // it is stale (the file changed upstream) and the download starts over.
    if (response.status === 416) {
        const total = Number(response.headers.get('content-range')?.match(/\/(\d+)$/)?.[1]);
        await response.body?.cancel();
        if (total === offset)
            return finish(options, part, offset, offset);
        await rm(part, { force: true });
        offset = 0;
        delete headers.range;
        response = await doFetch(url, { headers, redirect: 'follow', signal });
    }
    if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new DownloadError(`Download failed: ${url} answered HTTP ${response.status} ${response.statusText}.`.trim());
    }
    // 206 continues the part; 200 means the server ignored the range (or there was none): start over.
    let resumedFrom = 0;
    let total;
    if (response.status === 206) {
        const range = parseContentRange(response.headers.get('content-range'));
        if (!range || range.start !== offset) {
            await response.body.cancel();
            throw new DownloadError(`Download failed: ${url} answered a range that does not continue the part file.`);
        }
        resumedFrom = offset;
        total = range.total;
    }
    else {
        const length = response.headers.get('content-length');
        total = length === null ? undefined : Number(length);
    }
    const hash = resumedFrom > 0 ? await hashFile(part) : createHash('sha256');
    const started = performance.now();
    const interval = options.progressIntervalMs ?? 100;
    let received = resumedFrom;
    let lastReport = Number.NEGATIVE_INFINITY;
    const report = (done) => {
        const now = performance.now();
        if (!done && now - lastReport < interval)
            return;
        lastReport = now;
        options.onProgress?.({ received, total, resumedFrom, elapsedMs: now - started, done });
    };
    report(false);
    const meter = new Transform({
        transform(chunk, _encoding, callback) {
            hash.update(chunk);
            received += chunk.length;
            report(false);
            callback(null, chunk);
        },
    });
    try {
        await pipeline(Readable.fromWeb(response.body), meter, createWriteStream(part, { flags: resumedFrom > 0 ? 'a' : 'w' }), { signal });
    }
    catch (error) {
        if (signal?.aborted)
            throw error;
        const cause = error instanceof Error ? error.message : String(error);
        throw new DownloadError(`Download interrupted after ${received} bytes (${cause}). Run the same command again to resume.`, { cause: error });
    }
    if (total !== undefined && received !== total) {
        throw new DownloadError(`Download incomplete: got ${received} of ${total} bytes. Run the same command again to resume.`);
    }
    report(true);
    const digest = hash.digest('hex');
    await verify(part, sha256, digest);
    await rename(part, dest);
    return { path: dest, bytes: received, sha256: digest, resumedFrom, alreadyPresent: false };
}
// A .part that turned out to be complete already (416 on resume): verify and put it in place.
async function finish(options, part, bytes, resumedFrom) {
    const digest = (await hashFile(part)).digest('hex');
    await verify(part, options.sha256, digest);
    await rename(part, options.dest);
    options.onProgress?.({ received: bytes, total: bytes, resumedFrom, elapsedMs: 0, done: true });
    return { path: options.dest, bytes, sha256: digest, resumedFrom, alreadyPresent: false };
}
const MB = 1024 * 1024;
function duration(seconds) {
    if (!Number.isFinite(seconds))
        return '--';
    const s = Math.round(seconds);
    if (s < 60)
        return `${s}s`;
    if (s < 3600)
        return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
/** One progress line: percent and bar when the size is known, MB, speed and ETA. */
export function formatProgress(progress, barWidth = 24) {
    const { received, total, resumedFrom, elapsedMs } = progress;
    const speed = elapsedMs > 0 ? ((received - resumedFrom) / elapsedMs) * 1000 : 0;
    const rate = `${(speed / MB).toFixed(1)} MB/s`;
    if (total === undefined || total === 0)
        return `${(received / MB).toFixed(1)} MB  ${rate}`;
    const ratio = Math.min(1, received / total);
    const filled = Math.round(ratio * barWidth);
    const eta = speed > 0 ? duration((total - received) / speed) : '--';
    return (`${(ratio * 100).toFixed(0).padStart(3)}% [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ` +
        `${(received / MB).toFixed(1)}/${(total / MB).toFixed(1)} MB  ${rate}  ETA ${eta}`);
}
