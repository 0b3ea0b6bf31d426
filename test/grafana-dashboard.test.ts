/**
 * deploy/grafana/parley-dashboard.json, checked without a Grafana (none runs here):
 * - the dashboard model Grafana imports: required fields and types, panels on the 24-column grid
 *   with unique ids, known types and no overlaps, every query on the templated Prometheus data source,
 *   only variables the dashboard defines;
 * - every PromQL query parses with Prometheus's own grammar (@prometheus-io/lezer-promql, the parser
 *   behind the Prometheus UI), after Grafana's variables are interpolated as Grafana would;
 * - every metric a query reads is exported by a real Parley app after a demo turn, a failing
 *   provider (errors, open breaker) and Splunk shipping to a local HEC stub (the log shipper's
 *   series exist only then); rate() reads counters only, every parley_* family is on the dashboard,
 *   and counters follow the Prometheus convention (names end in `_total`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createLogger, logShipperOf } from '../src/server/observability/logger.js';
import { type HecServer, startHecServer } from './helpers/hec-server.js';
import { waitFor } from './helpers/mcp-servers.js';
import { createOpsApp } from './helpers/ops-app.js';
import { parsePrometheus, type Sample } from './helpers/prometheus.js';
import type { TestApp } from './helpers/test-app.js';

/** A node of the syntax tree the PromQL parser builds. */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

const grafanaDir = path.resolve(import.meta.dirname, '../deploy/grafana');
const file = path.join(grafanaDir, 'parley-dashboard.json');

interface Target {
  expr?: unknown;
  refId?: unknown;
  datasource?: unknown;
}

interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  gridPos?: { x?: unknown; y?: unknown; w?: unknown; h?: unknown };
  datasource?: unknown;
  targets?: Target[];
  panels?: Panel[];
  collapsed?: unknown;
}

interface Variable {
  name?: unknown;
  type?: unknown;
  query?: unknown;
  datasource?: unknown;
}

interface Dashboard {
  title?: unknown;
  uid?: unknown;
  schemaVersion?: unknown;
  time?: { from?: unknown; to?: unknown };
  timepicker?: unknown;
  panels?: Panel[];
  templating?: { list?: Variable[] };
}

const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
const variables = dashboard.templating?.list ?? [];

