import { AppError } from '../errors.js';
export function importError(path, problem) {
    return new AppError('validation_error', `Import refused: ${path ? `${path} ` : ''}${problem}.`);
}
/** JSON pointer (as in schema errors) → `messages[3].role`, below `root`. */
export function describePath(root, pointer) {
    let path = root;
    for (const raw of pointer.split('/').slice(1)) {
        const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
        if (/^\d+$/.test(segment))
            path += `[${segment}]`;
        else if (/^[A-Za-z_$][\w$]*$/.test(segment))
            path += path ? `.${segment}` : segment;
        else
            path += `[${JSON.stringify(segment)}]`;
    }
    return path;
}
const ARTICLE = {
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'true or false',
    object: 'an object',
    array: 'an array',
    null: 'null',
};
function orList(items) {
    return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
function problemOf(issue, siblings) {
    const { keyword, params } = issue;
    if (keyword === 'required') {
        const missing = params.requiredProperties?.[0] ?? '?';
        return {
            where: `${issue.instancePath}/${missing.replaceAll('~', '~0').replaceAll('/', '~1')}`,
            problem: 'is missing',
        };
    }
    const where = issue.instancePath;
    if (keyword === 'type' || keyword === 'anyOf' || keyword === 'const') {
        // A union (such as "a string or null") reports each alternative: name them all.
        const wanted = siblings.flatMap((s) => s.keyword === 'type'
            ? [ARTICLE[String(s.params.type)] ?? String(s.params.type)]
            : s.keyword === 'const'
                ? [JSON.stringify(s.params.allowedValue)]
                : []);
        if (wanted.length > 0)
            return { where, problem: `must be ${orList([...new Set(wanted)])}` };
    }
    if (keyword === 'enum') {
        const allowed = params.allowedValues.map((v) => String(v));
        return { where, problem: `must be ${orList(allowed)}` };
    }
    if (keyword === 'maxLength')
        return { where, problem: `must be at most ${params.limit} characters long` };
    if (keyword === 'minLength')
        return { where, problem: 'must not be empty' };
    if (keyword === 'maxItems')
        return { where, problem: `must have at most ${params.limit} items` };
    if (keyword === 'minimum')
        return { where, problem: `must be at least ${params.minimum ?? params.limit}` };
    if (keyword === 'format')
        return { where, problem: 'must be an ISO 8601 date and time' };
    return { where, problem: issue.message };
}
// typebox/value takes about 150 ms to load, and only imports use it: it is loaded on the first one.
let Value;
/** Load what checkSchema needs; call (and await) before it. */
export async function loadSchemaChecker() {
    Value ??= (await import('typebox/value')).Value;
}
/** Throw a 400 naming the first thing in `value` that does not fit `schema`. */
export function checkSchema(schema, value, root) {
    if (!Value)
        throw new Error('checkSchema was called before loadSchemaChecker().');
    if (Value.Check(schema, value))
        return;
    const issues = Value.Errors(schema, value);
    const first = issues[0];
    if (!first)
        throw importError(root, 'is not valid');
    const siblings = issues.filter((issue) => issue.instancePath === first.instancePath);
    const { where, problem } = problemOf(first, siblings);
    throw importError(describePath(root, where) || 'the file', problem);
}
/** An ISO timestamp from a file's date (ISO string or epoch seconds), else `fallback`. */
export function isoTime(value, fallback) {
    if (value === null || value === undefined)
        return fallback;
    const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? fallback : date.toISOString();
}
