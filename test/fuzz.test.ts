import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from './helpers/clients.js';
import { storeTargets, type TestDatabase } from './helpers/databases.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Property-based fuzzing of the whole HTTP API, generated from its OpenAPI document: for every
 * operation, requests with malformed bodies (wrong types, huge, negative and non-finite numbers,
 * NUL characters, deep nesting, invalid JSON, wrong content types), params (NUL, very long,
 * unicode, bad percent-encoding), queries and headers (Last-Event-ID, Content-Type, Accept,
 * x-request-id), as an anonymous caller, a signed-in user (cookie + CSRF), an admin and an API
 * token, over real sockets, on SQLite and on PostgreSQL. The property: no answer is a 5xx, and
 * every error is `{"error": "<sentence>", "code": "<code>"}` (the seed routes may answer their
 * original `{"error": "..."}`, the /v1 API answers in OpenAI's error shape).
 */

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  additionalProperties?: boolean | Schema;
  $ref?: string;
}
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: Schema; example?: unknown }> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** The document's named shapes: a body's `$ref` (`#/components/schemas/...`) is read through them. */
let namedSchemas: Record<string, Schema> = {};

type Who = 'anonymous' | 'user' | 'admin' | 'token';

interface FuzzRequest {
  who: Who;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** Numbers JSON.stringify cannot write: a placeholder string, swapped for the raw literal after. */
const RAW_NUMBERS = ['1e999', '-1e999', '1e308', '-0', '123456789012345678901234567890', '0.0000001'];
const rawNumber = fc.constantFrom(...RAW_NUMBERS).map((n) => `\u0001num:${n}`);
const toJson = (value: unknown): string | undefined =>
  value === undefined
    ? undefined
    : JSON.stringify(value).replace(/"\\u0001num:([^"]+)"/g, (_m, literal: string) => literal);

const NUL = '\u0000';
const weirdString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ maxLength: 10 }).map((s) => `${s}${NUL}${s}`),
  fc.constant(NUL),
  fc.integer({ min: 1_000, max: 120_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('', ' ', '\n', '../../etc/passwd', '<script>', "' OR 1=1 --", '%00', '\u202e', '🛶'),
);
const weirdNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 1, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e300),
  rawNumber,
);
const anyJson = fc.oneof(
  { depthSize: 'small' },
  weirdString,
  weirdNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
);

/** A value for a schema: usually of the right kind (so deeper fields are reached), often not. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (schema?.$ref) return valueFor(namedSchemas[schema.$ref.split('/').at(-1) ?? ''], depth);
  if (!schema || depth > 4) return anyJson;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return fc.oneof(...variants.map((s) => valueFor(s, depth + 1)), anyJson);
  if (schema.enum) return fc.oneof(fc.constantFrom(...schema.enum), anyJson);
  if (schema.const !== undefined) return fc.oneof(fc.constant(schema.const), anyJson);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return fc.oneof(
        {
          weight: 3,
          arbitrary: fc.string({ minLength: 1, maxLength: Math.min(schema.maxLength ?? 30, 30) }),
        },
        { weight: 3, arbitrary: weirdString },
        fc.constant('y'.repeat((schema.maxLength ?? 1_000) + 1)),
        anyJson,
      );
    case 'integer':
    case 'number':
      return fc.oneof(
        fc.integer({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 1_000, 1_000) }),
        weirdNumber,
        anyJson,
      );
    case 'boolean':
      return fc.oneof(fc.boolean(), anyJson);
    case 'array':
      return fc.oneof(
        { weight: 3, arbitrary: fc.array(valueFor(schema.items, depth + 1), { maxLength: 4 }) },
        anyJson,
      );
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, property] of properties) record[key] = valueFor(property, depth + 1);
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc
            .tuple(
              fc.record(record, { requiredKeys: [] }),
              fc.dictionary(fc.string({ maxLength: 12 }), anyJson, { maxKeys: 2 }),
            )
            .map(([known, extra]) => ({ ...extra, ...known })),
        },
        anyJson,
      );
    }
    default:
      return anyJson;
  }
}

/** Deeply nested JSON, written by hand: JSON.stringify itself would overflow the stack. */
const deepJson = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => open.repeat(depth) + (open === '[' ? ']' : '1}').repeat(depth));

