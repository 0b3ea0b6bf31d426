import type { Data } from '../store/repositories.js';
import type { BlobStore } from './blob-store.js';

/** FILE_STORE=database (the default): bytes in the shared database, so every instance has them. */
export class DatabaseBlobStore implements BlobStore {
  readonly kind = 'database';

  constructor(private readonly store: Data) {}

  put(key: string, bytes: Uint8Array, mediaType: string): Promise<void> {
    return this.store.repos.blobs.putBlob(key, bytes, mediaType);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.store.repos.blobs.getBlob(key);
  }

  delete(keys: string[]): Promise<void> {
    return this.store.repos.blobs.deleteBlobs(keys);
  }

  async close(): Promise<void> {}
}
