import type { Logger } from 'pino';
import { MAX_FILES_PER_MESSAGE } from '../../shared/api-schemas.js';
import type { FileInfoDto } from '../../shared/message-parts.js';
import { AppError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { Data, Repositories } from '../store/repositories.js';
import type { FileRow } from '../store/schema.js';
import type { BlobStore } from './blob-store.js';
import { extractText } from './extract-text.js';
import { detectFile } from './file-type.js';
import { FittedImageCache } from './fitted-image-cache.js';
import { imageInfo, thumbnail } from './images.js';

/** An upload never sent in a message is deleted after this long. */
const ORPHAN_TTL_MS = 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60_000;
/** Rows and blob keys handled per sweep step: a sweep never holds the database for long. */
const SWEEP_BATCH = 500;
/** Uploads one user may have in flight on this instance (each is held in memory while checked). */
const MAX_UPLOADS_IN_FLIGHT = 3;
const MAX_NAME_CHARS = 255;

export interface FileServiceDeps {
  store: Data;
  blobs: BlobStore;
  /** MAX_FILE_MB in bytes. */
  maxFileBytes: number;
  /** STORAGE_QUOTA_MB in bytes: messages, imports and files together. */
  storageQuotaBytes: number;
  logger: Logger;
}

export function fileInfo(row: FileRow): FileInfoDto {
  return {
    id: row.id,
    name: row.name,
    mediaType: row.media_type,
    size: Number(row.size),
    createdAt: row.created_at,
  };
}

/** A display name from the client's file name: no path, no control characters, bounded. */
export function cleanFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed.
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean.slice(0, MAX_NAME_CHARS) || 'file';
}

/**
 * Attachments: upload (limits, type from the bytes, quota), read, preview, delete, tie to a
 * message, and the sweeper that expires orphans and removes deleted files' bytes. A file is its
 * uploader's alone: another user's id answers 404 everywhere.
 */
export class FileService {
  private readonly inFlight = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  /** Images fitted to providers' limits, so a photo is re-encoded once per instance, not per turn. */
  readonly fitted = new FittedImageCache();

  constructor(private readonly deps: FileServiceDeps) {}

  get maxFileBytes(): number {
    return this.deps.maxFileBytes;
  }

  get blobs(): BlobStore {
    return this.deps.blobs;
  }

