import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { QueryEvent } from '../store/database.js';
import type { SplunkHecStats } from './splunk-hec.js';

/**
 * A circuit breaker's state (ai/model-registry.ts's BreakerState, spelled out here: ai/ reports
 * to observability/, so observability/ must not import ai/; the compiler checks they agree where
 * operations.ts passes one to the other).
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Prometheus metrics of one app. Each app has its own registry (tests build many apps in one
 * process); what belongs to the process (CPU, memory, GC, event loop lag) is collected once, in a
 * registry shared by all, and appended to every scrape.
 */

/** Live figures read at scrape time. */
export interface MetricSources {
  activeRuns(): number;
  openStreams(): number;
  /** Every provider that has a circuit breaker, with its state now. */
  breakers(): { provider: string; state: BreakerState }[];
  logShipper?(): SplunkHecStats | undefined;
}

/** What a finished run tells the metrics (times from performance.now()). */
export interface RunFigures {
  model: string;
  status: string;
  inputTokens: number | null;
  /** Tokens this run produced (a continued reply's earlier tokens not included). */
  outputTokens: number | null;
  startedAt: number;
  firstTokenAt: number | undefined;
  endedAt: number;
}

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'half-open', 'open'];

let processRegistry: Registry | undefined;

/** Process-wide metrics (prom-client defaults), started once however many apps there are. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
  }
  return processRegistry;
}

export type { QueryEvent };

export class Metrics {
  readonly registry = new Registry();
  private readonly process = processMetrics();

  private readonly httpRequests = new Counter({
    name: 'parley_http_requests_total',
    help: 'HTTP requests by route pattern, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status code (SSE: the life of the stream).',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  private readonly runsStarted = new Counter({
    name: 'parley_runs_started_total',
    help: 'Runs (model replies) started, by model and kind (reply, regenerate, continue, resume).',
    labelNames: ['model', 'kind'] as const,
    registers: [this.registry],
  });

  private readonly runsFinished = new Counter({
    name: 'parley_runs_finished_total',
    help: 'Runs ended, by model and final status (complete, stopped, interrupted, error, waiting).',
    labelNames: ['model', 'status'] as const,
    registers: [this.registry],
  });

  private readonly runsFailed = new Counter({
    name: 'parley_runs_failed_total',
    help: 'Runs that ended in an error, by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });

  private readonly timeToFirstToken = new Histogram({
    name: 'parley_run_time_to_first_token_seconds',
    help: 'Time from the start of a run to its first token, by model.',
    labelNames: ['model'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [this.registry],
  });

  private readonly timePerOutputToken = new Histogram({
    name: 'parley_run_time_per_output_token_seconds',
    help: 'Average time between output tokens after the first, per completed run, by model.',
    labelNames: ['model'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
    registers: [this.registry],
  });

  private readonly tokens = new Counter({
    name: 'parley_tokens_total',
    help: 'Model tokens by model and type (input, output).',
    labelNames: ['model', 'type'] as const,
    registers: [this.registry],
  });

  private readonly providerErrors = new Counter({
    name: 'parley_provider_errors_total',
    help: 'Failed model provider calls (retried ones included) by provider and HTTP status (or timeout, network).',
    labelNames: ['provider', 'status'] as const,
    registers: [this.registry],
  });

  private readonly storeQueries = new Histogram({
    name: 'parley_store_query_duration_seconds',
    help: 'Database query latency by operation (select, insert, update, delete, other) and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    new Gauge({
      name: 'parley_active_runs',
      help: 'Runs streaming on this instance now.',
      registers,
      collect() {
        this.set(sources.activeRuns());
      },
    });
    new Gauge({
      name: 'parley_open_sse_streams',
      help: 'Open SSE responses (run streams and live-event streams) on this instance.',
      registers,
      collect() {
        this.set(sources.openStreams());
      },
    });
    new Gauge({
      name: 'parley_provider_breaker_state',
      help: 'Circuit breaker per provider: 1 for its current state (closed, half-open, open), 0 for the others.',
      labelNames: ['provider', 'state'] as const,
      registers,
      collect() {
        this.reset();
        for (const { provider, state } of sources.breakers()) {
          for (const candidate of BREAKER_STATES)
            this.set({ provider, state: candidate }, candidate === state ? 1 : 0);
        }
      },
    });
    if (sources.logShipper) {
      const stats = sources.logShipper;
      new Gauge({
        name: 'parley_log_shipper_buffered_events',
        help: 'Log events waiting to be sent to Splunk HEC.',
        registers,
        collect() {
          this.set(stats()?.buffered ?? 0);
        },
      });
      // A counter fed at scrape time: the shipper keeps running totals (its worker thread reports
      // them), so each scrape adds what happened since the last one.
      const counted = { sent: 0, dropped: 0 };
      new Counter({
        name: 'parley_log_shipper_events_total',
        help: 'Log events sent to Splunk HEC or dropped (buffer bound, refused, worker lost).',
        labelNames: ['outcome'] as const,
        registers,
        collect() {
          const now = stats();
          for (const outcome of ['sent', 'dropped'] as const) {
            const total = now?.[outcome] ?? counted[outcome];
            this.inc({ outcome }, Math.max(0, total - counted[outcome]));
            counted[outcome] = Math.max(counted[outcome], total);
          }
        },
      });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text: this app's series, then the process's. */
  async render(): Promise<string> {
    return `${await this.registry.metrics()}\n${await this.process.metrics()}`;
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    const labels = { method, route, status_code: String(statusCode) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  runStarted(model: string, kind: string): void {
    this.runsStarted.inc({ model, kind });
  }

  runFinished(run: RunFigures): void {
    const { model } = run;
    this.runsFinished.inc({ model, status: run.status });
    if (run.status === 'error') this.runsFailed.inc({ model });
    if (run.firstTokenAt !== undefined) {
      this.timeToFirstToken.observe({ model }, (run.firstTokenAt - run.startedAt) / 1000);
      // Decode speed: the time after the first token over the tokens that followed it.
      if (run.status === 'complete' && run.outputTokens !== null && run.outputTokens > 1) {
        this.timePerOutputToken.observe(
          { model },
          (run.endedAt - run.firstTokenAt) / 1000 / (run.outputTokens - 1),
        );
      }
    }
    if (run.inputTokens) this.tokens.inc({ model, type: 'input' }, run.inputTokens);
    if (run.outputTokens) this.tokens.inc({ model, type: 'output' }, run.outputTokens);
  }

  providerError(provider: string, status: string): void {
    this.providerErrors.inc({ provider, status });
  }

  storeQuery(event: QueryEvent): void {
    this.storeQueries.observe(
      { operation: event.operation, outcome: event.failed ? 'error' : 'ok' },
      event.durationMs / 1000,
    );
  }
}
