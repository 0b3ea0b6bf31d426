// Builds the web UI (src/web → dist/web) with Vite, unless dist/web is newer than every input.
// `npm start` and the browser tests call it, so a fresh clone or an edited UI is always rebuilt.
// Usage: node scripts/build-web.mjs [--force]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const INPUTS = ['src/web', 'vite.config.ts', 'package-lock.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

/** True when dist/web is missing or older than its sources. */
export function webBuildIsStale() {
  const index = join(root, 'dist/web/index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return INPUTS.some((input) => newest(join(root, input)) > built);
}

export async function buildWeb({ force = false, quiet = false } = {}) {
  if (!force && !webBuildIsStale()) {
    if (!quiet) console.log('web UI is up to date (dist/web)');
    return false;
  }
  // A child process with NODE_ENV=production: a caller such as Vitest sets NODE_ENV=test, which would
  // give React's development build. Built beside dist/web and swapped in, so a server starting
  // meanwhile (another test file) never reads a half-written folder.
  const out = join(root, 'dist/web');
  const next = `${out}.next-${process.pid}`;
  const old = `${out}.old-${process.pid}`;
  const args = [
    join(root, 'node_modules/vite/bin/vite.js'),
    'build',
    '--config',
    join(root, 'vite.config.ts'),
  ];
  args.push('--outDir', next, '--emptyOutDir');
  if (quiet) args.push('--logLevel', 'error');
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
  }
  try {
    if (existsSync(out)) renameSync(out, old);
    renameSync(next, out);
  } catch (error) {
    // Another build (a parallel test run) swapped its own in at the same moment: use that one.
    if (!existsSync(join(out, 'index.html'))) throw error;
    rmSync(next, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await buildWeb({ force: process.argv.includes('--force') });
}
