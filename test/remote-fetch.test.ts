import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AddressPolicy,
  fetchRemoteImage,
  nonPublicKind,
  publicAddressesOnly,
  type Resolver,
} from '../src/server/files/remote-fetch.js';
import { refusal } from './helpers/documents.js';

/**
 * The image downloader from the attacker's side: every way of pointing it at the server's own
 * network is refused before a socket is opened (a spy on net.Socket#connect and a listening
 * server that counts connections prove it), redirects are checked hop by hop, and a server that
 * sends forever or not at all is cut off.
 */

const MB = 1024 * 1024;

/** A server on every local address (IPv6 and IPv4 when the host has both): counts connections. */
interface Trap {
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function listen(server: http.Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return address.port;
}

async function trap(): Promise<Trap> {
  const server = http.createServer((_req, res) => res.end('you reached the internal service'));
  const state = { connections: 0 };
  server.on('connection', () => {
    state.connections += 1;
  });
  let port: number;
  try {
    port = await listen(server, '::');
  } catch {
    port = await listen(server, '0.0.0.0');
  }
  return {
    port,
    get connections() {
      return state.connections;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A test server on 127.0.0.1 whose handler each test sets. */
async function server(handler: Handler): Promise<{ port: number; url: string; close(): Promise<void> }> {
  const s = http.createServer((req, res) => handler(req, res));
  const port = await listen(s, '127.0.0.1');
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}

/** The test policy: the default, plus exactly one local test server. */
const allowing =
  (port: number): AddressPolicy =>
  (address, p) =>
    (address === '127.0.0.1' && p === port) || publicAddressesOnly(address, p);

let png: Buffer;
let internal: Trap;
beforeAll(async () => {
  png = await sharp({ create: { width: 20, height: 10, channels: 3, background: 'red' } })
    .png()
    .toBuffer();
  internal = await trap();
});
afterAll(async () => {
  await internal.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.254', 'shared (CGNAT)'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.2.1', 'documentation'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (in an IPv6 form)'],
    ['::ffff:7f00:1', 'loopback (in an IPv6 form)'],
    ['::ffff:10.0.0.1', 'private (in an IPv6 form)'],
    ['::ffff:169.254.169.254', 'link-local (in an IPv6 form)'],
    ['::ffff:0:127.0.0.1', 'loopback (in an IPv6 form)'],
    ['64:ff9b::169.254.169.254', 'link-local (in an IPv6 form)'],
    ['2002:7f00:1::1', 'loopback (in an IPv6 form)'],
    ['::127.0.0.1', 'reserved (not global unicast)'],
    ['2001::1', 'reserved (IETF protocol assignments, Teredo)'],
    ['2001:db8::1', 'documentation'],
    ['100::1', 'reserved (not global unicast)'],
    ['not an address', 'invalid'],
  ])('refuses %s (%s)', (address, kind) => {
    expect(nonPublicKind(address)).toBe(kind);
    expect(publicAddressesOnly(address, 80)).toBe(false);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001:81b::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('allows the public address %s', (address) => {
    expect(nonPublicKind(address)).toBeUndefined();
  });
});

describe('fetchRemoteImage', () => {
  it('refuses every private, loopback and link-local form without opening a socket', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const port = internal.port;
    expect(internal.connections).toBe(0);
    // The resolver stands in for DNS: these names point inside.
    const resolve = vi.fn<Resolver>(async (hostname) => {
      if (hostname === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
      if (hostname === 'inside.example.test') return [{ address: '127.0.0.1', family: 4 }];
      if (hostname === 'metadata.example.test') return [{ address: '169.254.169.254', family: 4 }];
      // One public and one private address: refused as a whole.
      if (hostname === 'mixed.example.test') {
        return [
          { address: '93.184.215.14', family: 4 },
          { address: '10.0.0.1', family: 4 },
        ];
      }
      throw new Error(`unexpected lookup of ${hostname}`);
    });
    const urls = [
      `http://127.0.0.1:${port}/cat.png`,
      `http://127.1:${port}/cat.png`,
      `http://2130706433:${port}/cat.png`,
      `http://0x7f000001:${port}/cat.png`,
      `http://0.0.0.0:${port}/cat.png`,
      `http://10.0.0.1/cat.png`,
      'http://169.254.169.254/latest/meta-data/',
      `http://[::1]:${port}/cat.png`,
      'http://[fd00::1]/cat.png',
      `http://[::ffff:127.0.0.1]:${port}/cat.png`,
      'http://[fe80::1]/cat.png',
      `http://localhost:${port}/cat.png`,
      `http://inside.example.test:${port}/cat.png`,
      'https://metadata.example.test/latest/meta-data/',
      'http://mixed.example.test/cat.png',
    ];
    for (const url of urls) {
      const error = await refusal(fetchRemoteImage(url, { maxBytes: MB, resolve }));
      expect(error.status, url).toBe(400);
      expect(error.message, url).toMatch(/^The image URL is refused: .+ address\. Only public addresses/);
    }
    expect(internal.connections).toBe(0);
    expect(connect).not.toHaveBeenCalled();
    // Literals are judged as written: only the names were looked up.
    expect(resolve.mock.calls.map(([host]) => host).sort()).toEqual(
      ['inside.example.test', 'localhost', 'metadata.example.test', 'mixed.example.test'].sort(),
    );

    // The instruments work: with a policy that allows anything, the same server is reached.
    const reached = await refusal(
      fetchRemoteImage(`http://127.0.0.1:${port}/cat.png`, { maxBytes: MB, policy: () => true }),
    );
    expect(reached.status).toBe(415);
    expect(internal.connections).toBe(1);
    expect(connect).toHaveBeenCalled();
  });

  it('refuses other schemes and URLs with credentials before anything else', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const resolve = vi.fn<Resolver>();
    for (const [url, message] of [
      ['file:///etc/passwd', /must be http or https, not file/],
      ['ftp://example.com/cat.png', /must be http or https, not ftp/],
      ['gopher://example.com/', /must be http or https/],
      ['javascript:alert(1)', /must be http or https/],
      ['http://user:secret@example.com/cat.png', /must not carry credentials/],
      ['not a url', /not a valid URL/],
    ] as const) {
      const error = await refusal(fetchRemoteImage(url, { maxBytes: MB, resolve }));
      expect(error.status, url).toBe(400);
      expect(error.message, url).toMatch(message);
    }
    expect(resolve).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  });

  it('fetches an image from an allowed server, connecting to the address it checked', async () => {
    const requests: string[] = [];
    const images = await server((req, res) => {
      requests.push(String(req.headers.host));
      res.setHeader('content-type', 'application/octet-stream');
      res.end(png);
    });
    try {
      // The name exists only in the test's resolver: had anything asked DNS again, it would fail.
      let lookups = 0;
      const resolve: Resolver = async () => {
        lookups += 1;
        return lookups === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.0.0.1', family: 4 }];
      };
      const image = await fetchRemoteImage(`http://images.example.test:${images.port}/cat.png`, {
        maxBytes: MB,
        policy: allowing(images.port),
        resolve,
      });
      expect(image.mediaType).toBe('image/png');
      expect(Buffer.from(image.bytes).equals(png)).toBe(true);
      expect(lookups).toBe(1);
      expect(requests).toEqual([`images.example.test:${images.port}`]);

      // The default policy refuses the same server.
      await refusal(fetchRemoteImage(`${images.url}/cat.png`, { maxBytes: MB }));
      expect(requests).toHaveLength(1);
    } finally {
      await images.close();
    }
  });

  it('re-checks every redirect: one to the inside is refused without a connection', async () => {
    const port = internal.port;
    const targets: Record<string, string> = {
      '/to-loopback': `http://127.0.0.1:${port}/cat.png`,
      '/to-v6-loopback': `http://[::1]:${port}/cat.png`,
      '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
      '/to-name': `http://localhost:${port}/cat.png`,
      '/to-file': 'file:///etc/passwd',
      '/relative': '/image.png',
      '/loop': '/loop',
    };
    const hits: string[] = [];
    const redirector = await server((req, res) => {
      hits.push(String(req.url));
      const target = targets[String(req.url)];
      if (target) {
        res.writeHead(302, { location: target });
        res.end();
      } else {
        res.end(png);
      }
    });
    try {
      const options = { maxBytes: MB, policy: allowing(redirector.port) };
      const before = internal.connections;
      for (const path of ['/to-loopback', '/to-v6-loopback', '/to-metadata', '/to-name']) {
        const error = await refusal(fetchRemoteImage(`${redirector.url}${path}`, options));
        expect(error.message, path).toMatch(/^The image URL is refused: .+ address\./);
      }
      expect(internal.connections).toBe(before);
      expect((await refusal(fetchRemoteImage(`${redirector.url}/to-file`, options))).message).toMatch(
        /The redirect target must be http or https/,
      );

      // A relative redirect on the allowed server is followed.
      const image = await fetchRemoteImage(`${redirector.url}/relative`, options);
      expect(image.url).toBe(`${redirector.url}/image.png`);

      hits.length = 0;
      const loop = await refusal(fetchRemoteImage(`${redirector.url}/loop`, options));
      expect(loop.message).toMatch(/redirects more than 3 times/);
      expect(hits).toHaveLength(4);
    } finally {
      await redirector.close();
    }
  });

  it('cuts a server that sends forever at the size limit, and refuses a declared oversize at once', async () => {
    let written = 0;
    let closed = false;
    const endless = await server((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': String(50 * MB) });
        res.write(png);
        return;
      }
      res.writeHead(200, { 'content-type': 'image/png' });
      res.on('close', () => {
        closed = true;
      });
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.byteLength;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    try {
      const options = { maxBytes: MB, policy: allowing(endless.port) };
      const error = await refusal(fetchRemoteImage(`${endless.url}/forever`, options));
      expect(error.status).toBe(413);
      expect(error.code).toBe('payload_too_large');
      await vi.waitFor(() => expect(closed).toBe(true));
      // Socket buffers let a little more out, never the endless rest.
      expect(written).toBeLessThan(16 * MB);

      const declared = await refusal(fetchRemoteImage(`${endless.url}/declared`, options));
      expect(declared.status).toBe(413);
    } finally {
      await endless.close();
    }
  });

  it('gives up on a slow server at the deadline, whether it stalls before the headers or in the body', async () => {
    const slow = await server((req, res) => {
      if (req.url === '/drip') {
        res.writeHead(200);
        res.write(png.subarray(0, 8));
        // ...and nothing more.
      }
      // Otherwise: never answer.
    });
    try {
      const options = { maxBytes: MB, policy: allowing(slow.port), timeoutMs: 300 };
      for (const path of ['/stall', '/drip']) {
        const started = performance.now();
        const error = await refusal(fetchRemoteImage(`${slow.url}${path}`, options));
        expect(error.message, path).toMatch(/took longer than 0.3 seconds/);
        // The message above is the 0.3 s timeout firing; this is only a hang guard.
        expect(performance.now() - started, `${path}: hang guard`).toBeLessThan(20_000);
      }
    } finally {
      await slow.close();
    }
  });

  it('keeps only images, whatever the Content-Type says', async () => {
    const PE = Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]), Buffer.alloc(2048)]);
    const pages = await server((req, res) => {
      if (req.url === '/missing.png') {
        res.writeHead(404);
        res.end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(req.url === '/program.png' ? PE : '<html><body>hello</body></html>');
    });
    try {
      const options = { maxBytes: MB, policy: allowing(pages.port) };
      for (const path of ['/program.png', '/page.png']) {
        const error = await refusal(fetchRemoteImage(`${pages.url}${path}`, options));
        expect(error.status, path).toBe(415);
      }
      const missing = await refusal(fetchRemoteImage(`${pages.url}/missing.png`, options));
      expect(missing.message).toMatch(/answered HTTP 404/);
    } finally {
      await pages.close();
    }
  });

  it('stops when the caller aborts, with the caller’s reason', async () => {
    const slow = await server(() => {});
    try {
      const controller = new AbortController();
      const fetching = fetchRemoteImage(`${slow.url}/cat.png`, {
        maxBytes: MB,
        policy: allowing(slow.port),
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(new Error('client went away')), 50);
      await expect(fetching).rejects.toThrow('client went away');
    } finally {
      await slow.close();
    }
  });
});
