import { useCallback, useEffect, useState } from 'react';
import { api, type ToolInfo, type ToolList, type ToolServer } from '../api.js';

/** The tool servers the user may use (`GET /api/tools`), shared by every conversation page. */

let cached: ToolList | null = null;
let inflight: Promise<ToolList | null> | null = null;

async function fetchTools(): Promise<ToolList | null> {
  inflight ??= api
    .tools()
    .then((list) => {
      cached = list;
      return list;
    })
    // No tools for this user (or the server is older): the menu stays hidden.
    .catch(() => cached)
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

export function useToolList() {
  const [list, setList] = useState<ToolList | null>(cached);
  const refresh = useCallback(async () => {
    const fresh = await fetchTools();
    if (fresh) setList(fresh);
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return { list, refresh };
}

/** One row of the tools menu: a tool, or an enabled id the server no longer offers. */
export interface ToolRow {
  id: string;
  name: string;
  description: string;
  requiresApproval: boolean;
  /** Enabled but not offered now (its server is down or dropped it): can only be turned off. */
  missing: boolean;
}

export interface ToolGroup {
  name: string;
  state: ToolServer['state'] | 'unknown';
  error: string | null;
  rows: ToolRow[];
}

const serverOf = (id: string) => id.slice(0, id.indexOf('/'));

const row = (tool: ToolInfo): ToolRow => ({
  id: tool.id,
  name: tool.name,
  description: tool.description,
  requiresApproval: tool.requiresApproval,
  missing: false,
});

/**
 * The menu's groups: each server with its tools, plus the enabled ids it does not list now (so
 * they can be turned off), and a group for enabled ids of servers that are not listed at all.
 */
export function toolGroups(servers: readonly ToolServer[], enabled: readonly string[]): ToolGroup[] {
  const listed = new Set(servers.flatMap((server) => server.tools.map((tool) => tool.id)));
  const missing = (server: string) =>
    enabled
      .filter((id) => !listed.has(id) && serverOf(id) === server)
      .map((id) => ({
        id,
        name: id.slice(id.indexOf('/') + 1),
        description: '',
        requiresApproval: false,
        missing: true,
      }));
  const groups: ToolGroup[] = servers.map((server) => ({
    name: server.name,
    state: server.state,
    error: server.error,
    rows: [...server.tools.map(row), ...missing(server.name)],
  }));
  const names = new Set(servers.map((server) => server.name));
  const orphans = [...new Set(enabled.filter((id) => !names.has(serverOf(id))).map(serverOf))];
  for (const name of orphans) groups.push({ name, state: 'unknown', error: null, rows: missing(name) });
  return groups;
}

/** The enabled ids after turning `id` on or off (order kept: the order the user enabled them in). */
export function toggled(enabled: readonly string[], id: string, on: boolean): string[] {
  const rest = enabled.filter((item) => item !== id);
  return on ? [...rest, id] : rest;
}