const invalidJson = fc.constantFrom(
  '',
  '{',
  '{"a":',
  'nul',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '[1,]',
  '\u0000',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '\ufeff{}',
);

/** Every place in a JSON value (as key paths), to the depth the API's bodies go. */
function placesIn(value: unknown, path: string[] = [], depth = 0): string[][] {
  if (depth > 5 || value === null || typeof value !== 'object') return [path];
  const keys = Object.keys(value);
  return [
    path,
    ...keys.flatMap((key) => placesIn((value as Record<string, unknown>)[key], [...path, key], depth + 1)),
  ];
}

function replaceAt(value: unknown, path: string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [key, ...rest] = path as [string, ...string[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string, unknown>;
  if (replacement === undefined && rest.length === 0) delete copy[key];
  else copy[key] = replaceAt(copy[key], rest, replacement);
  return copy;
}

/** The documented example with one place broken (or removed): reaches the checks past the first. */
function mutatedExample(example: unknown): fc.Arbitrary<unknown> {
  const places = placesIn(example);
  return fc
    .tuple(fc.constantFrom(...places), fc.oneof(anyJson, fc.constant(undefined)))
    .map(([path, replacement]) => replaceAt(example, path, replacement));
}

function bodyFor(schema: Schema | undefined, example: unknown): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 4, arbitrary: valueFor(schema).map(toJson) },
    ...(example === undefined
      ? []
      : [
          { weight: 1, arbitrary: fc.constant(toJson(example)) },
          { weight: 4, arbitrary: mutatedExample(example).map(toJson) },
        ]),
    { weight: 2, arbitrary: invalidJson },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/vnd.api+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '*/*',
  'application/json;;;',
  '',
];

/** A header value Node will send (Latin-1, no control characters). */
const headerText = fc
  .oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('-1', '0', '1', 'Infinity', 'NaN', '1e999', '99999999999999999999', '1.5', ' 3 ', '0x10'),
    fc.integer({ min: 100, max: 8_000 }).map((n) => 'z'.repeat(n)),
  )
  .map((s) => s.replace(/[^\x20-\x7e]/g, '_'));

const headersArb = fc.record(
  {
    // Mostly JSON, so most bodies reach validation and the routes.
    'content-type': fc.oneof(
      { weight: 3, arbitrary: fc.constant('application/json') },
      { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    ),
    accept: fc.constantFrom('application/json', 'text/event-stream', '*/*', 'text/html', 'garbage/+'),
    'last-event-id': headerText,
    'x-request-id': headerText,
    'x-parley-history': headerText,
  },
  { requiredKeys: ['content-type'] },
);

/** A path parameter: a real id, or anything a URL can carry (percent-encoded or broken). */
function paramArb(realIds: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...realIds).map(encodeURIComponent) },
    { weight: 4, arbitrary: weirdString.map((s) => encodeURIComponent(s.slice(0, 8_000))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%ZZ', '%', '%00', '%C0%80', '%E2%82', '..%2F..', '.', '%2e%2e'),
    },
  );
}

/** Query values: the documented parameters and a stray one, each maybe repeated or broken. */
function queryArb(parameters: Parameter[]): fc.Arbitrary<string> {
  const numeric = fc.constantFrom(
    'Infinity',
    '-Infinity',
    'NaN',
    '1e999',
    '-0',
    '0',
    '-1',
    '1.5',
    '20',
    '1e2',
    '0x10',
    '',
  );
  const text = fc.oneof(
    weirdString.map((s) => encodeURIComponent(s.slice(0, 4_000))),
    fc.constantFrom('%ZZ', '%', '%00', 'a%00b', 'hello'),
  );
  const pair = (name: string, schema: Schema | undefined) =>
    fc
      .oneof(schema?.type === 'integer' || schema?.type === 'number' ? numeric : text, numeric, text)
      .map((value) => `${name}=${value}`);
  const documented = parameters.filter((p) => p.in === 'query');
  return fc
    .tuple(
      // Each documented parameter maybe once, maybe twice (an array where a scalar is expected).
      ...documented.map((p) => fc.array(pair(p.name, p.schema), { maxLength: 2 })),
      fc.array(pair('stray', undefined), { maxLength: 1 }),
    )
    .map((groups) => groups.flat().join('&'));
}

interface Callers {
  user: Client;
  admin: Client;
  token: string;
}

