import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
/**
 * Query strings, params and headers arrive as text, so they are coerced ("50" → 50). JSON bodies
 * are typed already and are validated strictly: `{"content": 42}` is an error, not the string "42".
 */
function ajv(coerceTypes) {
    const instance = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false });
    addFormats.default(instance);
    return instance;
}
const NUL = '\u0000';
/**
 * What no schema may let through, checked on every validated input after Ajv: a NUL character in
 * any string or object key (PostgreSQL text cannot hold one, and no chat text means one) and a
 * non-finite number. The latter reaches routes two ways Ajv lets pass: `limit=Infinity` (or
 * `1e999`) coerced from a query string skips `maximum`, and JSON's `1e999` parses to Infinity.
 * Iterative, so a deeply nested body cannot overflow the stack.
 */
function unsafeValue(root) {
    const stack = [[root, '']];
    while (stack.length > 0) {
        const [value, path] = stack.pop();
        if (typeof value === 'string') {
            if (value.includes(NUL))
                return problem(path, 'must not contain a NUL character (\\u0000)');
        }
        else if (typeof value === 'number') {
            if (!Number.isFinite(value))
                return problem(path, 'must be a finite number');
        }
        else if (Array.isArray(value)) {
            for (let i = 0; i < value.length; i++)
                stack.push([value[i], `${path}/${i}`]);
        }
        else if (value !== null && typeof value === 'object') {
            for (const [key, item] of Object.entries(value)) {
                if (key.includes(NUL))
                    return problem(path, 'must not have a NUL character (\\u0000) in a key');
                stack.push([item, `${path}/${key}`]);
            }
        }
    }
    return undefined;
}
const problem = (instancePath, message) => ({
    instancePath,
    schemaPath: '#',
    keyword: 'safeInput',
    params: {},
    message,
});
/** Keywords that describe without constraining: a schema of only these accepts anything. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', 'example', 'default', '$id', '$comment']);
/**
 * Ajv's check, then the input rules. A schema with no type at all (the import body) is free-form
 * input its route checks and cleans itself (import drops NUL from imported text), and can be
 * 20 MiB: it is not walked here.
 */
function withInputRules(validate, schema) {
    const freeForm = typeof schema === 'object' && schema !== null && Object.keys(schema).every((key) => ANNOTATIONS.has(key));
    const checked = (data, context) => {
        if (!validate(data, context)) {
            checked.errors = validate.errors;
            return false;
        }
        // Ajv may replace a coerced root value in its parent: check what the route will see.
        const value = context
            ? context.parentData[context.parentDataProperty]
            : data;
        const error = freeForm ? undefined : unsafeValue(value);
        checked.errors = error ? [error] : null;
        return error === undefined;
    };
    // Fastify passes the request as parent data only to validators that look like Ajv's.
    checked.schemaEnv = validate.schemaEnv;
    return checked;
}
export function installValidators(app) {
    const strict = ajv(false);
    const coercing = ajv('array');
    app.setValidatorCompiler(({ schema, httpPart }) => withInputRules(httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema), schema));
}