/** Every panel, those inside collapsed rows included (Grafana keeps them in the row's `panels`). */
function allPanels(): Panel[] {
  return (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/** A panel's place on the grid, as numbers (their types are checked first). */
function box(panel: Panel): { x: number; y: number; w: number; h: number } {
  const { x, y, w, h } = panel.gridPos ?? {};
  return { x: Number(x), y: Number(y), w: Number(w), h: Number(h) };
}

const queryPanels = () => allPanels().filter((panel) => panel.type !== 'row');

/** Panel types Grafana ships (a plugin type it does not have would render as "panel not found"). */
const KNOWN_PANEL_TYPES = new Set([
  'row',
  'timeseries',
  'stat',
  'gauge',
  'bargauge',
  'barchart',
  'table',
  'state-timeline',
  'status-history',
  'heatmap',
  'histogram',
  'piechart',
  'text',
  'logs',
  'news',
  'dashlist',
  'alertlist',
  'annolist',
  'nodeGraph',
  'traces',
  'flamegraph',
  'geomap',
  'canvas',
  'trend',
  'xychart',
  'candlestick',
  'datagrid',
]);

/** Grafana's own duration variables a Prometheus query may use (each becomes e.g. `5m`). */
const BUILTIN_VARIABLES = new Set(['__rate_interval', '__interval', '__range']);

const VARIABLE_REFERENCE = /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g;

function referencedVariables(text: string): string[] {
  return [...text.matchAll(VARIABLE_REFERENCE)].map((m) => (m[1] ?? m[2]) as string);
}

/**
 * A query as Prometheus receives it: Grafana puts a duration for its interval variables and the
 * selected values for the others (all of them: `.*`, the dashboard's allValue, inside `=~` matchers).
 */
function interpolate(expr: string): string {
  return expr.replace(VARIABLE_REFERENCE, (_, braced?: string, bare?: string) =>
    BUILTIN_VARIABLES.has((braced ?? bare) as string) ? '5m' : '.*',
  );
}

/** Every PromQL query of the dashboard, with where it is (variable queries included). */
function queries(): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  for (const panel of queryPanels()) {
    for (const target of panel.targets ?? []) {
      found.push({
        where: `panel "${String(panel.title)}" ${String(target.refId)}`,
        expr: String(target.expr),
      });
    }
  }
  for (const variable of variables.filter((v) => v.type === 'query')) {
    const query = variable.query as { query?: string } | string;
    const text = typeof query === 'string' ? query : String(query.query);
    // label_values(<selector>, <label>) is Grafana's; the selector inside it is PromQL.
    const selector = /^label_values\((.*),\s*\w+\)$/.exec(text)?.[1];
    expect(
      selector,
      `variable ${String(variable.name)}: a label_values(selector, label) query`,
    ).toBeDefined();
    found.push({ where: `variable ${String(variable.name)}`, expr: selector as string });
  }
  return found;
}

function syntaxNodes(expr: string): SyntaxNode[] {
  const nodes: SyntaxNode[] = [];
  parser.parse(expr).iterate({ enter: (ref) => void nodes.push(ref.node) });
  return nodes;
}

/** The metric name of a vector selector (`foo{a="b"}` → foo); undefined for `{__name__=...}`. */
function metricName(expr: string, selector: SyntaxNode): string | undefined {
  const identifier = selector.getChild('Identifier');
  return identifier ? expr.slice(identifier.from, identifier.to) : undefined;
}

function metricsIn(expr: string): string[] {
  return syntaxNodes(expr)
    .filter((node) => node.name === 'VectorSelector')
    .map((node) => metricName(expr, node))
    .filter((name): name is string => name !== undefined);
}

/** Metrics read through rate(), irate() or increase(): those must be counters. */
function ratedMetricsIn(expr: string): string[] {
  return syntaxNodes(expr)
    .filter((node) => node.name === 'FunctionCall')
    .filter((call) =>
      ['rate', 'irate', 'increase'].includes(
        expr.slice(call.getChild('FunctionIdentifier')?.from, call.getChild('FunctionIdentifier')?.to),
      ),
    )
    .flatMap((call) => {
      const names: string[] = [];
      const cursor = call.cursor();
      do if (cursor.name === 'VectorSelector') names.push(metricName(expr, cursor.node) ?? '');
      while (cursor.next() && cursor.from < call.to);
      return names.filter((name) => name !== '');
    });
}

/** A histogram's series name → its family (`x_bucket`, `x_sum`, `x_count` → x). */
function family(name: string, types: Map<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && types.get(base) === 'histogram' ? base : name;
}

describe('the Grafana dashboard model', () => {
  it('has what Grafana requires of a dashboard: title, uid, current schemaVersion, time range', () => {
    expect(dashboard.title).toBe('Parley');
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeTypeOf('number');
    expect(dashboard.schemaVersion as number).toBeGreaterThanOrEqual(39);
    expect(dashboard.time).toEqual({ from: expect.stringMatching(/^now-\d+[smhdw]$/), to: 'now' });
    expect(dashboard.timepicker).toBeTypeOf('object');
    expect(Array.isArray(dashboard.panels)).toBe(true);
    expect(Array.isArray(dashboard.templating?.list)).toBe(true);
  });

  it('lays out panels with unique ids and known types on the 24-column grid, none overlapping', () => {
    const panels = allPanels();
    const ids = panels.map((panel) => panel.id);
    for (const id of ids) expect(Number.isInteger(id), `panel id ${String(id)}`).toBe(true);
    expect(new Set(ids).size, 'unique panel ids').toBe(ids.length);
    for (const panel of panels) {
      const where = `panel ${String(panel.id)} "${String(panel.title)}"`;
      expect(panel.title, `${where}: title`).toBeTypeOf('string');
      expect(KNOWN_PANEL_TYPES, `${where}: type`).toContain(panel.type);
      const { x, y, w, h } = panel.gridPos ?? {};
      for (const [key, value] of Object.entries({ x, y, w, h })) {
        expect(Number.isInteger(value), `${where}: gridPos.${key}`).toBe(true);
      }
      expect(x as number, `${where}: x`).toBeGreaterThanOrEqual(0);
      expect(y as number, `${where}: y`).toBeGreaterThanOrEqual(0);
      expect(w as number, `${where}: w`).toBeGreaterThan(0);
      expect(h as number, `${where}: h`).toBeGreaterThan(0);
      expect((x as number) + (w as number), `${where}: within 24 columns`).toBeLessThanOrEqual(24);
    }
    // Panels of a collapsed row are laid out when it opens; the visible ones share one grid.
    const visible = dashboard.panels ?? [];
    const overlaps: string[] = [];
    visible.forEach((a, i) => {
      for (const b of visible.slice(i + 1)) {
        const [p, q] = [box(a), box(b)];
        if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h) {
          overlaps.push(`"${String(a.title)}" and "${String(b.title)}"`);
        }
      }
    });
    expect(overlaps).toEqual([]);
  });

  it('queries the templated Prometheus data source from every panel and target', () => {
    const source = variables.find((v) => v.name === 'datasource');
    expect(source).toMatchObject({ type: 'datasource', query: 'prometheus' });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not JavaScript's
    const templated = { type: 'prometheus', uid: '${datasource}' };
    for (const variable of variables.filter((v) => v.type === 'query')) {
      expect(variable.datasource, `variable ${String(variable.name)}`).toEqual(templated);
    }
    for (const panel of queryPanels()) {
      const where = `panel "${String(panel.title)}"`;
      expect(panel.datasource, where).toEqual(templated);
      expect(panel.targets?.length, `${where}: targets`).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(new Set(refIds).size, `${where}: unique refIds`).toBe(refIds.length);
      for (const target of panel.targets ?? []) {
        expect(target.refId, `${where}: refId`).toMatch(/^[A-Z]$/);
        expect(target.expr, `${where} ${String(target.refId)}: expr`).toBeTypeOf('string');
        expect(target.datasource ?? templated, `${where} ${String(target.refId)}`).toEqual(templated);
      }
    }
  });

  it('filters by job and instance, and uses no variable it does not define', () => {
    const defined = new Set(variables.map((v) => String(v.name)));
    expect([...defined]).toEqual(expect.arrayContaining(['datasource', 'job', 'instance']));
    for (const { where, expr } of queries()) {
      for (const name of referencedVariables(expr)) {
        expect(defined.has(name) || BUILTIN_VARIABLES.has(name), `${where}: $${name} is not defined`).toBe(
          true,
        );
      }
      // Every series on the dashboard follows the job and instance pickers.
      if (!where.startsWith('variable')) {
        for (const selector of syntaxNodes(expr).filter((node) => node.name === 'VectorSelector')) {
          const text = expr.slice(selector.from, selector.to);
          expect(text, `${where}: ${text}`).toContain('job=~"$job"');
          expect(text, `${where}: ${text}`).toContain('instance=~"$instance"');
        }
      }
    }
  });

  it('has PromQL that Prometheus parses, with histogram quantiles aggregated by le', () => {
    const list = queries();
    expect(list.length).toBeGreaterThan(20);
    for (const { where, expr } of list) {
      const promql = interpolate(expr);
      const errors = syntaxNodes(promql).filter((node) => node.type.isError);
      expect(
        errors.map((node) => `at ${node.from}: "${promql.slice(Math.max(0, node.from - 20), node.to + 20)}"`),
        `${where}: ${promql}`,
      ).toEqual([]);
      for (const call of syntaxNodes(promql).filter((node) => node.name === 'FunctionCall')) {
        const name = call.getChild('FunctionIdentifier');
        if (!name || promql.slice(name.from, name.to) !== 'histogram_quantile') continue;
        const grouping = call.getChild('FunctionCallBody')?.getChild('AggregateExpr');
        const labels = grouping?.getChild('AggregateModifier')?.getChild('GroupingLabels');
        const text = labels ? promql.slice(labels.from, labels.to) : '';
        expect(text, `${where}: histogram_quantile over sum by (le, ...)`).toMatch(/[(,]\s*le\s*[,)]/);
      }
    }
  });
});

