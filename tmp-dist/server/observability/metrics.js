import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
const BREAKER_STATES = ['closed', 'half-open', 'open'];
let processRegistry;
/** Process-wide metrics (prom-client defaults), started once however many apps there are. */
function processMetrics() {
    if (!processRegistry) {
        processRegistry = new Registry();
        collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 10 });
    }
    return processRegistry;
}
export class Metrics {
    registry = new Registry();
    process = processMetrics();
    httpRequests = new Counter({
        name: 'parley_http_requests_total',
        help: 'HTTP requests by route pattern, method and status code.',
        labelNames: ['method', 'route', 'status_code'],
        registers: [this.registry],
    });
    httpDuration = new Histogram({
        name: 'parley_http_request_duration_seconds',
        help: 'HTTP request latency by route pattern, method and status code (SSE: the life of the stream).',
        labelNames: ['method', 'route', 'status_code'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers: [this.registry],
    });
    runsStarted = new Counter({
        name: 'parley_runs_started_total',
        help: 'Runs (model replies) started, by model and kind (reply, regenerate, continue).',
        labelNames: ['model', 'kind'],
        registers: [this.registry],
    });
    runsFinished = new Counter({
        name: 'parley_runs_finished_total',
        help: 'Runs ended, by model and final status (complete, stopped, interrupted, error).',
        labelNames: ['model', 'status'],
        registers: [this.registry],
    });
    runsFailed = new Counter({
        name: 'parley_runs_failed_total',
        help: 'Runs that ended in an error, by model.',
        labelNames: ['model'],
        registers: [this.registry],
    });
    timeToFirstToken = new Histogram({
        name: 'parley_run_time_to_first_token_seconds',
        help: 'Time from the start of a run to its first token, by model.',
        labelNames: ['model'],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
        registers: [this.registry],
    });
    timePerOutputToken = new Histogram({
        name: 'parley_run_time_per_output_token_seconds',
        help: 'Average time between output tokens after the first, per completed run, by model.',
        labelNames: ['model'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
        registers: [this.registry],
    });
    tokens = new Counter({
        name: 'parley_tokens_total',
        help: 'Model tokens by model and type (input, output).',
        labelNames: ['model', 'type'],
        registers: [this.registry],
    });
    providerErrors = new Counter({
        name: 'parley_provider_errors_total',
        help: 'Failed model provider calls (retried ones included) by provider and HTTP status (or timeout, network).',
        labelNames: ['provider', 'status'],
        registers: [this.registry],
    });
    storeQueries = new Histogram({
        name: 'parley_store_query_duration_seconds',
        help: 'Database query latency by operation (select, insert, update, delete, other) and outcome.',
        labelNames: ['operation', 'outcome'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
        registers: [this.registry],
    });
    constructor(sources) {
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
            labelNames: ['provider', 'state'],
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
            new Gauge({
                name: 'parley_log_shipper_events',
                help: 'Log events sent to Splunk HEC or dropped (buffer bound, refused), since start.',
                labelNames: ['outcome'],
                registers,
                collect() {
                    const now = stats();
                    this.set({ outcome: 'sent' }, now?.sent ?? 0);
                    this.set({ outcome: 'dropped' }, now?.dropped ?? 0);
                },
            });
        }
    }
    get contentType() {
        return this.registry.contentType;
    }
    /** The exposition text: this app's series, then the process's. */
    async render() {
        return `${await this.registry.metrics()}\n${await this.process.metrics()}`;
    }
    observeRequest(method, route, statusCode, seconds) {
        const labels = { method, route, status_code: String(statusCode) };
        this.httpRequests.inc(labels);
        this.httpDuration.observe(labels, seconds);
    }
    runStarted(model, kind) {
        this.runsStarted.inc({ model, kind });
    }
    runFinished(run) {
        const { model } = run;
        this.runsFinished.inc({ model, status: run.status });
        if (run.status === 'error')
            this.runsFailed.inc({ model });
        if (run.firstTokenAt !== undefined) {
            this.timeToFirstToken.observe({ model }, (run.firstTokenAt - run.startedAt) / 1000);
            // Decode speed: the time after the first token over the tokens that followed it.
            if (run.status === 'complete' && run.outputTokens !== null && run.outputTokens > 1) {
                this.timePerOutputToken.observe({ model }, (run.endedAt - run.firstTokenAt) / 1000 / (run.outputTokens - 1));
            }
        }
        if (run.inputTokens)
            this.tokens.inc({ model, type: 'input' }, run.inputTokens);
        if (run.outputTokens)
            this.tokens.inc({ model, type: 'output' }, run.outputTokens);
    }
    providerError(provider, status) {
        this.providerErrors.inc({ provider, status });
    }
    storeQuery(event) {
        this.storeQueries.observe({ operation: event.operation, outcome: event.failed ? 'error' : 'ok' }, event.durationMs / 1000);
    }
}
