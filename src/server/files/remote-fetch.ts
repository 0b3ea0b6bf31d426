import { lookup as systemLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addAbortSignal } from 'node:stream';
import { AppError } from '../errors.js';
import { detectFile } from './file-type.js';

/**
 * Downloading an image a client named by URL, without letting that client reach what only the
 * server can (SSRF): the cloud metadata service, an admin port on localhost, the office network.
 *
 * - Only http and https, and no credentials in the URL.
 * - The host name is resolved once, every address it has is checked, and the connection goes to
 *   a checked address: node's `lookup` option hands http/https our answer, so no second DNS query
 *   can return something else (DNS rebinding). An IP literal is checked as it is written, after
 *   WHATWG URL normalisation (`http://2130706433/` is 127.0.0.1).
 * - Redirects are followed by hand, at most MAX_REDIRECTS, each hop checked like the first.
 * - One deadline for the whole download, redirects included; the body is read up to `maxBytes`
 *   and the connection dropped past it.
 * - The bytes decide what it is (detectFile), never the Content-Type: only images are kept.
 *
 * node:http with a custom `lookup` rather than fetch/undici: the global fetch cannot be given a
 * resolver without undici's Agent, and undici is not a dependency of ours (only of our
 * dependencies); http/https are built in, and `lookup` is their documented hook. `agent: false`
 * keeps a pooled socket from being reused across checks.
 */

export const REMOTE_FETCH_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 3;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A host name's addresses. The default is the system resolver (getaddrinfo, like any client). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Whether the server may connect to this address and port. Tests widen the default for a local server. */
export type AddressPolicy = (address: string, port: number) => boolean;

export interface RemoteFetchOptions {
  /** Stop reading past this many bytes. */
  maxBytes: number;
  /** The whole download, redirects included. */
  timeoutMs?: number;
  maxRedirects?: number;
  policy?: AddressPolicy;
  resolve?: Resolver;
  /** The caller's own abort (the client hung up). */
  signal?: AbortSignal;
}

export interface RemoteImage {
  bytes: Uint8Array;
  mediaType: string;
  /** Where the image was in the end, after redirects. */
  url: string;
}

// ---- Addresses ---------------------------------------------------------------------------------

interface Range {
  prefix: number[];
  bits: number;
  kind: string;
}

/** Not globally reachable IPv4 (IANA special-purpose registry), by what they are. */
const IPV4_RANGES: Range[] = [
  { prefix: [0], bits: 8, kind: 'unspecified ("this network")' },
  { prefix: [10], bits: 8, kind: 'private' },
  { prefix: [100, 64], bits: 10, kind: 'shared (CGNAT)' },
  { prefix: [127], bits: 8, kind: 'loopback' },
  { prefix: [169, 254], bits: 16, kind: 'link-local' },
  { prefix: [172, 16], bits: 12, kind: 'private' },
  { prefix: [192, 0, 0], bits: 24, kind: 'reserved' },
  { prefix: [192, 0, 2], bits: 24, kind: 'documentation' },
  { prefix: [192, 88, 99], bits: 24, kind: 'reserved' },
  { prefix: [192, 168], bits: 16, kind: 'private' },
  { prefix: [198, 18], bits: 15, kind: 'benchmarking' },
  { prefix: [198, 51, 100], bits: 24, kind: 'documentation' },
  { prefix: [203, 0, 113], bits: 24, kind: 'documentation' },
  { prefix: [224], bits: 4, kind: 'multicast' },
  { prefix: [240], bits: 4, kind: 'reserved' },
];

/** IPv6 forms that carry an IPv4 address: judged by the IPv4 address inside. */
const IPV6_EMBEDDING: { prefix: number[]; bits: number; at: number }[] = [
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], bits: 96, at: 12 }, // ::ffff:a.b.c.d (IPv4-mapped)
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0], bits: 96, at: 12 }, // ::ffff:0:a.b.c.d (SIIT)
  { prefix: [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], bits: 96, at: 12 }, // 64:ff9b::/96 (NAT64)
  { prefix: [0x20, 0x02], bits: 16, at: 2 }, // 2002::/16 (6to4)
];

