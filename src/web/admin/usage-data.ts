import type { UsageRow } from './admin-api.js';

/** Pure helpers behind the usage charts and tables (tested without a browser). */

const DAY_MS = 86_400_000;

export const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The last `days` days up to today (UTC), as the API's `from` and `to`. */
export function lastDays(days: number, now = new Date()): { from: string; to: string } {
  return { from: isoDay(new Date(now.getTime() - (days - 1) * DAY_MS)), to: isoDay(now) };
}

/** Every day from `from` to `to`, inclusive (at most 366). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && out.length < 366; t += DAY_MS) {
    out.push(isoDay(new Date(t)));
  }
  return out;
}

export const tokensOf = (row: Pick<UsageRow, 'inputTokens' | 'outputTokens'>) =>
  row.inputTokens + row.outputTokens;

export interface DailyByModel {
  days: string[];
  /** Models, the largest total first (the bottom of each stack). */
  models: string[];
  /** tokens[m][d]: model m's tokens on day d. */
  tokens: number[][];
  /** cost[m][d] in USD (a missing price counts as 0 here; `unpriced` says it happened). */
  cost: number[][];
  unpriced: boolean;
}

/** Rows grouped by day and model → one series per model over every day of the range (gaps are 0). */
export function dailyByModel(rows: UsageRow[], from: string, to: string): DailyByModel {
  const days = daysBetween(from, to);
  const index = new Map(days.map((day, i) => [day, i]));
  const totals = new Map<string, number>();
  for (const row of rows) {
    const model = row.model ?? 'unknown';
    totals.set(model, (totals.get(model) ?? 0) + tokensOf(row));
  }
  const models = [...totals.keys()].sort(
    (a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || (a < b ? -1 : 1),
  );
  const at = new Map(models.map((model, i) => [model, i]));
  const tokens = models.map(() => days.map(() => 0));
  const cost = models.map(() => days.map(() => 0));
  let unpriced = false;
  for (const row of rows) {
    const d = row.day ? index.get(row.day.slice(0, 10)) : undefined;
    const m = at.get(row.model ?? 'unknown');
    if (d === undefined || m === undefined) continue;
    (tokens[m] as number[])[d] = ((tokens[m] as number[])[d] ?? 0) + tokensOf(row);
    if (row.costUsd === null) unpriced ||= tokensOf(row) > 0;
    else (cost[m] as number[])[d] = ((cost[m] as number[])[d] ?? 0) + row.costUsd;
  }
  return { days, models, tokens, cost, unpriced };
}

/** Running sums, bottom series first: stacked[i][d] = series[0][d] + … + series[i][d]. */
export function stack(series: number[][]): number[][] {
  const out: number[][] = [];
  series.forEach((values, i) => {
    out.push(values.map((value, d) => value + (i > 0 ? ((out[i - 1] as number[])[d] ?? 0) : 0)));
  });
  return out;
}

/** The users with the most tokens, most first, with their share of the largest (0..1, for a bar). */
export function topUsers(rows: UsageRow[], limit = 10) {
  const sorted = [...rows].sort((a, b) => tokensOf(b) - tokensOf(a)).slice(0, limit);
  const max = Math.max(1, ...sorted.map(tokensOf));
  return sorted.map((row) => ({
    id: row.userId ?? row.username ?? '?',
    name: row.username ?? row.userId ?? 'unknown',
    tokens: tokensOf(row),
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    requests: row.requests,
    costUsd: row.costUsd,
    share: tokensOf(row) / max,
  }));
}

const whole = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export const formatCount = (value: number) => whole.format(value);
/** Axis labels: 1.2K, 3.4M. */
export const formatCompact = (value: number) => compact.format(value);

/** Dollars: cents for everyday sums, more digits for the fractions a few tokens cost; "—" without a price. */
export function formatCost(value: number | null): string {
  if (value === null) return '—';
  if (value === 0) return '$0.00';
  const digits = Math.abs(value) < 0.01 ? 4 : 2;
  return `$${value.toFixed(digits)}`;
}

/** "Dec 7" from "2026-12-07". */
export function shortDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}
