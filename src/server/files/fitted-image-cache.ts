import type { FittedImage, ImageLimits } from './images.js';

/** Bytes of fitted images kept per instance. */
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Images fitted to a provider's limits, kept in memory (least recently used out, bounded in
 * bytes): a large photo is re-encoded once, not on every turn of the conversation that carries
 * it. Files never change, so an entry is never stale; a deleted file's entry can no longer be
 * asked for (its row is gone) and ages out.
 */
export class FittedImageCache {
  private readonly entries = new Map<string, FittedImage>();
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_BYTES) {}

  async get(fileId: string, limits: ImageLimits, compute: () => Promise<FittedImage>): Promise<FittedImage> {
    const key = `${fileId}:${limits.maxDimension}:${limits.maxBytes}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const fitted = await compute();
    if (fitted.bytes.byteLength <= this.maxBytes) {
      this.entries.set(key, fitted);
      this.bytes += fitted.bytes.byteLength;
      for (const [oldest, entry] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(oldest);
        this.bytes -= entry.bytes.byteLength;
      }
    }
    return fitted;
  }
}