/** Checked in order, after the embeddings; anything outside global unicast (2000::/3) is refused too. */
const IPV6_RANGES: Range[] = [
  { prefix: new Array(16).fill(0), bits: 128, kind: 'unspecified' },
  { prefix: [...new Array(15).fill(0), 1], bits: 128, kind: 'loopback' },
  { prefix: [0xfc], bits: 7, kind: 'unique-local' },
  { prefix: [0xfe, 0x80], bits: 10, kind: 'link-local' },
  { prefix: [0xfe, 0xc0], bits: 10, kind: 'site-local' },
  { prefix: [0xff], bits: 8, kind: 'multicast' },
  { prefix: [0, 0x64, 0xff, 0x9b, 0, 1], bits: 48, kind: 'reserved (local NAT64)' },
  { prefix: [0x20, 0x01, 0, 0], bits: 23, kind: 'reserved (IETF protocol assignments, Teredo)' },
  { prefix: [0x20, 0x01, 0x0d, 0xb8], bits: 32, kind: 'documentation' },
  { prefix: [0x3f, 0xff], bits: 20, kind: 'documentation' },
];

function matches(bytes: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    const index = bit / 8;
    if (((bytes[index] ?? 0) & mask) !== ((prefix[index] ?? 0) & mask)) return false;
  }
  return true;
}

function ipv4Bytes(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) {
    return undefined;
  }
  return Uint8Array.from(parts.map(Number));
}

function ipv6Bytes(text: string): Uint8Array | undefined {
  // A zone (fe80::1%eth0) says which interface; the address is what is judged.
  let rest = text.split('%')[0] ?? '';
  // A dotted tail (::ffff:127.0.0.1) is the last 32 bits: parsed apart, zero groups meanwhile.
  let dotted: Uint8Array | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.', lastColon)) {
    dotted = ipv4Bytes(rest.slice(lastColon + 1));
    if (!dotted) return undefined;
    rest = `${rest.slice(0, lastColon + 1)}0:0`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined) => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  const bytes = new Uint8Array(16);
  for (const [i, group] of all.entries()) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  }
  if (dotted) bytes.set(dotted, 12);
  return bytes;
}

function ipv4Kind(bytes: Uint8Array): string | undefined {
  return IPV4_RANGES.find((range) => matches(bytes, range.prefix, range.bits))?.kind;
}

/**
 * What kind of non-public address this is ('loopback', 'private', 'link-local'...), or undefined
 * for a public one. Something that is no IP address at all counts as refused ('invalid').
 */
export function nonPublicKind(address: string): string | undefined {
  if (isIP(address) === 4) {
    const bytes = ipv4Bytes(address);
    return bytes ? ipv4Kind(bytes) : 'invalid';
  }
  if (isIP(address.split('%')[0] ?? '') !== 6) return 'invalid';
  const bytes = ipv6Bytes(address);
  if (!bytes) return 'invalid';
  for (const embedding of IPV6_EMBEDDING) {
    if (matches(bytes, embedding.prefix, embedding.bits)) {
      const kind = ipv4Kind(bytes.subarray(embedding.at, embedding.at + 4));
      return kind === undefined ? undefined : `${kind} (in an IPv6 form)`;
    }
  }
  const kind = IPV6_RANGES.find((range) => matches(bytes, range.prefix, range.bits))?.kind;
  if (kind) return kind;
  return matches(bytes, [0x20], 3) ? undefined : 'reserved (not global unicast)';
}

/** The default: public addresses only, any port. */
export const publicAddressesOnly: AddressPolicy = (address) => nonPublicKind(address) === undefined;

