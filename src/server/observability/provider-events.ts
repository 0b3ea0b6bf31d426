import { channel } from 'node:diagnostics_channel';

/**
 * Failed model-provider calls, published by the resilience layer and counted by the metrics of
 * every app in the process. A diagnostics channel because the model registry is built before (and
 * apart from) any app: the provider layer needs no reference to metrics, and publishing costs
 * nothing while no one listens.
 */

export interface ProviderErrorEvent {
  /** Provider id (openai, anthropic, ...). */
  provider: string;
  /** HTTP status of the failed call, or `timeout`, `network`, `error`. */
  status: string;
}

const providerErrors = channel('parley.provider.error');

export function reportProviderError(provider: string, status: number | string): void {
  if (providerErrors.hasSubscribers) {
    providerErrors.publish({ provider, status: String(status) } satisfies ProviderErrorEvent);
  }
}

/** Listen to provider errors; returns the unsubscribe function. */
export function onProviderError(listener: (event: ProviderErrorEvent) => void): () => void {
  const handler = (message: unknown) => listener(message as ProviderErrorEvent);
  providerErrors.subscribe(handler);
  return () => providerErrors.unsubscribe(handler);
}
