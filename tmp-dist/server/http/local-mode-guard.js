import { isLoopbackHost } from '../config.js';
import { AppError } from '../errors.js';
import { isJsonContentType } from './seed-routes.js';
/**
 * AUTH_MODE=none has no login, so any request that reaches the server acts as its owner. What
 * stands between a hostile web page the owner visits and the install is this guard (run for every
 * request, routes or not: the web UI, the API, the streams):
 * - DNS rebinding: the page's own host name made to resolve to 127.0.0.1 reaches the server with
 *   `Host: evil.example`; only loopback names, PUBLIC_URL's host and a specific HOST are served
 *   (else 421).
 * - Cross-site requests: a browser names the calling page in `Origin` and `Sec-Fetch-Site`; a
 *   request from another site is refused (403). Scripts and curl send neither and keep working.
 * - Simple cross-site posts: a plain HTML form or `fetch` without CORS can send only text/plain,
 *   form or multipart bodies; writes must be JSON (415), which needs a preflight the server denies.
 *   Uploads are multipart, so they must carry a custom header instead (isUpload).
 */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);
/** The host name of a Host header (`name`, `name:port`, `[v6]:port`), lower case, no brackets. */
export function hostName(header) {
    if (!header)
        return undefined;
    const value = header.trim().toLowerCase();
    const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
    if (bracketed)
        return bracketed[1];
    const plain = /^([^:[\]]+)(?::\d+)?$/.exec(value);
    return plain?.[1]?.replace(/\.$/, '');
}
function bare(host) {
    return host.replace(/^\[|\]$/g, '').toLowerCase();
}
function hasBody(request) {
    const length = request.headers['content-length'];
    return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
/** The upload header: a custom header, so a cross-site page cannot send it without a preflight. */
export const UPLOAD_HEADER = 'x-parley-upload';
/**
 * An upload (`POST /api/files`, multipart) is the one write that cannot be JSON. It must carry
 * UPLOAD_HEADER: a form on another site cannot set headers, and a cross-site `fetch` that sets one
 * needs a preflight, which is refused.
 */
function isUpload(request) {
    return (request.method === 'POST' &&
        request.url.split('?')[0] === '/api/files' &&
        request.headers[UPLOAD_HEADER] !== undefined &&
        /^multipart\/form-data\s*;/i.test(request.headers['content-type'] ?? ''));
}
export function installLocalModeGuard(app, config) {
    if (config.authMode !== 'none')
        return;
    const hosts = new Set();
    const origins = new Set(config.corsOrigins);
    if (config.publicUrl) {
        const url = new URL(config.publicUrl);
        hosts.add(bare(url.hostname));
        origins.add(url.origin);
    }
    // A specific listen address (a LAN IP) is reachable by that name; a wildcard is no name.
    if (!WILDCARD_HOSTS.has(config.host))
        hosts.add(bare(config.host));
    app.addHook('onRequest', async (request) => {
        // request.host: the Host header, or X-Forwarded-Host when it comes from a TRUST_PROXY proxy.
        const name = hostName(request.host);
        if (!name || !(isLoopbackHost(name) || hosts.has(name))) {
            throw new AppError('misdirected_request', 'This server (AUTH_MODE=none) answers only to localhost or its PUBLIC_URL host; open it by that name.');
        }
        const origin = request.headers.origin;
        if (origin !== undefined && !origins.has(origin)) {
            let own = false;
            try {
                const url = new URL(origin);
                // Our own page: the Origin names the host the request was sent to (ports normalized).
                own =
                    (url.protocol === 'http:' || url.protocol === 'https:') &&
                        new URL(`${url.protocol}//${request.host}`).host === url.host;
            }
            catch {
                // `null` (sandboxed frames, file: pages) or garbage: not our page.
            }
            if (!own) {
                throw new AppError('forbidden', 'Requests from other web sites are refused (AUTH_MODE=none has no login).');
            }
        }
        // Browsers that send no Origin (plain navigations and some GETs) still say where they come
        // from. Following a link to the app is fine (it cannot read or change anything); any other
        // cross-site request is not.
        if (request.headers['sec-fetch-site'] === 'cross-site') {
            const navigation = request.headers['sec-fetch-mode'] === 'navigate' &&
                (request.method === 'GET' || request.method === 'HEAD');
            if (!navigation) {
                throw new AppError('forbidden', 'Requests from other web sites are refused (AUTH_MODE=none has no login).');
            }
        }
        if (WRITES.has(request.method)) {
            const type = request.headers['content-type'];
            if ((type !== undefined || hasBody(request)) && !isJsonContentType(type) && !isUpload(request)) {
                throw new AppError('unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json).');
            }
        }
    });
}
