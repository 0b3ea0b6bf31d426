import { useEffect, useState } from 'react';
import { api, type MyUsage } from '../api.js';
import { meterText, nearestQuota, thisMonth } from './quota.js';
import './QuotaMeter.css';

/**
 * Under the composer, only when more than 80% of the daily or monthly token limit is used: how
 * much is left. Reloaded after each reply (`version`); silent when the server has no usage API.
 */
export default function QuotaMeter({ version }: { version: number }) {
  const [usage, setUsage] = useState<MyUsage | null>(null);
  useEffect(() => {
    void version;
    let live = true;
    // Today is enough: the report carries both the daily and the monthly standing.
    const { to } = thisMonth();
    api.myUsage(to, to).then(
      (value) => live && setUsage(value),
      () => live && setUsage(null),
    );
    return () => {
      live = false;
    };
  }, [version]);
  const near = usage ? nearestQuota(usage) : null;
  if (!near) return null;
  const { state, period, groupName } = near;
  const what = period === 'daily' ? 'today’s' : 'this month’s';
  const text = meterText(state, period, groupName);
  return (
    <aside className="quota-nudge" aria-label="Token limit">
      <meter
        min={0}
        max={state.limit || 1}
        low={state.limit * 0.8}
        high={state.limit * 0.95}
        optimum={0}
        value={Math.min(state.used, state.limit)}
        aria-label={`Share of ${what} token limit used`}
      />
      <span>{text}</span>
    </aside>
  );
}
