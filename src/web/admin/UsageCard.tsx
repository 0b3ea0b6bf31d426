import { api } from '../api.js';
import './UsageCard.css';
import { quotaState, thisMonth } from './quota.js';
import { formatCost, formatCount } from './usage-data.js';
import { useResource } from './use-resource.js';

/** Settings: "Your usage": tokens this month and what is left of the daily and monthly limits. */
export default function UsageCard() {
  const usage = useResource(() => {
    const { from, to } = thisMonth();
    return api.myUsage(from, to);
  });
  const data = usage.data;
  return (
    <section className="card" aria-labelledby="usage-title">
      <h2 id="usage-title">Your usage</h2>
      {usage.loading && !data && <p className="muted">Loading…</p>}
      {usage.unavailable && <p className="muted">Usage figures are not available on this server.</p>}
      {usage.error && (
        <p className="form-error" role="alert">
          {usage.error}
        </p>
      )}
      {data && (
        <>
          <p>
            <strong>{formatCount(data.totals.inputTokens + data.totals.outputTokens)}</strong> tokens this
            month
            <span className="muted">
              {' '}
              ({formatCount(data.totals.requests)} requests
              {data.totals.costUsd !== null && data.totals.costUsd > 0
                ? `, ${formatCost(data.totals.costUsd)}`
                : ''}
              )
            </span>
          </p>
          <QuotaLine label="Today" quota={data.quota.daily} />
          <QuotaLine label="This month" quota={data.quota.monthly} />
        </>
      )}
    </section>
  );
}

function QuotaLine({ label, quota }: { label: string; quota: { limit: number | null; used: number } }) {
  const state = quotaState(quota);
  if (!state) {
    return (
      <p className="muted small">
        {label}: {formatCount(quota.used)} tokens, no limit.
      </p>
    );
  }
  return (
    <div className="quota-line">
      <p className="small">
        {label}: {formatCount(state.used)} of {formatCount(state.limit)} tokens used,{' '}
        <strong>{formatCount(state.left)} left</strong>.
      </p>
      <meter
        className="quota-meter"
        min={0}
        max={state.limit || 1}
        low={state.limit * 0.8}
        high={state.limit * 0.95}
        optimum={0}
        value={Math.min(state.used, state.limit)}
        aria-label={`${label}: share of the token limit used`}
      />
    </div>
  );
}
