/**
 * A circuit breaker per provider: after repeated provider failures, stop calling it for a
 * cool-down (calls fail at once instead of each waiting for its own timeout), then let one trial
 * call through to find out whether it is back.
 *
 * Only the provider's own failures count (5xx, network errors, timeouts). A client error
 * (400/401/403/404) means the provider is up and answering, so the caller reports it as a
 * success; a call that ends for no reason of the provider's (the user pressed stop) or with a rate
 * limit (429: one user's burst must not shut the provider for everyone) is `release()`d.
 */

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitStateChange {
  name: string;
  from: CircuitState;
  to: CircuitState;
  /** Consecutive failures that led here. */
  failures: number;
}

export interface CircuitBreakerOptions {
  /** Shown in errors and logs, usually the provider id. */
  name: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before it lets a trial through. */
  cooldownMs?: number;
  /** Clock in ms; tests inject a fake one. */
  now?: () => number;
  /** Called on every transition (for logs and metrics). */
  onStateChange?: (change: CircuitStateChange) => void;
}

export interface CircuitSnapshot {
  state: CircuitState;
  failures: number;
  /** While open: ms until a trial call is allowed. */
  retryInMs: number | null;
}

export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOLDOWN_MS = 30_000;

export class CircuitBreaker {
  readonly name: string;
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  private readonly now: () => number;
  private readonly onStateChange: ((change: CircuitStateChange) => void) | undefined;
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  /** In half-open, whether the single trial call is still out. */
  private trialInFlight = false;

  constructor(options: CircuitBreakerOptions) {
    this.name = options.name;
    this.failureThreshold = Math.max(1, options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD);
    this.cooldownMs = Math.max(0, options.cooldownMs ?? DEFAULT_COOLDOWN_MS);
    this.now = options.now ?? Date.now;
    this.onStateChange = options.onStateChange;
  }

  /** The state as of now: an open circuit whose cool-down is over reports `half-open`. */
  get state(): CircuitState {
    this.advance();
    return this.current;
  }

  /** Ms until an open circuit allows a trial call; 0 when it is not open. */
  get retryInMs(): number {
    if (this.state !== 'open') return 0;
    return Math.max(0, this.openedAt + this.cooldownMs - this.now());
  }

  snapshot(): CircuitSnapshot {
    const state = this.state;
    return { state, failures: this.failures, retryInMs: state === 'open' ? this.retryInMs : null };
  }

  /**
   * Ask to make a call. Closed: yes. Open: no. Half-open: yes to exactly one caller (the trial)
   * until that call reports its outcome; everyone else is refused meanwhile.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** The provider answered properly: close the circuit and forget past failures. */
  recordSuccess(): void {
    this.advance();
    this.failures = 0;
    this.trialInFlight = false;
    this.transition('closed');
  }

  /** The provider failed (5xx, network, timeout). */
  recordFailure(): void {
    this.advance();
    this.failures += 1;
    this.trialInFlight = false;
    if (this.current === 'half-open' || this.failures >= this.failureThreshold) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  /** A call ended without telling anything about the provider's health (an abort, a 429): free its slot. */
  release(): void {
    this.trialInFlight = false;
  }

  /** Open → half-open once the cool-down is over. */
  private advance(): void {
    if (this.current === 'open' && this.now() - this.openedAt >= this.cooldownMs) {
      this.trialInFlight = false;
      this.transition('half-open');
    }
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.onStateChange?.({ name: this.name, from, to, failures: this.failures });
  }
}
