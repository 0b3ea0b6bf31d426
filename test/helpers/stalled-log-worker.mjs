// A pino transport whose worker thread stops reading after its first chunk, as a Splunk worker
// stuck on a bug would (splunk.test.ts: what waits on the main thread must stay bounded).
import { EventEmitter } from 'node:events';

export default async function stalledTransport() {
  const destination = new EventEmitter();
  // false and never a 'drain': thread-stream's reader waits for ever and reads no more.
  destination.write = () => false;
  destination.end = () => setImmediate(() => destination.emit('close'));
  return destination;
}
