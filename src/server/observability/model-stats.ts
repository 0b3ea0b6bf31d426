/**
 * Recent figures per model on this instance, for the admin console: runs, errors and the median
 * time to first token over the last 15 minutes. Kept in a small ring of one-minute buckets per
 * model, each with a bounded sample of first-token times, so memory stays bounded however busy
 * the server is.
 */

export const RECENT_WINDOW_MS = 15 * 60_000;
const BUCKET_MS = 60_000;
const BUCKETS = RECENT_WINDOW_MS / BUCKET_MS;
/** First-token times kept per bucket (later ones replace earlier ones at random: a reservoir). */
const SAMPLES_PER_BUCKET = 64;
/** Models tracked at most (a registry is much smaller; this only guards against surprises). */
const MAX_MODELS = 500;

interface Bucket {
  /** The bucket's minute (ms since the epoch / BUCKET_MS); a stale one is reset before use. */
  minute: number;
  requests: number;
  errors: number;
  ttftSeen: number;
  ttft: number[];
}

export interface RecentStats {
  requests: number;
  errors: number;
  errorRate: number | null;
  ttftMsP50: number | null;
}

export interface FinishedRun {
  status: string;
  startedAt: number;
  firstTokenAt: number | undefined;
}

export class ModelStats {
  private readonly rings = new Map<string, Bucket[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A run of `model` ended (any status; `error` counts as an error). */
  record(model: string, run: FinishedRun): void {
    const bucket = this.bucket(model);
    if (!bucket) return;
    bucket.requests += 1;
    if (run.status === 'error') bucket.errors += 1;
    if (run.firstTokenAt !== undefined) {
      const ms = Math.max(0, Math.round(run.firstTokenAt - run.startedAt));
      bucket.ttftSeen += 1;
      if (bucket.ttft.length < SAMPLES_PER_BUCKET) bucket.ttft.push(ms);
      else {
        const slot = Math.floor(Math.random() * bucket.ttftSeen);
        if (slot < SAMPLES_PER_BUCKET) bucket.ttft[slot] = ms;
      }
    }
  }

  /** The last 15 minutes of `model` (zeros when it has not run). */
  recent(model: string): RecentStats {
    const current = Math.floor(this.now() / BUCKET_MS);
    let requests = 0;
    let errors = 0;
    const ttft: number[] = [];
    for (const bucket of this.rings.get(model) ?? []) {
      if (current - bucket.minute >= BUCKETS) continue;
      requests += bucket.requests;
      errors += bucket.errors;
      ttft.push(...bucket.ttft);
    }
    return {
      requests,
      errors,
      errorRate: requests > 0 ? errors / requests : null,
      ttftMsP50: median(ttft),
    };
  }

  private bucket(model: string): Bucket | undefined {
    const minute = Math.floor(this.now() / BUCKET_MS);
    let ring = this.rings.get(model);
    if (!ring) {
      if (this.rings.size >= MAX_MODELS) return undefined;
      ring = Array.from({ length: BUCKETS }, () => emptyBucket(-Infinity));
      this.rings.set(model, ring);
    }
    const index = minute % BUCKETS;
    let bucket = ring[index] as Bucket;
    if (bucket.minute !== minute) {
      bucket = emptyBucket(minute);
      ring[index] = bucket;
    }
    return bucket;
  }
}

const emptyBucket = (minute: number): Bucket => ({ minute, requests: 0, errors: 0, ttftSeen: 0, ttft: [] });

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}
