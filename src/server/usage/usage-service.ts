import {
  type AdminUsageReportDto,
  MAX_USAGE_RANGE_DAYS,
  MAX_USAGE_USER_ROWS,
  type UsageReportDto,
  type UsageRowDto,
} from '../../shared/usage-schemas.js';
import type { QuotaPool } from '../auth/effective-limits.js';
import { GroupLimits } from '../auth/group-limits.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Data } from '../store/repositories.js';
import type { UsageDimension, UsageSums } from '../store/usage-events-repo.js';

/** Rows of a report not grouped by user: 366 days × a good number of models. */
const MAX_ROWS = 10_000;
const DAY_MS = 86_400_000;

export type UsageGroup = UsageDimension;

export interface UsageServiceDeps {
  store: Data;
  config: Pick<Config, 'tokenQuotaDaily' | 'tokenQuotaMonthly'>;
  /** "Today" for the default range; tests pin it. */
  now?: () => Date;
}

interface Range {
  from: string;
  to: string;
}

const invalid = (message: string) => new AppError('validation_error', message);

/** A YYYY-MM-DD that names a real day (the schema checked the shape), as its UTC midnight. */
function dayTime(value: string, name: string): number {
  const time = Date.parse(`${value}T00:00:00.000Z`);
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) {
    throw invalid(`${name} is not a real day: ${value} (expected YYYY-MM-DD).`);
  }
  return time;
}

const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

const usd = (micros: number | null) => (micros === null ? null : micros / 1_000_000);

function row(group: Partial<UsageRowDto>, sums: UsageSums): UsageRowDto {
  return {
    ...group,
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    requests: sums.requests,
    costUsd: usd(sums.costMicros),
  };
}

/** CSV columns for each grouping, in the order the contract lists them. */
const CSV_COLUMNS: { group: UsageGroup; header: string; cell: (row: UsageRowDto) => string }[] = [
  { group: 'day', header: 'day', cell: (r) => r.day ?? '' },
  { group: 'model', header: 'model', cell: (r) => r.model ?? '' },
  { group: 'user', header: 'user', cell: (r) => r.username ?? r.userId ?? '' },
  { group: 'group', header: 'group', cell: (r) => r.groupName ?? '' },
];

/**
 * One CSV cell: a text that a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading
 * quote, and a cell with a comma, quote or line break is quoted (RFC 4180).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * Usage reports from the usage events (one per run and per /v1 completion, priced when written),
 * and a user's quota standing from the counters the quotas are enforced with.
 */
export class UsageService {
  private readonly limits: GroupLimits;

  constructor(private readonly deps: UsageServiceDeps) {
    this.limits = new GroupLimits(deps);
  }

  private today(): number {
    return dayTime((this.deps.now?.() ?? new Date()).toISOString().slice(0, 10), 'today');
  }

  /** The range asked for: both ends included, `to` by default today, `from` 30 days before it. */
  range(from: string | undefined, to: string | undefined): Range {
    const end = to === undefined ? this.today() : dayTime(to, 'to');
    const start = from === undefined ? end - 29 * DAY_MS : dayTime(from, 'from');
    if (start > end) throw invalid(`from (${isoDay(start)}) is after to (${isoDay(end)}).`);
    if ((end - start) / DAY_MS + 1 > MAX_USAGE_RANGE_DAYS) {
      throw invalid(`The range covers more than ${MAX_USAGE_RANGE_DAYS} days; ask for a shorter one.`);
    }
    return { from: isoDay(start), to: isoDay(end) };
  }

  /** `groupBy` as a list: one or two of `allowed`, no repeats. */
  groupBy(value: string | undefined, allowed: readonly UsageGroup[], fallback: UsageGroup[]): UsageGroup[] {
    if (value === undefined) return fallback;
    const parts = value.split(',').map((part) => part.trim());
    if (parts.length > 2) throw invalid('groupBy takes one or two groupings, comma-separated.');
    for (const part of parts) {
      if (!(allowed as readonly string[]).includes(part)) {
        throw invalid(`groupBy "${part}" is not one of ${allowed.join(', ')}.`);
      }
    }
    if (parts[0] === parts[1]) throw invalid(`groupBy names ${parts[0]} twice.`);
    return parts as UsageGroup[];
  }

  private async report(range: Range, groupBy: UsageGroup[], userId?: string) {
    const dimensions: UsageDimension[] = groupBy;
    const query = {
      ...range,
      ...(userId !== undefined ? { userId } : {}),
      limit: dimensions.includes('user') ? MAX_USAGE_USER_ROWS : MAX_ROWS,
    };
    const repo = this.deps.store.repos.usageEvents;
    const [rows, totals] = await Promise.all([repo.usageByGroup(query, dimensions), repo.usageTotals(query)]);
    return {
      from: range.from,
      to: range.to,
      groupBy,
      rows: rows.map(({ inputTokens, outputTokens, requests, costMicros, ...group }) =>
        row(group, { inputTokens, outputTokens, requests, costMicros }),
      ),
      totals: row({}, totals),
    };
  }

  /** GET /api/usage: the caller's own usage, and where they stand against their quotas. */
  async own(
    userId: string,
    query: { from?: string; to?: string; groupBy?: string },
  ): Promise<UsageReportDto> {
    const range = this.range(query.from, query.to);
    const groupBy = this.groupBy(query.groupBy, ['day', 'model'], ['day']);
    const [report, standing] = await Promise.all([
      this.report(range, groupBy, userId),
      this.limits.standing(userId, this.deps.now?.() ?? new Date()),
    ]);
    // As the limiter reads them: the pool that decides each window (own, a group's, the server's).
    const window = ({ limit, used, source, groupName }: QuotaPool) => ({ limit, used, source, groupName });
    return { ...report, quota: { daily: window(standing.daily), monthly: window(standing.monthly) } };
  }

  /** GET /api/admin/usage: everyone's usage (admins). */
  async all(query: { from?: string; to?: string; groupBy?: string }): Promise<AdminUsageReportDto> {
    const range = this.range(query.from, query.to);
    const groupBy = this.groupBy(query.groupBy, ['user', 'model', 'day', 'group'], ['day']);
    return this.report(range, groupBy);
  }

  /** A report as CSV: a header row, then the grouped columns and the sums of each row. */
  csv(report: AdminUsageReportDto): string {
    const columns = CSV_COLUMNS.filter((column) => report.groupBy.includes(column.group));
    const lines = [
      [...columns.map((c) => c.header), 'input_tokens', 'output_tokens', 'requests', 'cost_usd'],
    ];
    for (const r of report.rows) {
      lines.push([
        ...columns.map((c) => csvCell(c.cell(r))),
        String(r.inputTokens),
        String(r.outputTokens),
        String(r.requests),
        r.costUsd === null ? '' : String(r.costUsd),
      ]);
    }
    return `${lines.map((line) => line.join(',')).join('\r\n')}\r\n`;
  }
}
