import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  type DownloadProgress,
  downloadModel,
  fileNameOf,
  formatProgress,
  resolveModelUrl,
} from '../src/server/ai/model-download.js';
import { loadConfig } from '../src/server/config.js';

// npm run model:pull -- <url | owner/repo/file.gguf | hf:owner/repo/file.gguf> [--sha256 <hex>] [--out <dir>]
// Downloads a GGUF model into the data dir's models/ folder and prints the LOCAL_MODEL_PATH to use.

const USAGE =
  'usage: npm run model:pull -- <url | owner/repo/file.gguf | hf:owner/repo/file.gguf> [--sha256 <hex>] [--out <dir>]';

function fail(message: string): never {
  process.stderr.write(`model:pull: ${message}\n`);
  process.exit(1);
}

// The same data dir the server uses (next to its SQLite database), or ./data when settings are unusable.
function defaultDir(): string {
  try {
    return path.join(loadConfig().dataDir, 'models');
  } catch {
    return path.resolve('data', 'models');
  }
}

function progressPrinter(): (progress: DownloadProgress) => void {
  if (process.stderr.isTTY) {
    return (progress) => {
      process.stderr.write(`\r${formatProgress(progress)}\x1b[K${progress.done ? '\n' : ''}`);
    };
  }
  // Not a terminal (CI, logs): a plain line every 5 s and at the end.
  let last = 0;
  return (progress) => {
    if (!progress.done && (progress.elapsedMs - last < 5000 || progress.received === progress.total)) return;
    last = progress.elapsedMs;
    process.stderr.write(`${formatProgress(progress)}\n`);
  };
}

function parse() {
  try {
    return parseArgs({
      options: { sha256: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parse();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [spec] = positionals;
  if (!spec || positionals.length > 1) fail(USAGE);

  const url = resolveModelUrl(spec);
  const dir = path.resolve(values.out ?? defaultDir());
  const dest = path.join(dir, fileNameOf(url));
  if (!dest.toLowerCase().endsWith('.gguf'))
    process.stderr.write(`model:pull: note: ${dest} does not end in .gguf\n`);

  // Gated Hugging Face repositories need a token; fetch drops it if a redirect leaves the host.
  const headers: Record<string, string> = {};
  const token = process.env.HF_TOKEN;
  if (token && new URL(url).hostname === 'huggingface.co') headers.authorization = `Bearer ${token}`;

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.stderr.write(`Downloading ${url}\n       to ${dest}\n`);
  try {
    const result = await downloadModel({
      url,
      dest,
      sha256: values.sha256,
      headers,
      onProgress: progressPrinter(),
      signal: controller.signal,
    });
    if (result.alreadyPresent) process.stderr.write('Already downloaded.\n');
    else if (result.resumedFrom > 0) process.stderr.write(`Resumed from ${result.resumedFrom} bytes.\n`);
    process.stderr.write(
      `sha256 ${result.sha256}${values.sha256 ? ' (verified)' : ''}, ${(result.bytes / 1024 / 1024).toFixed(1)} MB\n`,
    );
    process.stdout.write(`LOCAL_MODEL_PATH=${result.path}\n`);
  } catch (error) {
    if (controller.signal.aborted) fail('interrupted; run the same command again to resume.');
    fail((error as Error).message);
  }
}

await main();
