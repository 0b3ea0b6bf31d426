import type { HistoryBucket, ModelHistoryItem } from './extras-api.js';

/** Pure helpers behind the models' history charts (tested without a browser). */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Points on the x axis at most (31 days of hours). */
const MAX_POINTS = 31 * 24;
/** Lines per chart at most: the style sheet's series colours (--chart-1 … --chart-8). */
const MAX_SERIES = 8;

export interface HistorySeries {
  /** Each bucket's start, in seconds since the epoch (uPlot's x values), every bucket of the range. */
  times: number[];
  /** Models, the most requests first; at most as many as the chart has colours. */
  models: string[];
  /** ttft[m][i]: model m's median first-token time in bucket i; null: no call streamed a token. */
  ttft: (number | null)[][];
  /** errorRate[m][i] as a percentage; null: no call in that bucket. */
  errorRate: (number | null)[][];
  /** Models left out of the charts (the table still has them). */
  hidden: number;
}

/** The start of every bucket from the `from` day to the end of the `to` day, none after `now`. */
export function bucketTimes(from: string, to: string, bucket: HistoryBucket, now = Date.now()): number[] {
  const step = bucket === 'hour' ? HOUR_MS : DAY_MS;
  // The rest of today is still to come: the chart ends at the current bucket.
  const end = Math.min(Date.parse(`${to}T00:00:00Z`) + DAY_MS, Math.floor(now / step) * step + 1);
  const out: number[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t < end && out.length < MAX_POINTS * 2; t += step) {
    out.push(t / 1000);
  }
  return out;
}

/** Items → one line per model over every bucket of the range (buckets without calls are gaps). */
export function historySeries(
  items: ModelHistoryItem[],
  range: { from: string; to: string; bucket: HistoryBucket },
  now = Date.now(),
): HistorySeries {
  const times = bucketTimes(range.from, range.to, range.bucket, now);
  const index = new Map(times.map((t, i) => [t, i]));
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.model, (totals.get(item.model) ?? 0) + item.requests);
  const ranked = [...totals.keys()].sort(
    (a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || (a < b ? -1 : 1),
  );
  const models = ranked.slice(0, MAX_SERIES);
  const row = new Map(models.map((model, i) => [model, i]));
  const empty = () => models.map(() => times.map((): number | null => null));
  const ttft = empty();
  const errorRate = empty();
  for (const item of items) {
    const m = row.get(item.model);
    const i = index.get(Date.parse(item.at) / 1000);
    if (m === undefined || i === undefined) continue;
    (ttft[m] as (number | null)[])[i] = item.ttftMsP50;
    (errorRate[m] as (number | null)[])[i] = item.errorRate === null ? null : item.errorRate * 100;
  }
  return { times, models, ttft, errorRate, hidden: ranked.length - models.length };
}

/** An x-axis label: the day for day buckets (and at midnight), else the UTC hour. */
export function timeLabel(seconds: number, bucket: HistoryBucket): string {
  const date = new Date(seconds * 1000);
  if (bucket === 'day' || date.getUTCHours() === 0) {
    return date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  }
  return `${String(date.getUTCHours()).padStart(2, '0')}:00`;
}

/** The bucket's start as the table shows it: "Mar 1" or "Mar 1, 09:00" (UTC). */
export function bucketLabel(at: string, bucket: HistoryBucket): string {
  const day = new Date(at).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  return bucket === 'day' ? day : `${day}, ${at.slice(11, 16)}`;
}

/** The ranges the panel offers (UTC days, today included): hours over 2 or 7 days, days over 30 or 90. */
export const HISTORY_RANGES = [
  { id: '2d', label: 'Last 2 days (hourly)', bucket: 'hour', days: 2 },
  { id: '7d', label: 'Last 7 days (hourly)', bucket: 'hour', days: 7 },
  { id: '30d', label: 'Last 30 days', bucket: 'day', days: 30 },
  { id: '90d', label: 'Last 90 days', bucket: 'day', days: 90 },
] as const satisfies readonly { id: string; label: string; bucket: HistoryBucket; days: number }[];
