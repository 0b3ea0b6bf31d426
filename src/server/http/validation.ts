import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

/**
 * Query strings, params and headers arrive as text, so they are coerced ("50" → 50). JSON bodies
 * are typed already and are validated strictly: `{"content": 42}` is an error, not the string "42".
 */
function ajv(coerceTypes: boolean | 'array'): Ajv {
  const instance = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false });
  addFormats.default(instance);
  return instance;
}

export function installValidators(app: FastifyInstance): void {
  const strict = ajv(false);
  const coercing = ajv('array');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? strict.compile(schema) : coercing.compile(schema),
  );
}