const systemResolver: Resolver = async (hostname) => {
  // verbatim: every address in the resolver's order; all of them are checked.
  const found = await systemLookup(hostname, { all: true, verbatim: true });
  return found.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

// ---- Fetching ----------------------------------------------------------------------------------

function refused(message: string, cause?: unknown): AppError {
  return new AppError('bad_request', message, { cause });
}

/** An http(s) URL without credentials, or a clear refusal. */
export function parseImageUrl(raw: string, what = 'The image URL'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw refused(`${what} is not a valid URL.`, error);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refused(`${what} must be http or https, not ${url.protocol.slice(0, -1).slice(0, 32)}.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw refused(`${what} must not carry credentials (user:password@).`);
  }
  return url;
}

const portOf = (url: URL): number => (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);

/** A URL's host name without the brackets of an IPv6 literal. */
const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Rejects when the signal aborts; for work that takes no signal of its own (DNS). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The addresses this hop may connect to: every one the host has, each allowed by the policy. */
async function checkedAddresses(
  url: URL,
  policy: AddressPolicy,
  resolve: Resolver,
  signal: AbortSignal,
): Promise<ResolvedAddress[]> {
  const host = hostOf(url);
  const port = portOf(url);
  const literal = isIP(host);
  let addresses: ResolvedAddress[];
  if (literal !== 0) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await abortable(resolve(host), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw refused(`The image host "${host}" could not be resolved.`, error);
    }
    if (addresses.length === 0) throw refused(`The image host "${host}" has no address.`);
  }
  // All of them, not just the first: a name with one public and one private address is refused.
  for (const { address } of addresses) {
    if (!policy(address, port)) {
      const kind = nonPublicKind(address);
      const what = kind ? `a ${kind} address` : 'an address this server may not connect to';
      const via = literal === 0 ? `"${host}" resolves to ${address}, ` : `${address} is `;
      throw refused(`The image URL is refused: ${via}${what}. Only public addresses are fetched.`);
    }
  }
  return addresses;
}

/** Hands http/https the addresses already checked, instead of asking DNS again. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0] as ResolvedAddress;
    if (options.all) callback(null, addresses);
    else callback(null, first.address, first.family);
  };
}

function request(url: URL, addresses: ResolvedAddress[], signal: AbortSignal): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request({
      protocol: url.protocol,
      host: hostOf(url),
      port: portOf(url),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { accept: 'image/*', 'user-agent': 'Parley (image fetch)' },
      lookup: pinnedLookup(addresses),
      agent: false,
      signal,
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('payload_too_large', `The image at this URL is larger than ${maxBytes} bytes.`);
}

/** The body, up to maxBytes; past it the connection is dropped (a server may send forever). */
async function readBounded(
  response: IncomingMessage,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw tooLarge(maxBytes);
  }
  addAbortSignal(signal, response);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      response.destroy();
      throw tooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** An image from an http(s) URL, under the rules above. Refusals are AppErrors (400, 413, 415). */
export async function fetchRemoteImage(raw: string, options: RemoteFetchOptions): Promise<RemoteImage> {
  const timeoutMs = options.timeoutMs ?? REMOTE_FETCH_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  const policy = options.policy ?? publicAddressesOnly;
  const resolve = options.resolve ?? systemResolver;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;

  let url = parseImageUrl(raw);
  try {
    for (let hop = 0; ; hop++) {
      const addresses = await checkedAddresses(url, policy, resolve, signal);
      const response = await request(url, addresses, signal);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        response.destroy();
        const location = response.headers.location;
        if (!location) throw refused(`The image URL answered ${status} without a Location.`);
        if (hop >= maxRedirects) throw refused(`The image URL redirects more than ${maxRedirects} times.`);
        url = parseImageUrl(new URL(location, url).href, 'The redirect target');
        continue;
      }
      if (status !== 200) {
        response.destroy();
        throw refused(`The image URL answered HTTP ${status}, not an image.`);
      }
      const bytes = await readBounded(response, options.maxBytes, signal);
      const detected = await detectFile(bytes, '').catch(() => undefined);
      if (detected?.kind !== 'image') {
        throw new AppError(
          'unsupported_media_type',
          'The image URL does not hold an image (PNG, JPEG, GIF or WebP), whatever its Content-Type says.',
        );
      }
      return { bytes, mediaType: detected.mediaType, url: url.href };
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The caller's own abort is theirs to handle; the deadline and network failures are ours.
    if (options.signal?.aborted) throw options.signal.reason;
    if (deadline.aborted) {
      throw refused(`The image URL took longer than ${timeoutMs / 1000} seconds to download.`, error);
    }
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw refused(`The image URL could not be downloaded: ${reason}`, error);
  }
}
