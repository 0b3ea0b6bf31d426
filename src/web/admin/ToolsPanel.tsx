import { api, type ToolServer } from '../api.js';
import { Badge, Unavailable } from './states.js';
import { useResource } from './use-resource.js';

const STATE: Record<ToolServer['state'], 'ok' | 'warn' | 'danger'> = {
  ready: 'ok',
  connecting: 'warn',
  down: 'danger',
};

/** The MCP servers the operator configured (MCP_FILE), their state and their tools. */
export function ToolsPanel() {
  const tools = useResource(() => api.tools());
  const servers = tools.data?.servers ?? [];
  return (
    <section className="card" aria-labelledby="tools-title">
      <div className="card-head">
        <h2 id="tools-title">MCP servers and tools</h2>
        <button
          type="button"
          className="btn btn-small"
          disabled={tools.loading}
          onClick={() => void tools.reload()}
        >
          Refresh
        </button>
      </div>
      {tools.unavailable && <Unavailable what="Tools" />}
      {tools.error && (
        <p className="form-error" role="alert">
          {tools.error}
        </p>
      )}
      {tools.loading && !tools.data && <p className="muted">Loading…</p>}
      {tools.data && servers.length === 0 && (
        <p className="muted">
          No MCP servers are configured. Name them in the file <code>MCP_FILE</code> points at.
        </p>
      )}
      {servers.length > 0 && (
        <ul className="token-list">
          {servers.map((server) => (
            <li key={server.name} className="admin-user">
              <div className="admin-user-main">
                <div className="admin-user-info">
                  <strong>{server.name}</strong> <Badge tone={STATE[server.state]}>{server.state}</Badge>
                  <div className="muted small">
                    {server.tools.length === 0
                      ? 'No tools'
                      : `${server.tools.length} tool${server.tools.length === 1 ? '' : 's'}: ${server.tools
                          .map((tool) => tool.name + (tool.requiresApproval ? ' (approval)' : ''))
                          .join(', ')}`}
                  </div>
                  {server.error && <div className="form-error small">{server.error}</div>}
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
