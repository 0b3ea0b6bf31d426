import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server that speaks the Splunk HTTP Event Collector protocol: `POST
 * /services/collector/event` with `Authorization: Splunk <token>` and a body of JSON event envelopes
 * (`{time, host, source, sourcetype, event}`) concatenated with newlines; it answers
 * `{"text":"Success","code":0}`. `mode` switches it to failing (503 busy, 400 refused) at will.
 */

export interface HecEnvelope {
  time: number;
  host: string;
  source: string;
  sourcetype: string;
  event: Record<string, unknown>;
}

export interface HecRequest {
  authorization: string | undefined;
  contentType: string | undefined;
  events: HecEnvelope[];
}

export interface HecServer {
  url: string;
  /** Accepted requests (the ones answered with Success). */
  accepted: HecRequest[];
  /** Every request received, failed ones included. */
  received: number;
  /** ok: accept; busy: 503 like an overloaded indexer; reject: 400 like malformed data. */
  mode: 'ok' | 'busy' | 'reject';
  events(): HecEnvelope[];
  close(): Promise<void>;
}

export async function startHecServer(token: string): Promise<HecServer> {
  const state: HecServer = {
    url: '',
    accepted: [],
    received: 0,
    mode: 'ok',
    events: () => state.accepted.flatMap((request) => request.events),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const answer = (res: http.ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer(async (req, res) => {
    state.received += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.method !== 'POST' || req.url !== '/services/collector/event') {
      return answer(res, 404, { text: 'The requested URL was not found on this server.', code: 404 });
    }
    if (req.headers.authorization !== `Splunk ${token}`)
      return answer(res, 401, { text: 'Invalid token', code: 4 });
    if (state.mode === 'busy') return answer(res, 503, { text: 'Server is busy', code: 9 });
    if (state.mode === 'reject') return answer(res, 400, { text: 'Invalid data format', code: 6 });
    let events: HecEnvelope[];
    try {
      events = body
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as HecEnvelope);
    } catch {
      return answer(res, 400, { text: 'Invalid data format', code: 6 });
    }
    if (events.length === 0) return answer(res, 400, { text: 'No data', code: 5 });
    state.accepted.push({
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      events,
    });
    return answer(res, 200, { text: 'Success', code: 0 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