describe('the Grafana provisioning file', () => {
  it('is a dashboard provider that loads the JSON from a folder', () => {
    const config = parseYaml(
      readFileSync(path.join(grafanaDir, 'provisioning/dashboards/parley.yaml'), 'utf8'),
    );
    expect(config.apiVersion).toBe(1);
    expect(config.providers).toEqual([
      expect.objectContaining({
        name: 'parley',
        type: 'file',
        options: expect.objectContaining({ path: expect.stringMatching(/^\//) }),
      }),
    ]);
  });
});

describe('the metrics the dashboard reads', () => {
  const TOKEN = 'grafana-dashboard-hec-token';
  let hec: HecServer;
  let t: TestApp;
  let shipper: ReturnType<typeof logShipperOf>;
  let exposition = '';
  let samples: Sample[] = [];
  /** Metric family → type, from the exposition's `# TYPE` lines. */
  const types = new Map<string, string>();

  beforeAll(async () => {
    // With SPLUNK_HEC_URL set (here: a local HEC stub) the log shipper's series exist too.
    hec = await startHecServer(TOKEN);
    const logger = createLogger(
      { logLevel: 'info', splunkHecUrl: hec.url, splunkHecToken: TOKEN },
      { destination: { write() {} }, splunk: { flushIntervalMs: 10 } },
    );
    t = await createOpsApp({ logger });
    const conversation = (
      await t.app.inject({ method: 'POST', url: '/api/conversations', payload: {} })
    ).json().id as string;
    // One streamed demo turn (tokens, time to first token, decode speed)...
    const turn = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation}/messages`,
      headers: { accept: 'text/event-stream' },
      payload: { content: 'Tell me about dashboards' },
    });
    expect(turn.body).toContain('data: [DONE]');
    // ...and one on a provider that keeps failing (provider errors, failed run, breaker open).
    const failing = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${conversation}/messages`,
      payload: { content: 'This one fails', model: 'flaky/model' },
    });
    await t.app.parley.runs.get(failing.json().runId)?.done;
    shipper = logShipperOf(logger);
    await waitFor(() => (shipper?.stats().sent ?? 0) > 0, 'logs shipped to the HEC stub');
    const scrape = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    exposition = scrape.body;
    samples = parsePrometheus(exposition);
    for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      types.set(name as string, type as string);
    }
  });

  afterAll(async () => {
    await t?.close();
    // The shipper before its stub, or it would report Splunk unreachable on stderr.
    await shipper?.close(1_000);
    await hec?.close();
  });

  it('are all exported by a running Parley', () => {
    const exported = new Set(samples.map((sample) => sample.name));
    const missing = queries().flatMap(({ where, expr }) =>
      metricsIn(interpolate(expr))
        .filter((name) => !exported.has(name))
        .map((name) => `${name} (${where})`),
    );
    expect(missing).toEqual([]);
  });

  it('reads counters (or histogram series) through rate(), never gauges', () => {
    const wrong = queries().flatMap(({ where, expr }) =>
      ratedMetricsIn(interpolate(expr))
        .filter((name) => {
          const base = family(name, types);
          const type = types.get(base);
          return !(type === 'counter' || (type === 'histogram' && base !== name));
        })
        .map((name) => `${name}: ${types.get(family(name, types)) ?? 'not exported'} (${where})`),
    );
    expect(wrong).toEqual([]);
  });

  it('shows every parley_* metric family the app exports', () => {
    const shown = new Set(
      queries().flatMap(({ expr }) => metricsIn(interpolate(expr)).map((n) => family(n, types))),
    );
    const families = [...types.keys()].filter((name) => name.startsWith('parley_'));
    expect(families.length).toBeGreaterThan(10);
    expect(families.filter((name) => !shown.has(name))).toEqual([]);
  });

  it('follow the Prometheus naming convention: counters end in _total', () => {
    const counters = [...types].filter(([, type]) => type === 'counter').map(([name]) => name);
    expect(counters.length).toBeGreaterThan(5);
    expect(counters.filter((name) => !name.endsWith('_total'))).toEqual([]);
    // And Parley's own `_total` series are counters (prom-client's nodejs_active_handles_total, a
    // gauge, is not Parley's to rename).
    const gauges = [...types].filter(([name, type]) => name.startsWith('parley_') && type !== 'counter');
    expect(gauges.map(([name]) => name).filter((name) => name.endsWith('_total'))).toEqual([]);
  });
});
