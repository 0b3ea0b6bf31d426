import { useId, useMemo, useState } from 'react';
import { extrasApi, type HistoryQuery, modelHistoryUrl } from './extras-api.js';
import { LineChart } from './LineChart.js';
import { errorRate, ttft } from './model-format.js';
import { bucketLabel, HISTORY_RANGES, historySeries, timeLabel } from './model-history-data.js';
import { HeadRow, ResourceNotes } from './panel-parts.js';
import { ScrollTable } from './states.js';
import { formatCount, lastDays, shortDay } from './usage-data.js';
import { useResource } from './use-resource.js';

type RangeId = (typeof HISTORY_RANGES)[number]['id'];
const percent = (value: number) => `${Math.round(value)}%`;
const msAxis = (value: number) =>
  value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;

/** Each model over time, from every instance's calls: median time to first token and error rate; the table and CSV under them. */
export function ModelHistory() {
  const [rangeId, setRangeId] = useState<RangeId>('2d');
  const selectId = useId();
  const choice = HISTORY_RANGES.find((r) => r.id === rangeId) ?? HISTORY_RANGES[0];
  const query: HistoryQuery = useMemo(() => ({ ...lastDays(choice.days), bucket: choice.bucket }), [choice]);
  const history = useResource(() => extrasApi.modelHistory(query), modelHistoryUrl(query));
  const items = history.data?.items ?? [];
  const series = useMemo(() => historySeries(items, query), [items, query]);
  const label = (seconds: number) => timeLabel(seconds, query.bucket);
  const rows = useMemo(() => [...items].reverse(), [items]);
  const span = `${shortDay(query.from)} to ${shortDay(query.to)} (UTC)`;

  return (
    <section className="card" aria-labelledby="model-history-title">
      <h2 id="model-history-title">Model history</h2>
      <div className="admin-toolbar">
        <span className="field">
          <label htmlFor={selectId}>Period</label>
          <select id={selectId} value={rangeId} onChange={(e) => setRangeId(e.target.value as RangeId)}>
            {HISTORY_RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </span>
        <span className="muted small range-note">{span}</span>
      </div>
      <ResourceNotes
        resource={history}
        what="Model history"
        empty={items.length === 0}
        none="No model calls in this period."
      />
      {items.length > 0 && (
        <>
          <h3 className="chart-title">Time to first token (median)</h3>
          <LineChart
            label={`Median time to first token per ${query.bucket} and model, ${span}. The table below has the figures.`}
            times={series.times}
            names={series.models}
            values={series.ttft}
            format={msAxis}
            timeLabel={label}
            minTop={100}
          />
          <h3 className="chart-title">Error rate</h3>
          <LineChart
            label={`Share of failed calls per ${query.bucket} and model, ${span}. The table below has the figures.`}
            times={series.times}
            names={series.models}
            values={series.errorRate}
            format={percent}
            timeLabel={label}
            minTop={10}
            height={160}
          />
          {series.hidden > 0 && (
            <p className="muted small">
              {series.hidden} more model{series.hidden === 1 ? '' : 's'} with fewer calls: in the table only.
            </p>
          )}
          <ScrollTable label="Model history figures">
            <table className="admin-table">
              <thead>
                <HeadRow
                  text={[query.bucket === 'hour' ? 'Hour' : 'Day', 'Model']}
                  num={['Requests', 'Errors', 'Error rate', 'TTFT p50']}
                />
              </thead>
              <tbody>
                {rows.map((item) => (
                  <tr key={`${item.at}/${item.model}`}>
                    <td>{bucketLabel(item.at, query.bucket)}</td>
                    <td className="wrap">{item.model}</td>
                    <td className="num">{formatCount(item.requests)}</td>
                    <td className="num">{formatCount(item.errors)}</td>
                    <td className="num">{errorRate(item.errorRate)}</td>
                    <td className="num">{ttft(item.ttftMsP50)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        </>
      )}
      {history.data && (
        <p className="csv-link">
          <a href={modelHistoryUrl(query, 'csv')} download aria-label="Download CSV of the model history">
            Download CSV
          </a>
        </p>
      )}
    </section>
  );
}
