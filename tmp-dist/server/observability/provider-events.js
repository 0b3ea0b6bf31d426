import { channel } from 'node:diagnostics_channel';
const providerErrors = channel('parley.provider.error');
export function reportProviderError(provider, status) {
    if (providerErrors.hasSubscribers) {
        providerErrors.publish({ provider, status: String(status) });
    }
}
/** Listen to provider errors; returns the unsubscribe function. */
export function onProviderError(listener) {
    const handler = (message) => listener(message);
    providerErrors.subscribe(handler);
    return () => providerErrors.unsubscribe(handler);
}
