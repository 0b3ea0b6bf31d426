import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openapiPath } from '../src/server/http/openapi/openapi-document.js';
import { ROUTE_DOCS } from '../src/server/http/openapi/route-docs.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/**
 * The API contract, checked against the running app: the OpenAPI document validates (an OpenAPI
 * 3.1 validator), covers every route the app serves and nothing else, gives every operation a
 * response schema and at least one example, and every example matches its schema. Each check
 * fails listing what is missing, so a new route without a schema or an example is named.
 */

interface Media {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description?: string; content?: Record<string, Media> }>;
}
interface Document {
  openapi: string;
  servers?: { url: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas?: Record<string, unknown> };
}

let t: TestApp;
let doc: Document;
let routes: string[];

beforeAll(async () => {
  t = await createTestApp({ env: { AUTH_MODE: 'local' } });
  const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('application/json');
  doc = res.json();
  routes = t.app.parley.routes.map((route) => `${route.method} ${route.url}`);
});
afterAll(async () => t?.close());

function operations(): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([url, ops]) =>
    Object.entries(ops).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${url}`, op]),
  );
}

function media(op: Operation): { where: string; type: string; media: Media }[] {
  const found: { where: string; type: string; media: Media }[] = [];
  for (const [type, m] of Object.entries(op.requestBody?.content ?? {}))
    found.push({ where: 'request', type, media: m });
  for (const [status, response] of Object.entries(op.responses)) {
    for (const [type, m] of Object.entries(response.content ?? {}))
      found.push({ where: status, type, media: m });
  }
  return found;
}

function examplesOf(m: Media): unknown[] {
  return [
    ...(m.example !== undefined ? [m.example] : []),
    ...Object.values(m.examples ?? {}).map((e) => e.value),
  ];
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? [], 'OpenAPI validation errors').toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('covers every running route, and only those', () => {
    const documented = new Set(operations().map(([key]) => key));
    const expected = routes.map((route) => {
      const [method, url] = route.split(' ') as [string, string];
      return `${method} ${openapiPath(url)}`;
    });
    expect(
      expected.filter((route) => !documented.has(route)),
      'running routes missing from the document',
    ).toEqual([]);
    expect(
      [...documented].filter((route) => !expected.includes(route)),
      'documented operations no route serves',
    ).toEqual([]);
    expect(
      Object.keys(ROUTE_DOCS).filter((route) => !routes.includes(route)),
      'route-docs.ts entries for routes that do not exist',
    ).toEqual([]);
  });

  it('gives every operation an id, a summary, a tag, a response schema and an example', () => {
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const [key, op] of operations()) {
      if (!op.operationId) problems.push(`${key}: no operationId (add it to route-docs.ts)`);
      else if (ids.has(op.operationId)) problems.push(`${key}: duplicate operationId ${op.operationId}`);
      else ids.add(op.operationId);
      if (!op.summary) problems.push(`${key}: no summary`);
      if (!op.tags?.length) problems.push(`${key}: no tag`);
      // A redirect is the success of the routes a browser is sent through (single sign-on).
      const successes = Object.entries(op.responses).filter(([status]) => /^(2\d\d|30[237])$/.test(status));
      if (successes.length === 0) problems.push(`${key}: no success response`);
      const withBody = successes.filter(([status]) => /^2\d\d$/.test(status) && status !== '204');
      for (const [status, response] of withBody) {
        const contents = Object.entries(response.content ?? {});
        if (contents.length === 0) problems.push(`${key}: response ${status} has no schema`);
        for (const [type, m] of contents)
          if (!m.schema) problems.push(`${key}: ${status} ${type} has no schema`);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (!response.description) problems.push(`${key}: response ${status} has no description`);
      }
      if (!media(op).some(({ media: m }) => examplesOf(m).length > 0)) problems.push(`${key}: no example`);
      if (
        op.requestBody &&
        !media(op).some(({ where, media: m }) => where === 'request' && examplesOf(m).length > 0)
      ) {
        problems.push(`${key}: request body without an example`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has examples that match their schemas', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const problems: string[] = [];
    for (const [key, op] of operations()) {
      for (const { where, type, media: m } of media(op)) {
        if (!m.schema) continue;
        // The schema's `#/components/schemas/...` references resolve against the document's components.
        const validate = ajv.compile({ ...(m.schema as object), components: doc.components });
        for (const example of examplesOf(m)) {
          if (!validate(example)) {
            problems.push(`${key} ${where} ${type}: ${ajv.errorsText(validate.errors)}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('names its security: public routes need nothing, API routes a session or an API token', () => {
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(
      ['apiToken', 'csrf', 'metricsToken', 'session'].sort(),
    );
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
    expect(doc.paths['/api/conversations']?.post?.security).toEqual([
      { session: [], csrf: [] },
      { apiToken: [] },
    ]);
    expect(doc.paths['/v1/chat/completions']?.post?.security).toEqual([{ apiToken: [] }]);
    expect(doc.paths['/metrics']?.get?.security).toEqual([{}, { metricsToken: [] }]);
  });
});

describe('named schemas and servers (clients generated from the document)', () => {
  /** Every `$ref` in `value`. */
  const refsIn = (value: unknown): string[] =>
    JSON.stringify(value)
      .match(/"\$ref":"[^"]*"/g)
      ?.map((match) => match.slice(8, -1)) ?? [];

  it('says where the API is', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });

  it('names the shared shapes under components.schemas and refers to them from the operations', () => {
    const schemas = doc.components.schemas ?? {};
    for (const name of ['Conversation', 'ConversationPage', 'Message', 'Share', 'Folder', 'Error', 'User']) {
      expect(schemas[name], `components.schemas.${name}`).toBeDefined();
    }
    expect(schemas.Conversation).toMatchObject({
      type: 'object',
      properties: { id: { type: 'string' }, pinned: { type: 'boolean' } },
    });
    // An operation's body or response is the component itself, not an anonymous copy of it...
    const get = doc.paths['/api/conversations/{id}']?.get;
    expect(get?.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Conversation',
    });
    const create = doc.paths['/api/conversations']?.post;
    expect(create?.requestBody?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/CreateConversationBody',
    });
    expect(get?.responses['404']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
    // ...and so are the shapes inside other shapes.
    expect(schemas.ConversationPage).toMatchObject({
      properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Conversation' } } },
    });
    expect(refsIn(schemas.MessagePage)).toContain('#/components/schemas/Message');
  });

  it('has no dangling and no unused component schemas', () => {
    const schemas = doc.components.schemas ?? {};
    const refs = new Set(refsIn(doc));
    const dangling = [...refs].filter(
      (ref) => !ref.startsWith('#/components/schemas/') || !(ref.slice(21) in schemas),
    );
    expect(dangling, 'references to nothing').toEqual([]);
    const unused = Object.keys(schemas).filter((name) => !refs.has(`#/components/schemas/${name}`));
    expect(unused, 'component schemas nothing refers to').toEqual([]);
  });

  it('gives PUBLIC_URL as the server when it is set', async () => {
    const site = await createTestApp({ env: { PUBLIC_URL: 'https://chat.example.com' } });
    try {
      const res = await site.app.inject({ method: 'GET', url: '/openapi.json' });
      const published = res.json() as Document;
      expect(published.servers).toEqual([
        { url: 'https://chat.example.com', description: expect.any(String) },
      ]);
      // The paths stay the site's own.
      expect(published.paths['/api/conversations']).toBeDefined();
    } finally {
      await site.close();
    }
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI over /openapi.json under the app’s strict CSP', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    // No inline script: everything the page runs is a file from 'self'.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const assets = [...page.body.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(assets).toContain('/docs/assets/swagger-ui-bundle.js');
    for (const asset of assets) {
      const res = await t.app.inject({ method: 'GET', url: asset });
      expect(res.statusCode, asset).toBe(200);
      expect(res.body.length, asset).toBeGreaterThan(0);
    }
    const init = await t.app.inject({ method: 'GET', url: '/docs/assets/docs.js' });
    expect(init.headers['content-type']).toContain('javascript');
    expect(init.body).toContain("url: '/openapi.json'");
    expect((await t.app.inject({ method: 'GET', url: '/docs/assets/..%2Fpackage.json' })).statusCode).toBe(
      404,
    );
    expect((await t.app.inject({ method: 'GET', url: '/docs/assets/index.html' })).statusCode).toBe(404);
  });
});

describe('docs/api.md', () => {
  it('names every route (the OpenAI-compatible ones in docs/openai-api.md)', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const lines = ['docs/api.md', 'docs/openai-api.md']
      .map((file) => readFileSync(path.join(root, file), 'utf8'))
      .join('\n')
      .split('\n');
    const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const missing = routes.filter((route) => {
      const [method, url] = route.split(' ') as [string, string];
      const pattern = new RegExp(`${escapeRegExp(url)}(?![\\w/:.-])`);
      return !lines.some((line) => line.includes(method) && pattern.test(line));
    });
    expect(missing, 'routes docs/api.md does not mention (as METHOD and path on one line)').toEqual([]);
  });
});
