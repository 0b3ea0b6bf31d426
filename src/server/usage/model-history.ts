import {
  MAX_HISTORY_DAYS,
  MAX_HISTORY_ITEMS,
  type ModelHistoryDto,
  type ModelHistoryQueryDto,
} from '../../shared/admin-console-schemas.js';
import { AppError } from '../errors.js';
import type { Data } from '../store/repositories.js';
import { csvCell } from './usage-service.js';

const DAY_MS = 86_400_000;

const invalid = (message: string) => new AppError('validation_error', message);
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

/** A YYYY-MM-DD that names a real day (the schema checked the shape), as its UTC midnight. */
function dayTime(value: string, name: string): number {
  const time = Date.parse(`${value}T00:00:00.000Z`);
  if (Number.isNaN(time) || isoDay(time) !== value) {
    throw invalid(`${name} is not a real day: ${value} (expected YYYY-MM-DD).`);
  }
  return time;
}

/** The bucket key from the store (`YYYY-MM-DD` or `YYYY-MM-DDTHH`) as the bucket's start. */
const bucketStart = (key: string) =>
  key.length === 10 ? `${key}T00:00:00.000Z` : `${key.slice(0, 13)}:00:00.000Z`;

/** Two middle values averaged (an even count), as the live figures do (model-stats.ts). */
function middle(values: number[]): number | null {
  if (values.length === 0) return null;
  return Math.round(values.reduce((a, b) => a + b, 0) / values.length);
}

/**
 * GET /api/admin/models/history: per model and hour or day, the calls (runs and /v1), how many
 * failed, and the median time to first token, from the usage events the calls wrote. Unlike
 * /api/admin/models (this instance, 15 minutes) it covers every instance and up to a year.
 */
export class ModelHistoryService {
  constructor(private readonly deps: { store: Data; now?: () => Date }) {}

  async history(query: ModelHistoryQueryDto): Promise<ModelHistoryDto> {
    const bucket = query.bucket ?? 'day';
    const maxDays = MAX_HISTORY_DAYS[bucket];
    const today = isoDay((this.deps.now?.() ?? new Date()).getTime());
    const end = dayTime(query.to ?? today, 'to');
    const start =
      query.from === undefined ? end - (bucket === 'day' ? 29 : 1) * DAY_MS : dayTime(query.from, 'from');
    if (start > end) throw invalid(`from (${isoDay(start)}) is after to (${isoDay(end)}).`);
    if ((end - start) / DAY_MS + 1 > maxDays) {
      throw invalid(
        `The range covers more than ${maxDays} days, the most for ${bucket} buckets; ask for a shorter one.`,
      );
    }
    const from = isoDay(start);
    const to = isoDay(end);
    const rows = await this.deps.store.repos.usageEvents.modelHistory({
      from,
      to,
      bucket,
      limit: MAX_HISTORY_ITEMS,
    });
    return {
      bucket,
      from,
      to,
      items: rows.map((row) => ({
        model: row.model,
        at: bucketStart(row.bucket),
        requests: row.requests,
        errors: row.errors,
        errorRate: row.requests > 0 ? row.errors / row.requests : null,
        ttftMsP50: middle(row.ttftMiddles),
      })),
    };
  }

  /** The history as CSV, like the usage report's (same quoting of cells). */
  csv(history: ModelHistoryDto): string {
    const lines = [['model', 'at', 'requests', 'errors', 'error_rate', 'ttft_ms_p50'].join(',')];
    for (const item of history.items) {
      lines.push(
        [
          csvCell(item.model),
          item.at,
          String(item.requests),
          String(item.errors),
          item.errorRate === null ? '' : String(item.errorRate),
          item.ttftMsP50 === null ? '' : String(item.ttftMsP50),
        ].join(','),
      );
    }
    return `${lines.join('\r\n')}\r\n`;
  }
}
