/**
 * A circuit breaker per provider: after repeated provider failures, stop calling it for a
 * cool-down (calls fail at once instead of each waiting for its own timeout), then let one trial
 * call through to find out whether it is back.
 *
 * Only the provider's own failures count (5xx, 429, network errors, timeouts). A client error
 * (400/401/403/404) means the provider is up and answering, so the caller reports it as a
 * success; a call that ends for no reason of the provider's (the user pressed stop) is `release()`d.
 */
export const DEFAULT_FAILURE_THRESHOLD = 5;
export const DEFAULT_COOLDOWN_MS = 30_000;
export class CircuitBreaker {
    name;
    failureThreshold;
    cooldownMs;
    now;
    onStateChange;
    current = 'closed';
    failures = 0;
    openedAt = 0;
    /** In half-open, whether the single trial call is still out. */
    trialInFlight = false;
    constructor(options) {
        this.name = options.name;
        this.failureThreshold = Math.max(1, options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD);
        this.cooldownMs = Math.max(0, options.cooldownMs ?? DEFAULT_COOLDOWN_MS);
        this.now = options.now ?? Date.now;
        this.onStateChange = options.onStateChange;
    }
    /** The state as of now: an open circuit whose cool-down is over reports `half-open`. */
    get state() {
        this.advance();
        return this.current;
    }
    /** Ms until an open circuit allows a trial call; 0 when it is not open. */
    get retryInMs() {
        if (this.state !== 'open')
            return 0;
        return Math.max(0, this.openedAt + this.cooldownMs - this.now());
    }
    snapshot() {
        const state = this.state;
        return { state, failures: this.failures, retryInMs: state === 'open' ? this.retryInMs : null };
    }
    /**
     * Ask to make a call. Closed: yes. Open: no. Half-open: yes to exactly one caller (the trial)
     * until that call reports its outcome; everyone else is refused meanwhile.
     */
    tryAcquire() {
        const state = this.state;
        if (state === 'closed')
            return true;
        if (state === 'open' || this.trialInFlight)
            return false;
        this.trialInFlight = true;
        return true;
    }
    /** The provider answered properly: close the circuit and forget past failures. */
    recordSuccess() {
        this.advance();
        this.failures = 0;
        this.trialInFlight = false;
        this.transition('closed');
    }
    /** The provider failed (5xx, 429, network, timeout). */
    recordFailure() {
        this.advance();
        this.failures += 1;
        this.trialInFlight = false;
        if (this.current === 'half-open' || this.failures >= this.failureThreshold) {
            this.openedAt = this.now();
            this.transition('open');
        }
    }
    /** A call ended without telling anything about the provider (aborted by the user): free its slot. */
    release() {
        this.trialInFlight = false;
    }
    /** Open → half-open once the cool-down is over. */
    advance() {
        if (this.current === 'open' && this.now() - this.openedAt >= this.cooldownMs) {
            this.trialInFlight = false;
            this.transition('half-open');
        }
    }
    transition(to) {
        const from = this.current;
        if (from === to)
            return;
        this.current = to;
        this.onStateChange?.({ name: this.name, from, to, failures: this.failures });
    }
}
