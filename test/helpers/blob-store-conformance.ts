import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/server/files/blob-store.js';

export interface OpenedBlobStore {
  store: BlobStore;
  cleanup(): Promise<void>;
}

/**
 * What every BlobStore must do, whatever keeps the bytes. One store serves the whole suite; each test
 * uses its own random key prefix, so the tests cannot see each other's blobs.
 */
export function blobStoreConformance(name: string, open: () => Promise<OpenedBlobStore>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let opened: OpenedBlobStore | undefined;
    const store = (): BlobStore => {
      if (!opened) throw new Error('the store did not open');
      return opened.store;
    };
    const keyPrefix = (): string => `${randomUUID()}/`;

    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.store.close();
      await opened?.cleanup();
    });

    it('round-trips binary bytes (all 256 byte values)', async () => {
      const key = `${keyPrefix()}bytes`;
      const bytes = Uint8Array.from({ length: 512 }, (_, index) => index % 256);
      await store().put(key, bytes, 'application/octet-stream');
      const got = await store().get(key);
      expect(got).toBeInstanceOf(Uint8Array);
      expectSameBytes(got, bytes);
    });

    it('round-trips an empty blob', async () => {
      const key = `${keyPrefix()}empty`;
      await store().put(key, new Uint8Array(0), 'text/plain');
      expectSameBytes(await store().get(key), new Uint8Array(0));
    });

    it('round-trips a 5 MB blob', async () => {
      const key = `${keyPrefix()}large`;
      const bytes = new Uint8Array(randomBytes(5 * 1024 * 1024));
      await store().put(key, bytes, 'image/png');
      expectSameBytes(await store().get(key), bytes);
    });

    it('replaces what was under a key (a shorter blob leaves nothing of the longer one)', async () => {
      const key = `${keyPrefix()}replaced`;
      await store().put(key, new TextEncoder().encode('the first, longer version'), 'text/plain');
      await store().put(key, new TextEncoder().encode('second'), 'text/plain');
      expect(new TextDecoder().decode(await store().get(key))).toBe('second');
    });

    it('gives undefined for a key that was never put', async () => {
      expect(await store().get(`${keyPrefix()}missing`)).toBeUndefined();
    });

    it('deletes missing keys, and no keys, without an error', async () => {
      await store().delete([`${keyPrefix()}missing`, `${keyPrefix()}also-missing`]);
      await store().delete([]);
    });

    it('deletes many keys at once (more than one S3 batch) and only those', async () => {
      const prefix = keyPrefix();
      const keys = Array.from({ length: 1050 }, (_, index) => `${prefix}${index}`);
      const kept = `${prefix}kept`;
      await inBatches(keys, 50, (key) => store().put(key, new Uint8Array([1, 2, 3]), 'text/plain'));
      await store().put(kept, new Uint8Array([4]), 'text/plain');

      await store().delete([...keys, `${prefix}never-there`, keys[0] ?? '']);

      const left = await inBatches(keys, 50, (key) => store().get(key));
      expect(left.filter((bytes) => bytes !== undefined)).toHaveLength(0);
      expectSameBytes(await store().get(kept), new Uint8Array([4]));
    }, 120_000);

    it('keeps keys with slashes apart', async () => {
      const prefix = keyPrefix();
      const a = `${prefix}conversations/c1/a.png`;
      const b = `${prefix}conversations/c1/b.png`;
      await store().put(a, new Uint8Array([1]), 'image/png');
      await store().put(b, new Uint8Array([2]), 'image/png');
      expectSameBytes(await store().get(a), new Uint8Array([1]));
      await store().delete([a]);
      expect(await store().get(a)).toBeUndefined();
      expectSameBytes(await store().get(b), new Uint8Array([2]));
    });

    it('takes 20 concurrent puts of different keys, all readable after', async () => {
      const prefix = keyPrefix();
      const blobs = Array.from({ length: 20 }, (_, index) => ({
        key: `${prefix}${index}`,
        bytes: new Uint8Array(randomBytes(1000 + index)),
      }));
      await Promise.all(blobs.map(({ key, bytes }) => store().put(key, bytes, 'application/octet-stream')));
      for (const { key, bytes } of blobs) expectSameBytes(await store().get(key), bytes);
    });
  });
}

/** Compares bytes without a 5 MB diff, and whatever Uint8Array subclass (Buffer) the store returns. */
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeDefined();
  if (!actual) return;
  expect(actual.byteLength).toBe(expected.byteLength);
  expect(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)).toBe(true);
}

/** Runs `task` over `items`, `size` at a time: a thousand puts at once would test the machine. */
async function inBatches<T, R>(items: T[], size: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map(task))));
  }
  return results;
}
