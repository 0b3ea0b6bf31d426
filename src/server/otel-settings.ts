/**
 * The standard OpenTelemetry SDK settings (OTEL_*), parsed once by config.ts like every other
 * setting and handed to the SDK explicitly: the SDK's own environment reading would bypass the
 * one place that checks settings, and tests build many apps with different settings in one process.
 * Errors are one line naming the setting; header values (credentials) are never echoed.
 */

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type SamplerName = (typeof SAMPLERS)[number];

export interface OtelSettings {
  /** Where spans are sent (OTLP/HTTP JSON); undefined: tracing is off and no SDK is loaded. */
  readonly tracesUrl: string | undefined;
  /** OTEL_EXPORTER_OTLP_HEADERS: sent with every export (collector credentials, tenant). */
  readonly headers: Readonly<Record<string, string>>;
  /** OTEL_SERVICE_NAME, else `service.name` of OTEL_RESOURCE_ATTRIBUTES, else `parley`. */
  readonly serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES (deployment.environment.name, service.namespace, ...). */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** OTEL_TRACES_SAMPLER and its ratio (OTEL_TRACES_SAMPLER_ARG, for the *traceidratio samplers). */
  readonly sampler: { readonly name: SamplerName; readonly ratio: number };
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function invalid(name: string, raw: string | undefined, expected: string): Error {
  const shown = raw === undefined ? name : `${name}=${JSON.stringify(raw)}`;
  return new Error(`Invalid setting ${shown}: ${expected}.`);
}

function httpUrl(env: Env, name: string): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  try {
    const parsed = new URL(raw);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw invalid(name, raw, 'expected an http:// or https:// URL');
}

/** The traces URL of an OTLP/HTTP base endpoint, as the OTel spec derives it from the base. */
export function tracesUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/v1/traces') ? base : `${base}/v1/traces`;
}

/**
 * `key1=value1,key2=value2` with percent-encoded values (the W3C Baggage octets the OTel spec uses
 * for OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS).
 */
function pairs(env: Env, name: string, secret: boolean): Record<string, string> {
  const raw = read(env, name);
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const item of raw.split(',')) {
    if (item.trim() === '') continue;
    const at = item.indexOf('=');
    const key = at > 0 ? item.slice(0, at).trim() : '';
    let value: string | undefined;
    try {
      value = at > 0 ? decodeURIComponent(item.slice(at + 1).trim()) : undefined;
    } catch {
      value = undefined;
    }
    if (!key || value === undefined || !/^[\x21-\x7e]+$/.test(key)) {
      throw invalid(
        name,
        secret ? undefined : raw,
        'expected key=value pairs separated by commas (values percent-encoded)',
      );
    }
    out[key] = value;
  }
  return out;
}

function sampler(env: Env): OtelSettings['sampler'] {
  const raw = read(env, 'OTEL_TRACES_SAMPLER');
  const name = (raw?.toLowerCase() ?? 'parentbased_always_on') as SamplerName;
  if (!SAMPLERS.includes(name))
    throw invalid('OTEL_TRACES_SAMPLER', raw, `expected one of ${SAMPLERS.join(', ')}`);
  const arg = read(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (arg === undefined || !name.endsWith('traceidratio')) return { name, ratio: 1 };
  const ratio = Number(arg);
  if (!/^\d*\.?\d+$/.test(arg) || ratio < 0 || ratio > 1) {
    throw invalid('OTEL_TRACES_SAMPLER_ARG', arg, 'expected a sampling ratio from 0 to 1');
  }
  return { name, ratio };
}

export function parseOtelSettings(env: Env): OtelSettings {
  const endpoint = httpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  // The signal-specific URL is used as given (the spec appends nothing to it).
  const tracesEndpoint = httpUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const disabled = read(env, 'OTEL_SDK_DISABLED');
  if (disabled !== undefined && !/^(true|false)$/i.test(disabled)) {
    throw invalid('OTEL_SDK_DISABLED', disabled, 'expected true or false');
  }
  const resourceAttributes = pairs(env, 'OTEL_RESOURCE_ATTRIBUTES', false);
  const headers = pairs(env, 'OTEL_EXPORTER_OTLP_HEADERS', true);
  const settings = {
    headers,
    serviceName: read(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'parley',
    resourceAttributes,
    sampler: sampler(env),
  };
  const off = disabled?.toLowerCase() === 'true';
  const url = tracesEndpoint ?? (endpoint ? tracesUrl(endpoint) : undefined);
  return { ...settings, tracesUrl: off ? undefined : url };
}
