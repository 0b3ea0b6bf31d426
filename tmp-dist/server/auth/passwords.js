import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
const scrypt = promisify(scryptCallback);
/**
 * OWASP's scrypt minimum (Password Storage Cheat Sheet): N=2^17, r=8, p=1, i.e. 128 MiB per hash.
 * A hash costs a few hundred milliseconds here; HashQueue bounds how many run at once.
 */
export const CURRENT_PARAMS = { N: 2 ** 17, r: 8, p: 1 };
const KEY_LENGTH = 64;
/** scrypt needs 128·N·r bytes; room for the current parameters and a little more. */
const MAXMEM = 256 * 1024 * 1024;
/** Stored parameters above this are refused rather than computed (a tampered row must not OOM us). */
const MAX_COST = 128 * 2 ** 17 * 8;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 200;
/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url: parameters travel with the hash. */
export async function hashPassword(password, params = CURRENT_PARAMS) {
    const salt = randomBytes(16);
    const hash = await scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...params, maxmem: MAXMEM });
    return [
        'scrypt',
        params.N,
        params.r,
        params.p,
        salt.toString('base64url'),
        hash.toString('base64url'),
    ].join('$');
}
function parse(stored) {
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash)
        return undefined;
    const params = { N: Number(n), r: Number(r), p: Number(p) };
    if (!Object.values(params).every((v) => Number.isSafeInteger(v) && v > 0))
        return undefined;
    if (128 * params.N * params.r * params.p > MAX_COST)
        return undefined;
    return { params, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}
export async function verifyPassword(password, stored) {
    const parsed = parse(stored);
    if (!parsed)
        return false;
    const actual = await scrypt(password.normalize('NFC'), parsed.salt, parsed.hash.length, {
        ...parsed.params,
        maxmem: MAXMEM,
    });
    return timingSafeEqual(actual, parsed.hash);
}
/** Whether a stored hash was made with weaker parameters than today's (re-hash it on next login). */
export function needsRehash(stored) {
    const parsed = parse(stored);
    if (!parsed)
        return false;
    const { N, r, p } = parsed.params;
    return N < CURRENT_PARAMS.N || r < CURRENT_PARAMS.r || p < CURRENT_PARAMS.p;
}
/** A hash of a random password: verifying against it takes as long as a real one. */
let decoy;
export function decoyHash() {
    decoy ??= hashPassword(randomBytes(16).toString('hex'));
    return decoy;
}
