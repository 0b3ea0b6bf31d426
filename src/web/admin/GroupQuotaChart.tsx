import { type ReactNode, useMemo, useState } from 'react';
import { adminApi, usageUrl } from './admin-api.js';
import { percentText, quotaBars, quotaText, type Window } from './group-quota.js';
import { HeadRow } from './panel-parts.js';
import { thisMonth } from './quota.js';
import { ScrollTable } from './states.js';
import { formatCount } from './usage-data.js';
import { useResource } from './use-resource.js';
import './GroupQuotaChart.css';

const WINDOWS: { id: Window; label: string }[] = [
  { id: 'day', label: 'Today' },
  { id: 'month', label: 'This month' },
];

/**
 * In the Usage tab: each group's shared consumption against its quota, today or this month (UTC),
 * as bars with a marker at the quota; the table below has every group's figures, the CSV the
 * tokens per group of the same window. Silent on a server without groups.
 */
export function GroupQuotaChart() {
  const groups = useResource(() => adminApi.groups());
  const [win, setWin] = useState<Window>('day');
  const items = groups.data?.items ?? [];
  const bars = useMemo(() => quotaBars(items, win), [items, win]);
  const range = useMemo(() => {
    const month = thisMonth();
    return win === 'day' ? { from: month.to, to: month.to } : month;
  }, [win]);
  if (groups.unavailable) return null;
  const what = win === 'day' ? 'today' : 'this month';
  return (
    <section className="card" aria-labelledby="usage-groups-title">
      <h2 id="usage-groups-title">Groups against their quotas</h2>
      <fieldset className="segmented">
        <legend className="sr-only">Window</legend>
        {WINDOWS.map((w) => (
          <label key={w.id} className={win === w.id ? 'checked' : ''}>
            <input
              type="radio"
              name="group-quota-window"
              checked={win === w.id}
              onChange={() => setWin(w.id)}
            />
            {w.label}
          </label>
        ))}
      </fieldset>
      {groups.error && (
        <p className="form-error" role="alert">
          {groups.error}
        </p>
      )}
      {groups.loading && !groups.data && <p className="muted">Loading…</p>}
      {groups.data && items.length === 0 && (
        <p className="muted">No groups yet: create them in the Groups tab.</p>
      )}
      {bars.length > 0 && (
        <>
          <div
            className="quota-bars"
            role="img"
            aria-label={`Tokens each group used ${what}, against its shared quota. The table below has the figures.`}
          >
            {bars.map((bar) => (
              <div key={bar.id} className="quota-bar">
                <span className="quota-bar-name">{bar.name}</span>
                <span className="quota-bar-track">
                  <span
                    className={`quota-bar-fill fill-${bar.tone ?? 'none'}`}
                    style={{ inlineSize: `${Math.min(100, bar.fillPct)}%` }}
                  />
                  {bar.markerPct !== null && (
                    <span className="quota-bar-marker" style={{ insetInlineStart: `${bar.markerPct}%` }} />
                  )}
                </span>
                <span className={bar.tone === 'danger' ? 'quota-bar-value over' : 'quota-bar-value'}>
                  {formatCount(bar.used)}
                  {bar.ratio === null
                    ? bar.quota === 0
                      ? ' · no limit'
                      : ' · no group quota'
                    : ` / ${formatCount(bar.quota ?? 0)} (${percentText(bar.ratio)})`}
                </span>
              </div>
            ))}
          </div>
          <p className="quota-legend muted small">
            <LegendItem swatch="quota-legend-fill fill-ok">used {what}</LegendItem>
            <LegendItem swatch="quota-legend-fill fill-warn">80% or more</LegendItem>
            <LegendItem swatch="quota-legend-fill fill-danger">all used</LegendItem>
            <LegendItem swatch="quota-legend-marker">the group’s quota</LegendItem>
            {items.length > bars.length && ` · the ${bars.length} most used of ${items.length} groups`}
          </p>
          <ScrollTable label="Groups against their quotas, table">
            <table className="admin-table">
              <thead>
                <HeadRow
                  text={['Group']}
                  num={['Members', 'Today', 'Daily quota', 'This month', 'Monthly quota']}
                />
              </thead>
              <tbody>
                {items.map((g) => (
                  <tr key={g.id}>
                    <td className="wrap">{g.name}</td>
                    <td className="num">{formatCount(g.memberCount)}</td>
                    <td className="num">{formatCount(g.usage.day)}</td>
                    <td className="num">{quotaText(g.tokenQuotaDaily, formatCount)}</td>
                    <td className="num">{formatCount(g.usage.month)}</td>
                    <td className="num">{quotaText(g.tokenQuotaMonthly, formatCount)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        </>
      )}
      {groups.data && items.length > 0 && (
        <p className="csv-link">
          <a
            href={usageUrl({ ...range, groupBy: 'group' }, 'csv')}
            download
            aria-label={`Download CSV of usage per group ${what}`}
          >
            Download CSV
          </a>
        </p>
      )}
    </section>
  );
}

/** A swatch and its words, kept on one line. */
function LegendItem({ swatch, children }: { swatch: string; children: ReactNode }) {
  return (
    <span className="quota-legend-item">
      <span className={swatch} aria-hidden="true" />
      {children}
    </span>
  );
}