/** Callers whose credentials a fuzzed request ended (a deleted token, a changed state) get new ones. */
async function keepSignedIn(t: TestApp, callers: Callers): Promise<void> {
  for (const [client, name] of [
    [callers.user, 'fuzzuser'],
    [callers.admin, 'fuzzadmin'],
  ] as const) {
    if ((await client.request('GET', '/api/auth/me')).statusCode === 401) await client.login(name, PASSWORD);
  }
  const probe = await t.app.inject({
    method: 'GET',
    url: '/api/tokens',
    headers: { authorization: `Bearer ${callers.token}` },
  });
  if (probe.statusCode === 401) {
    callers.token = (await callers.user.request('POST', '/api/tokens', { name: 'fuzz' })).json().token;
  }
}

function send(port: number, agent: Agent, request: FuzzRequest, callers: Callers): Promise<Answer> {
  const headers: Record<string, string> = { ...request.headers };
  if (headers['content-type'] === '') delete headers['content-type'];
  const client = request.who === 'user' ? callers.user : request.who === 'admin' ? callers.admin : undefined;
  if (client?.cookie) headers.cookie = client.cookie;
  if (client?.csrfToken) headers['x-csrf-token'] = client.csrfToken;
  if (request.who === 'token') headers.authorization = `Bearer ${callers.token}`;
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: request.method, path: request.path, headers, agent },
      (res) => {
        const contentType = String(res.headers['content-type'] ?? '');
        // A stream that opened is a success; nobody needs to watch it to its end.
        if (res.statusCode === 200 && contentType.startsWith('text/event-stream')) {
          res.destroy();
          resolve({ status: 200, contentType, body: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** What is wrong with an answer, or undefined when it keeps the contract. */
function problemWith(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500) return `status ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.status < 400) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return `error answer is not JSON (${answer.contentType}): ${answer.body.slice(0, 200)}`;
  }
  const path = request.path.split('?')[0] ?? '';
  const record = (body ?? {}) as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  const documented =
    keys.join() === 'code,error' && typeof record.error === 'string' && typeof record.code === 'string';
  if (path.startsWith('/v1/')) {
    const error = record.error as { message?: unknown; type?: unknown } | undefined;
    if (typeof error?.message === 'string' && typeof error.type === 'string') return undefined;
    // Malformed HTTP (headers too large, a request too slow) is answered before any route is known.
    if (documented && [400, 408, 431].includes(answer.status)) return undefined;
    return `not OpenAI's error shape: ${answer.body.slice(0, 200)}`;
  }
  const seed = path === '/chat/message' || path === '/chat/history';
  if (seed && keys.length === 1 && typeof record.error === 'string') return undefined;
  if (documented) return undefined;
  return `not the error shape: ${answer.body.slice(0, 200)}`;
}

const PASSWORD = 'fuzzing passphrase 7';

/** Routes whose effect would end the fuzzing callers' own sessions: sent anonymously only. */
const SESSION_ENDING = new Set(['POST /api/auth/logout', 'DELETE /api/auth/sessions']);
/** Routes that hash a password: each call costs ~100 ms of CPU by design. */
const HASHING = new Set(['/api/auth/signup', '/api/auth/login', '/api/auth/password', '/api/auth/reset']);

const targets = storeTargets();
let totalRequests = 0;
const byClass: Record<string, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
afterAll(() => {
  const classes = Object.entries(byClass)
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
  console.log(`fuzz: ${totalRequests} requests (${classes})`);
});

for (const target of targets) {
  describe(`fuzzing the API on ${target.name}`, () => {
    it('never answers 5xx and always in the documented error shape', async () => {
      const database: TestDatabase = await target.create();
      let t: TestApp | undefined;
      const agent = new Agent({ keepAlive: true, maxSockets: 2 });
      try {
        t = await createTestApp({
          env: {
            AUTH_MODE: 'local',
            DATABASE_URL: database.url,
            DEMO_DELAY_MS: '0',
            RATE_LIMIT_RPM: '1000000',
            SIGNUP: 'open',
          },
        });
        await t.app.listen({ port: 0, host: '127.0.0.1' });
        const address = t.app.server.address();
        if (!address || typeof address === 'string') throw new Error('no address');
        const port = address.port;

        const admin = new Client(t.app);
        // Not the documented examples' password: a fuzzed password change must not succeed.
        await admin.signup('fuzzadmin', PASSWORD);
        const user = new Client(t.app);
        await user.signup('fuzzuser', PASSWORD);
        const token = (await user.request('POST', '/api/tokens', { name: 'fuzz' })).json().token as string;
        const conversation = (await user.request('POST', '/api/conversations', { title: 'fuzz' })).json();
        const sent = (
          await user.request('POST', `/api/conversations/${conversation.id}/messages`, { content: 'hello' })
        ).json();
        await t.app.parley.runs.get(sent.runId)?.done;
        const realIds = [
          conversation.id,
          sent.userMessage.id,
          sent.assistantMessage.id,
          sent.runId,
          'index.js',
        ];
        const callers: Callers = { user, admin, token };

        const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as OpenApi;
        namedSchemas = doc.components?.schemas ?? {};
        const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
          Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
        );
        expect(operations.length).toBeGreaterThan(30);
        // Deletions last, so the real ids stay valid for the other routes as long as possible.
        operations.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
        // Methods no route has, on real paths.
        operations.push(
          { method: 'PUT', path: '/api/conversations/{id}', op: {} },
          { method: 'OPTIONS', path: '/api/conversations', op: {} },
          { method: 'DELETE', path: '/chat/history', op: {} },
        );

        const failures: string[] = [];
        for (const { method, path, op } of operations) {
          const parameters = op.parameters ?? [];
          const media = Object.values(op.requestBody?.content ?? {})[0];
          const schema = media?.schema;
          const whoArb: fc.Arbitrary<Who> = SESSION_ENDING.has(`${method} ${path}`)
            ? fc.constant('anonymous')
            : fc.oneof(
                { weight: 1, arbitrary: fc.constant<Who>('anonymous') },
                { weight: path.startsWith('/v1/') ? 1 : 3, arbitrary: fc.constant<Who>('user') },
                { weight: 1, arbitrary: fc.constant<Who>('admin') },
                { weight: path.startsWith('/v1/') ? 4 : 1, arbitrary: fc.constant<Who>('token') },
              );
          const pathArb = fc
            .tuple(...[...path.matchAll(/\{[^}]+\}/g)].map(() => paramArb(realIds)))
            .map((values) => {
              let i = 0;
              return path.replace(/\{[^}]+\}/g, () => values[i++] ?? '');
            });
          const requestArb = fc
            .record({
              who: whoArb,
              path: pathArb,
              query: queryArb(parameters),
              headers: headersArb,
              body: method === 'GET' ? fc.constant(undefined) : bodyFor(schema, media?.example),
            })
            .map(
              ({ who, path: url, query, headers, body }): FuzzRequest => ({
                who,
                method,
                path: query ? `${url}?${query}` : url,
                headers: body === undefined && method === 'GET' ? { ...headers } : headers,
                body,
              }),
            );
          const numRuns = HASHING.has(path) ? 12 : 60;
          const result = await fc.check(
            fc.asyncProperty(requestArb, async (request) => {
              totalRequests += 1;
              const answer = await send(port, agent, request, callers);
              const problem = problemWith(request, answer);
              const statusClass = `${Math.floor(answer.status / 100)}xx`;
              byClass[statusClass] = (byClass[statusClass] ?? 0) + 1;
              if (problem) throw new Error(problem);
            }),
            { numRuns, endOnFailure: true },
          );
          if (result.failed) {
            const example = result.counterexample?.[0] as FuzzRequest | undefined;
            const short = (text: string | undefined) =>
              text && text.length > 120 ? `${text.slice(0, 120)}…(${text.length})` : text;
            const headers = Object.entries(example?.headers ?? {}).map(([k, v]) => `${k}: ${short(v)}`);
            failures.push(
              `${method} ${path} (seed ${result.seed}): ${String((result.errorInstance as Error)?.message ?? result.errorInstance)}\n` +
                `  as ${example?.who}: ${example?.method} ${short(example?.path)} [${headers.join('; ')}] ` +
                `body ${short(example?.body)}`,
            );
          }
          // A fuzzed request may have deleted the token or ended a session: sign back in.
          await keepSignedIn(t, callers);
        }
        expect(failures).toEqual([]);
      } finally {
        agent.destroy();
        await t?.close();
        await database.drop();
      }
    }, 180_000);
  });
}