  /**
   * Claim one of the user's upload places on this instance; call the returned function when the
   * upload is done. A user cannot hold many large bodies in memory at once.
   */
  claimUpload(userId: string): () => void {
    const held = this.inFlight.get(userId) ?? 0;
    if (held >= MAX_UPLOADS_IN_FLIGHT) {
      throw new AppError(
        'rate_limited',
        `At most ${MAX_UPLOADS_IN_FLIGHT} uploads at a time; wait for one to finish.`,
        {
          retryAfterSeconds: 1,
        },
      );
    }
    this.inFlight.set(userId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.inFlight.get(userId) ?? 1) - 1;
      if (now <= 0) this.inFlight.delete(userId);
      else this.inFlight.set(userId, now);
    };
  }

  /** Check and keep an upload: 201's body. Nothing is kept when any check fails. */
  async upload(userId: string, input: { name: string | undefined; bytes: Uint8Array }): Promise<FileInfoDto> {
    if (input.bytes.byteLength === 0) throw new AppError('bad_request', 'The file is empty.');
    const row = await this.check({ userId, conversationId: null }, cleanFileName(input.name), input.bytes);
    return fileInfo(row);
  }

  /**
   * A file a model made in a reply: checked like an upload (size, type from the bytes, quota),
   * tied to the run's conversation at once (it is no orphan).
   */
  async storeGenerated(
    owner: { userId: string; conversationId: string },
    file: { bytes: Uint8Array; mediaType: string },
  ): Promise<FileRow> {
    const extension = file.mediaType.split('/')[1]?.replace(/[^a-z0-9]/gi, '') || 'bin';
    return this.check(owner, `generated.${extension}`, file.bytes);
  }

  /**
   * Every check of a new file, then keep it: size, the type from the bytes, an image's size and
   * thumbnail, a document's text (extracted once, here), and the quota.
   */
  private async check(
    owner: { userId: string; conversationId: string | null },
    name: string,
    bytes: Uint8Array,
  ): Promise<FileRow> {
    if (bytes.byteLength > this.deps.maxFileBytes) throw this.tooLarge();
    const detected = await detectFile(bytes, name);
    const image = detected.kind === 'image' ? await imageInfo(bytes) : undefined;
    const preview = image ? await thumbnail(bytes) : undefined;
    const id = newId();
    const row: FileRow = {
      id,
      user_id: owner.userId,
      conversation_id: owner.conversationId,
      name,
      media_type: detected.mediaType,
      kind: detected.kind,
      size: bytes.byteLength,
      blob_key: `files/${id}`,
      preview_key: preview ? `previews/${id}` : null,
      width: image?.width ?? null,
      height: image?.height ?? null,
      // PostgreSQL text cannot hold NUL, and no reader needs it.
      extracted_text:
        detected.kind === 'image' ? null : (await extractText(bytes, detected)).replaceAll('\u0000', ''),
      created_at: new Date().toISOString(),
    };
    await this.keep(row, bytes, preview);
    return row;
  }

  /**
   * The row first (with the quota claimed atomically), then the bytes: if storing the bytes
   * fails, deleting the row queues its keys, so nothing is left behind either way.
   */
  private async keep(
    row: FileRow,
    bytes: Uint8Array,
    preview: { bytes: Uint8Array; mediaType: string } | undefined,
  ) {
    if (!(await this.deps.store.repos.files.insertFileWithinQuota(row, this.deps.storageQuotaBytes))) {
      const quotaMb = Math.round(this.deps.storageQuotaBytes / (1024 * 1024));
      throw new AppError(
        'storage_quota_exceeded',
        `This file would take you past your storage quota (${quotaMb} MB); delete conversations or files to make room.`,
      );
    }
    try {
      await this.deps.blobs.put(row.blob_key, bytes, row.media_type);
      if (preview && row.preview_key)
        await this.deps.blobs.put(row.preview_key, preview.bytes, preview.mediaType);
    } catch (error) {
      await this.deps.store.repos.files.deleteFile(row.user_id, row.id).catch(() => undefined);
      this.kickSweep();
      throw new AppError('unavailable', 'The file could not be stored; try again shortly.', {
        cause: error,
        retryAfterSeconds: 5,
      });
    }
  }

  /** The user's file row, or a 404 (missing or someone else's alike). */
  async requireFile(userId: string, id: string): Promise<FileRow> {
    const row = await this.deps.store.repos.files.fileById(id);
    if (!row || row.user_id !== userId) throw notFound('File');
    return row;
  }

  async read(userId: string, id: string): Promise<{ file: FileRow; bytes: Uint8Array }> {
    const file = await this.requireFile(userId, id);
    const bytes = await this.deps.blobs.get(file.blob_key);
    if (!bytes) throw notFound('File');
    return { file, bytes };
  }

  /** An image's thumbnail (WebP, at most 256 px); 404 for other files. */
  async preview(userId: string, id: string): Promise<Uint8Array> {
    const file = await this.requireFile(userId, id);
    const bytes = file.preview_key ? await this.deps.blobs.get(file.preview_key) : undefined;
    if (!bytes) throw notFound('Preview');
    return bytes;
  }

  async remove(userId: string, id: string): Promise<void> {
    if (!(await this.deps.store.repos.files.deleteFile(userId, id))) throw notFound('File');
    this.kickSweep();
  }

  /**
   * In a send's transaction: the named files, which must be the user's and not tied to another
   * conversation, now tied to this one. In the order given.
   */
  async attach(
    tx: Repositories,
    userId: string,
    conversationId: string,
    ids: readonly string[],
  ): Promise<FileRow[]> {
    if (ids.length === 0) return [];
    if (ids.length > MAX_FILES_PER_MESSAGE) {
      throw new AppError('validation_error', `A message can carry at most ${MAX_FILES_PER_MESSAGE} files.`);
    }
    const rows = new Map((await tx.files.filesByIds(ids)).map((row) => [row.id, row]));
    for (const id of ids) {
      const row = rows.get(id);
      if (!row || row.user_id !== userId) throw notFound('File');
      if (row.conversation_id !== null && row.conversation_id !== conversationId) {
        throw new AppError(
          'conflict',
          `"${row.name}" belongs to another conversation; upload it again to use it here.`,
        );
      }
    }
    await tx.files.attachFiles(userId, conversationId, ids);
    return ids.map((id) => rows.get(id) as FileRow);
  }

  /** The rows of files a conversation's messages name (for the prompt); only this conversation's. */
  async filesOf(conversationId: string, ids: readonly string[]): Promise<Map<string, FileRow>> {
    const rows = await this.deps.store.repos.files.filesByIds(ids);
    return new Map(rows.filter((row) => row.conversation_id === conversationId).map((row) => [row.id, row]));
  }

  start(): void {
    this.timer = setInterval(() => this.kickSweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
    this.kickSweep();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Sweep soon (after a delete); sweeps never overlap on this instance. */
  private kickSweep(): void {
    this.sweeping = this.sweeping
      .then(() => this.sweep())
      .catch((err) => this.deps.logger.warn({ err }, 'file sweep failed; will retry'));
  }

  /**
   * Expire orphans, then remove the bytes the delete trigger queued (from any deletion path: a
   * file, a conversation, a user). Safe on many instances at once: every step is idempotent.
   */
  async sweep(): Promise<{ orphans: number; blobs: number }> {
    const before = new Date(Date.now() - ORPHAN_TTL_MS).toISOString();
    const orphans = await this.deps.store.repos.files.deleteOrphanFiles(before, SWEEP_BATCH);
    let blobs = 0;
    for (;;) {
      const keys = await this.deps.store.repos.files.queuedBlobDeletions(SWEEP_BATCH);
      if (keys.length === 0) break;
      await this.deps.blobs.delete(keys);
      await this.deps.store.repos.files.forgetBlobDeletions(keys);
      blobs += keys.length;
      if (keys.length < SWEEP_BATCH) break;
    }
    return { orphans, blobs };
  }

  tooLarge(): AppError {
    const mb = Math.round(this.deps.maxFileBytes / (1024 * 1024));
    return new AppError('payload_too_large', `Files can be at most ${mb} MB (MAX_FILE_MB).`);
  }
}
