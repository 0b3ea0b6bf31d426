import { createHash, randomBytes } from 'node:crypto';
/** A random secret for a cookie, an API token or an invite, with a readable prefix. */
export function randomSecret(prefix = '') {
    return `${prefix}${randomBytes(32).toString('base64url')}`;
}
/** Secrets are stored as sha256: a leaked database gives no working session or token. */
export function sha256(value) {
    return createHash('sha256').update(value).digest('hex');
}
