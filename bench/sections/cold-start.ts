import path from 'node:path';
import type { Bench } from '../lib/context.js';
import { median, sampleProc } from '../server.js';

/**
 * 6. Cold start and idle memory: from spawning `node dist/server/main.js` (fresh SQLite file, so
 * migrations run) to the first 200 from `/readyz` (polled every 2 ms), then the resident memory
 * after two idle seconds.
 */

export interface ColdStartResult {
  readyMs: number;
  idleRssMiB: number;
  runs: { readyMs: number; idleRssMiB: number }[];
}

export async function coldStart(bench: Bench): Promise<ColdStartResult> {
  const count = bench.quick ? 1 : 5;
  bench.log(`\n## 6. Cold start to ready and idle RSS (${count} start${count === 1 ? '' : 's'})`);
  const runs: { readyMs: number; idleRssMiB: number }[] = [];
  for (let i = 1; i <= count; i++) {
    await bench.quiet();
    const dir = bench.dir('cold-start');
    const parley = await bench.parley(`cold-start-${i}`, { cwd: dir, dbFile: path.join(dir, 'parley.db') });
    const readyMs = performance.now() - parley.spawnedAt;
    try {
      await new Promise((resolve) => setTimeout(resolve, bench.quick ? 500 : 2_000));
      const idleRssMiB = sampleProc(parley.pid).rssMiB;
      runs.push({ readyMs, idleRssMiB });
      bench.log(
        `  start ${i}/${count}: ready in ${readyMs.toFixed(0)} ms, idle RSS ${idleRssMiB.toFixed(1)} MiB`,
      );
    } finally {
      await bench.stopParley(parley);
    }
  }
  const result = {
    readyMs: median(runs.map((run) => run.readyMs)),
    idleRssMiB: median(runs.map((run) => run.idleRssMiB)),
    runs,
  };
  bench.log(
    `  median: ready in ${result.readyMs.toFixed(0)} ms, idle RSS ${result.idleRssMiB.toFixed(1)} MiB`,
  );
  return result;
}
