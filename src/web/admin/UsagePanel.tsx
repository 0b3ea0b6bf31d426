import { useId, useMemo, useState } from 'react';
import { adminApi, type UsageQuery, usageUrl } from './admin-api.js';
import { GroupQuotaChart } from './GroupQuotaChart.js';
import { HeadRow, ResourceNotes } from './panel-parts.js';
import { StackedChart } from './StackedChart.js';
import { ScrollTable } from './states.js';
import {
  dailyByModel,
  formatCompact,
  formatCost,
  formatCount,
  lastDays,
  shortDay,
  tokensOf,
  topUsers,
} from './usage-data.js';
import { useResource } from './use-resource.js';

const RANGES = [7, 30, 90] as const;
const costAxis = (value: number) =>
  value === 0 ? '$0' : `$${value < 1 ? value.toFixed(2) : formatCompact(value)}`;

/** Usage and cost: tokens and cost per day stacked by model, top users; the table and CSV under each. */
export function UsagePanel() {
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const rangeId = useId();
  const range = useMemo(() => lastDays(days), [days]);
  const byDay: UsageQuery = useMemo(() => ({ ...range, groupBy: 'day,model' }), [range]);
  const byUser: UsageQuery = useMemo(() => ({ ...range, groupBy: 'user' }), [range]);
  const daily = useResource(() => adminApi.usage(byDay), usageUrl(byDay));
  const users = useResource(() => adminApi.usage(byUser), usageUrl(byUser));

  const series = useMemo(
    () => (daily.data ? dailyByModel(daily.data.rows, range.from, range.to) : null),
    [daily.data, range],
  );
  const top = useMemo(() => (users.data ? topUsers(users.data.rows, 10) : []), [users.data]);
  const rows = useMemo(
    () =>
      [...(daily.data?.rows ?? [])]
        .filter((row) => tokensOf(row) > 0 || row.requests > 0)
        .sort((a, b) =>
          (a.day ?? '') < (b.day ?? '') ? 1 : (a.day ?? '') > (b.day ?? '') ? -1 : tokensOf(b) - tokensOf(a),
        ),
    [daily.data],
  );
  const totals = daily.data?.totals;

  return (
    <>
      <section className="card" aria-labelledby="usage-range-title">
        <h2 id="usage-range-title">Usage and cost</h2>
        <div className="admin-toolbar">
          <span className="field">
            <label htmlFor={rangeId}>Period</label>
            <select
              id={rangeId}
              value={days}
              onChange={(e) => setDays(Number(e.target.value) as (typeof RANGES)[number])}
            >
              {RANGES.map((n) => (
                <option key={n} value={n}>
                  Last {n} days
                </option>
              ))}
            </select>
          </span>
          <span className="muted small range-note">
            {shortDay(range.from)} – {shortDay(range.to)} (UTC)
          </span>
        </div>
        {totals && (
          <dl className="usage-totals">
            <div>
              <dt>Tokens</dt>
              <dd>{formatCount(tokensOf(totals))}</dd>
            </div>
            <div>
              <dt>Requests</dt>
              <dd>{formatCount(totals.requests)}</dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd>{formatCost(totals.costUsd)}</dd>
            </div>
          </dl>
        )}
        <ResourceNotes resource={daily} what="Usage figures" empty={false} none="" />
      </section>

      {series && (
        <section className="card" aria-labelledby="usage-daily-title">
          <h2 id="usage-daily-title">Per day, by model</h2>
          {rows.length === 0 ? (
            <p className="muted">No usage in this period.</p>
          ) : (
            <>
              <h3 className="chart-title">Tokens per day</h3>
              <StackedChart
                label={`Tokens per day, stacked by model, ${shortDay(range.from)} to ${shortDay(range.to)}. The table below has the figures.`}
                days={series.days}
                names={series.models}
                values={series.tokens}
                format={formatCompact}
              />
              <h3 className="chart-title">Cost per day</h3>
              <StackedChart
                label={`Cost per day in US dollars, stacked by model, ${shortDay(range.from)} to ${shortDay(range.to)}. The table below has the figures.`}
                days={series.days}
                names={series.models}
                values={series.cost}
                format={costAxis}
                height={180}
              />
              {series.unpriced && (
                <p className="muted small">
                  Some models have no price: their cost counts as $0 in the chart.
                </p>
              )}
              <ScrollTable label="Usage per day and model">
                <table className="admin-table">
                  <thead>
                    <HeadRow text={['Day', 'Model']} num={['Input', 'Output', 'Requests', 'Cost']} />
                  </thead>
                  <tbody>
                    {rows.map((row) => (
                      <tr key={`${row.day}/${row.model}`}>
                        <td>{row.day ? shortDay(row.day.slice(0, 10)) : '—'}</td>
                        <td className="wrap">{row.model ?? '—'}</td>
                        <td className="num">{formatCount(row.inputTokens)}</td>
                        <td className="num">{formatCount(row.outputTokens)}</td>
                        <td className="num">{formatCount(row.requests)}</td>
                        <td className="num">{formatCost(row.costUsd)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollTable>
            </>
          )}
          <CsvLink href={usageUrl(byDay, 'csv')} what="usage per day and model" />
        </section>
      )}

      {(users.data || users.error) && (
        <section className="card" aria-labelledby="usage-users-title">
          <h2 id="usage-users-title">Top users</h2>
          {users.error && (
            <p className="form-error" role="alert">
              {users.error}
            </p>
          )}
          {users.data && top.length === 0 && <p className="muted">No usage in this period.</p>}
          {top.length > 0 && (
            <ScrollTable label="Top users, table">
              <table className="admin-table top-users">
                <thead>
                  <HeadRow text={['User', 'Tokens']} num={['Requests', 'Cost']} />
                </thead>
                <tbody>
                  {top.map((user) => (
                    <tr key={user.id}>
                      <td className="wrap">{user.name}</td>
                      <td className="bar-cell">
                        <span className="bar" style={{ inlineSize: `${Math.max(2, user.share * 100)}%` }} />
                        <span className="bar-value">{formatCount(user.tokens)}</span>
                      </td>
                      <td className="num">{formatCount(user.requests)}</td>
                      <td className="num">{formatCost(user.costUsd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollTable>
          )}
          {users.data && <CsvLink href={usageUrl(byUser, 'csv')} what="usage per user" />}
        </section>
      )}

      <GroupQuotaChart />
    </>
  );
}

function CsvLink({ href, what }: { href: string; what: string }) {
  return (
    <p className="csv-link">
      <a href={href} download aria-label={`Download CSV of ${what}`}>
        Download CSV
      </a>
    </p>
  );
}
