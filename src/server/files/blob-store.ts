/**
 * Where the bytes of attachments live, behind one small interface chosen at start from
 * FILE_STORE: `database` (the default: the SQLite/PostgreSQL store, so every instance shares them
 * with nothing more to run), `filesystem` (a directory, e.g. a volume) or `s3` (any S3-compatible
 * store). Keys are opaque strings made by Parley (never a user's file name).
 */
export interface BlobStore {
  /** Which kind this is, for logs and /readyz. */
  readonly kind: 'database' | 'filesystem' | 's3';
  /** Store `bytes` under `key`, replacing what was there. */
  put(key: string, bytes: Uint8Array, mediaType: string): Promise<void>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Remove these keys; a missing key is not an error. */
  delete(keys: string[]): Promise<void>;
  /** Release connections (S3 client); a no-op for the others. */
  close(): Promise<void>;
}
