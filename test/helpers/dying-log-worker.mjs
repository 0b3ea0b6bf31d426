// A pino transport whose worker thread crashes after its first few lines, as a bug in the Splunk
// worker would (splunk.test.ts: the app must keep serving and count what it can no longer ship).
import { EventEmitter } from 'node:events';

export default async function dyingTransport() {
  const destination = new EventEmitter();
  let lines = 0;
  destination.write = (chunk) => {
    lines += chunk.split('\n').length - 1;
    if (lines >= 3) {
      setImmediate(() => {
        throw new Error('a bug in the log worker');
      });
    }
    return true;
  };
  destination.end = () => setImmediate(() => destination.emit('close'));
  return destination;
}
