import { type AdminModel, adminApi, type Breaker } from './admin-api.js';
import { ModelHistory } from './ModelHistory.js';
import { errorRate, ttft } from './model-format.js';
import { HeadRow, ResourceNotes } from './panel-parts.js';
import { Badge, ScrollTable } from './states.js';
import { formatCount } from './usage-data.js';
import { useResource } from './use-resource.js';

// Kept importable from here (older tests and callers).
export { errorRate, ttft };

const BREAKER: Record<Breaker, { tone: 'ok' | 'warn' | 'danger'; text: string }> = {
  closed: { tone: 'ok', text: 'healthy' },
  'half-open': { tone: 'warn', text: 'probing' },
  open: { tone: 'danger', text: 'failing' },
};

/** Configured models: the circuit breaker's state, the last 15 minutes' error rate and time to first token, and their history. */
export function ModelsPanel() {
  const models = useResource(() => adminApi.models());
  const list = models.data?.models ?? [];
  return (
    <>
      <section className="card" aria-labelledby="models-title">
        <div className="card-head">
          <h2 id="models-title">Models and providers</h2>
          <button
            type="button"
            className="btn btn-small"
            disabled={models.loading}
            onClick={() => void models.reload()}
          >
            Refresh
          </button>
        </div>
        <p className="muted small">Recent figures cover the last 15 minutes on this instance.</p>
        <ResourceNotes
          resource={models}
          what="Model health"
          empty={list.length === 0}
          none="No models are configured."
        />
        {list.length > 0 && (
          <ScrollTable label="Models">
            <table className="admin-table">
              <thead>
                <HeadRow text={['Model', 'Provider', 'State']} num={['Requests', 'Error rate', 'TTFT p50']} />
              </thead>
              <tbody>
                {list.map((model) => (
                  <ModelRow key={model.id} model={model} />
                ))}
              </tbody>
            </table>
          </ScrollTable>
        )}
      </section>
      <ModelHistory />
    </>
  );
}

function ModelRow({ model }: { model: AdminModel }) {
  const breaker = BREAKER[model.breaker] ?? { tone: 'warn' as const, text: model.breaker };
  return (
    <tr>
      <td className="wrap">
        <strong>{model.name}</strong>
        {model.name !== model.id && <div className="muted small">{model.id}</div>}
      </td>
      <td>{model.provider}</td>
      <td>
        {model.available ? <Badge tone={breaker.tone}>{breaker.text}</Badge> : <Badge>unavailable</Badge>}
        {model.breaker !== 'closed' && model.retryInMs !== null && (
          <div className="muted small">retry in {Math.ceil(model.retryInMs / 1000)} s</div>
        )}
      </td>
      <td className="num">{formatCount(model.recent.requests)}</td>
      <td className="num">{errorRate(model.recent.errorRate)}</td>
      <td className="num">{ttft(model.recent.ttftMsP50)}</td>
    </tr>
  );
}
