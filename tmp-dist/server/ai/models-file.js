import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import YAML from 'yaml';
import { ConfigError } from '../config.js';
import { reservedNamespaces } from './providers/index.js';
/** The values `input` takes, in the order a model's list is shown. */
const INPUT_KINDS = ['text', 'image', 'pdf'];
const ModelSchema = Type.Object({
    id: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.String({ minLength: 1 })),
    contextWindow: Type.Optional(Type.Integer({ minimum: 1 })),
    /** What the model reads natively; text is implied (every model reads the prompt). */
    input: Type.Optional(Type.Array(Type.Enum(INPUT_KINDS))),
    /** Registry ids (`openai/gpt-4o-mini`), or ids of the same endpoint, tried in order. */
    fallbacks: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
}, { additionalProperties: false });
const EndpointSchema = Type.Object({
    name: Type.String({ pattern: '^[a-z0-9-]+$' }),
    baseURL: Type.String({ minLength: 1 }),
    apiKey: Type.Optional(Type.String({ minLength: 1 })),
    /** Name of an environment variable holding the key, so the file itself holds no secret. */
    apiKeyEnv: Type.Optional(Type.String({ minLength: 1 })),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    models: Type.Array(ModelSchema, { minItems: 1 }),
}, { additionalProperties: false });
const ModelsFileSchema = Type.Object({ endpoints: Type.Array(EndpointSchema, { minItems: 1 }) }, { additionalProperties: false });
/** Endpoint names that would collide with the built-in providers' id namespaces. */
const RESERVED_NAMES = reservedNamespaces();
class Problem extends Error {
}
/** `/endpoints/0/baseURL` → `endpoints[0].baseURL`. */
function where(pointer) {
    return pointer
        .split('/')
        .slice(1)
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}
const ARTICLE = {
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    array: 'a list',
    object: 'an object',
    boolean: 'true or false',
};
/** The value a JSON pointer from a schema error points at, to quote it back. */
function valueAt(value, pointer) {
    return pointer
        .split('/')
        .slice(1)
        .reduce((at, key) => at?.[key], value);
}
/** The first schema error, as a sentence about the file's own field names. */
function schemaProblem(value) {
    const error = Value.Errors(ModelsFileSchema, value)[0];
    if (!error)
        return undefined;
    const at = where(error.instancePath);
    const params = error.params;
    switch (error.keyword) {
        case 'required': {
            const missing = params.requiredProperties?.[0] ?? '?';
            return `${at ? `${at}.` : ''}${missing} is required`;
        }
        case 'boolean':
        case 'additionalProperties': {
            const extra = error.keyword === 'boolean'
                ? at
                : `${at ? `${at}.` : ''}${params.additionalProperties[0]}`;
            return `${extra} is not a known field`;
        }
        case 'type':
            if (!at)
                return 'the file must hold an object with an endpoints list';
            return `${at} must be ${ARTICLE[String(params.type)] ?? String(params.type)}`;
        case 'pattern':
            return `${at} must be lowercase letters, digits and dashes`;
        case 'minItems':
        case 'minLength':
            return `${at} must not be empty`;
        case 'minimum':
            return `${at} must be at least ${String(params.limit)}`;
        case 'enum': {
            const allowed = params.allowedValues?.map(String).join(', ') ?? '';
            return `${at} is ${JSON.stringify(valueAt(value, error.instancePath))}; expected one of ${allowed}`;
        }
        default:
            return `${at || 'the file'} ${error.message}`;
    }
}
function isHttpUrl(value) {
    try {
        const url = new URL(value);
        return url.protocol === 'http:' || url.protocol === 'https:';
    }
    catch {
        return false;
    }
}
function checkEndpoints(file, env) {
    const seen = new Map();
    return file.endpoints.map((endpoint, i) => {
        const at = `endpoints[${i}]`;
        if (RESERVED_NAMES.has(endpoint.name)) {
            throw new Problem(`${at}.name "${endpoint.name}" is reserved for a built-in provider`);
        }
        const earlier = seen.get(endpoint.name);
        if (earlier !== undefined) {
            throw new Problem(`${at}.name "${endpoint.name}" is already used by endpoints[${earlier}]`);
        }
        seen.set(endpoint.name, i);
        if (!isHttpUrl(endpoint.baseURL))
            throw new Problem(`${at}.baseURL must be an http(s) URL`);
        if (endpoint.apiKey !== undefined && endpoint.apiKeyEnv !== undefined) {
            throw new Problem(`${at} sets both apiKey and apiKeyEnv; keep one`);
        }
        let apiKey = endpoint.apiKey;
        if (endpoint.apiKeyEnv !== undefined) {
            apiKey = env[endpoint.apiKeyEnv]?.trim() || undefined;
            if (apiKey === undefined) {
                throw new Problem(`${at}.apiKeyEnv names ${endpoint.apiKeyEnv}, which is not set`);
            }
        }
        const ids = new Set();
        endpoint.models.forEach((model, j) => {
            if (ids.has(model.id))
                throw new Problem(`${at}.models[${j}].id "${model.id}" is listed twice`);
            ids.add(model.id);
        });
        const models = endpoint.models.map((model) => model.input
            ? { ...model, input: INPUT_KINDS.filter((kind) => kind === 'text' || model.input?.includes(kind)) }
            : model);
        return {
            name: endpoint.name,
            baseURL: endpoint.baseURL.replace(/\/+$/, ''),
            apiKey,
            headers: endpoint.headers,
            models,
        };
    });
}
function parseText(text, filePath) {
    const ext = path.extname(filePath).toLowerCase();
    const json = ext === '.json' || (ext !== '.yaml' && ext !== '.yml' && /^\s*\{/.test(text));
    try {
        return json ? JSON.parse(text) : YAML.parse(text);
    }
    catch (error) {
        // The yaml package follows its first line with a code frame; the first line is the message.
        const detail = (error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)).replace(/:$/, '');
        throw new Problem(`not valid ${json ? 'JSON' : 'YAML'} (${detail})`);
    }
}
function fail(filePath, problem) {
    throw new ConfigError(`Invalid setting MODELS_FILE=${JSON.stringify(filePath)}: ${problem.replace(/\s*\n\s*/g, ' ')}.`);
}
/**
 * Check a MODELS_FILE's text. `env` resolves `apiKeyEnv` (only config.ts reads process.env, so the
 * caller passes it). Throws a ConfigError with a one-line message.
 */
export function parseModelsFile(text, filePath, env = {}) {
    try {
        const value = parseText(text, filePath);
        const problem = schemaProblem(value);
        if (problem)
            throw new Problem(problem);
        return checkEndpoints(value, env);
    }
    catch (error) {
        if (error instanceof Problem)
            fail(filePath, error.message);
        throw error;
    }
}
/** Read and check MODELS_FILE (a path relative to the working directory). */
export async function loadModelsFile(filePath, env = {}) {
    let text;
    try {
        text = await readFile(filePath, 'utf8');
    }
    catch (error) {
        const code = error.code;
        fail(filePath, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`);
    }
    return parseModelsFile(text, filePath, env);
}
