import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Type } from 'typebox';
/**
 * The API contract: `GET /openapi.json` (OpenAPI 3.1, generated from the route schemas) and
 * `GET /docs`, Swagger UI over it. Swagger UI's files are served from the swagger-ui-dist package
 * and started by a script file of ours, so the page runs under the app's CSP (scripts from 'self',
 * no inline code) without a relaxed policy.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley API reference</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
<script src="/docs/assets/swagger-ui-bundle.js" defer></script>
<script src="/docs/assets/docs.js" defer></script>
</head>
<body>
<div id="swagger-ui"></div>
</body>
</html>
`;
// validatorUrl null: the page would otherwise send the document to validator.swagger.io.
const INIT = `window.addEventListener('DOMContentLoaded', () => {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;
const ASSETS = {
    'swagger-ui.css': { type: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
    'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
    'favicon-32x32.png': { type: 'image/png', file: 'favicon-32x32.png' },
    'docs.js': { type: 'text/javascript; charset=utf-8', body: INIT },
};
const distDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
export function docsRoutes() {
    return async (app) => {
        // Read on first use: an install that never opens /docs never loads the 2 MB of Swagger UI.
        const cache = new Map();
        const load = (name, asset) => {
            let content = cache.get(name);
            if (!content) {
                content =
                    asset.body !== undefined
                        ? Promise.resolve(asset.body)
                        : readFile(path.join(distDir, asset.file ?? name));
                cache.set(name, content);
            }
            return content;
        };
        app.get('/openapi.json', { config: { access: 'public' } }, async (_request, reply) => 
        // Sent as text: the document is already JSON, and no response schema should reshape it.
        reply.type('application/json; charset=utf-8').send(JSON.stringify(app.swagger())));
        app.get('/docs', { config: { access: 'public' } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
        app.get('/docs/assets/:file', {
            config: { access: 'public' },
            schema: { params: Type.Object({ file: Type.String({ maxLength: 100 }) }) },
        }, async (request, reply) => {
            const asset = Object.hasOwn(ASSETS, request.params.file) ? ASSETS[request.params.file] : undefined;
            if (!asset)
                return reply.code(404).send({ error: 'No such file.', code: 'not_found' });
            return reply
                .type(asset.type)
                .header('cache-control', 'public, max-age=3600')
                .send(await load(request.params.file, asset));
        });
    };
}
