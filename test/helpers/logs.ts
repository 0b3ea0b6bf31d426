import { Writable } from 'node:stream';
import pino, { type Level } from 'pino';

/** A logger whose JSON lines are kept as written, for tests that read audit and warning lines. */
export function captureLogs(level: Level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
