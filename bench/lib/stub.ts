import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, type Proc, ROOT, startProcess } from '../server.js';
import type { Bench } from './context.js';

/** The model id Parley knows the stub by (MODELS_FILE endpoint `stub`, model `echo`). */
export const STUB_MODEL = 'stub/echo';

/** Start the OpenAI-compatible stub (bench/peers/openai-stub.mjs); `replyTokens` sets its reply length. */
export async function startStub(replyTokens?: number): Promise<Proc> {
  const port = await freePort();
  const args = [path.join(ROOT, 'bench/peers/openai-stub.mjs'), String(port)];
  if (replyTokens !== undefined) args.push(String(replyTokens));
  return startProcess(process.execPath, args, port, '/v1/models', 'openai-stub');
}

/** A fresh Parley (own directory and SQLite file) whose default model is the stub, via MODELS_FILE. */
export async function startParleyOnStub(bench: Bench, name: string, label: string, stub: Proc) {
  const dir = bench.dir(name);
  const modelsFile = path.join(dir, 'models.json');
  writeFileSync(
    modelsFile,
    JSON.stringify({
      endpoints: [{ name: 'stub', baseURL: `${stub.url}/v1`, apiKey: 'bench', models: [{ id: 'echo' }] }],
    }),
  );
  return bench.parley(label, {
    cwd: dir,
    dbFile: path.join(dir, 'parley.db'),
    env: { MODELS_FILE: modelsFile, DEFAULT_MODEL: STUB_MODEL },
  });
}
