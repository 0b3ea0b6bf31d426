// Types of splunk-hec-worker.mjs (plain JavaScript so a worker thread can load it without tsx).

export interface HecShipperStats {
  /** Lines the shipper has been given. */
  received: number;
  /** Events waiting (queued or in the request in flight). */
  buffered: number;
  /** Events Splunk accepted. */
  sent: number;
  /** Events given up on: dropped at the buffer bound or refused by Splunk as malformed. */
  dropped: number;
  /** Requests that failed and were retried. */
  failedRequests: number;
}

export interface HecTuning {
  host?: string;
  source?: string;
  sourcetype?: string;
  /** Events per request at most. */
  batchSize?: number;
  /** Bytes per request at most (HEC refuses bodies over 1 MB by default). */
  maxBatchBytes?: number;
  /** How long an event may wait for its batch to fill. */
  flushIntervalMs?: number;
  /** Events kept while Splunk is unreachable; older ones are dropped beyond it. */
  maxBufferedEvents?: number;
  requestTimeoutMs?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface HecShipperOptions extends HecTuning {
  /** The full event endpoint (`.../services/collector/event`). */
  endpoint: string;
  token: string;
  onProblem(message: string, details: Record<string, unknown>): void;
}

/** What the worker gets from pino.transport (no functions: it crosses a thread boundary). */
export interface HecWorkerOptions extends HecTuning {
  endpoint: string;
  token: string;
  /** How often changed figures are sent to the main thread. */
  statsIntervalMs?: number;
}

export const STATS_EVENT: string;
export const PROBLEM_EVENT: string;
export const CLOSED_EVENT: string;
export const CLOSE_REQUEST: string;

export class HecShipper {
  constructor(options: HecShipperOptions);
  write(line: string): boolean;
  stats(): HecShipperStats;
  kick(): void;
  close(timeoutMs?: number): Promise<void>;
}

export default function hecTransport(options: HecWorkerOptions): Promise<NodeJS.WritableStream>;
