/**
 * Error texts from MCP servers and transports may quote what Parley sent (a header, a URL, an
 * environment value). Before such a text is kept, shown or logged, every configured secret is
 * replaced and the text is cut to one short line.
 */

const MAX_ERROR_CHARS = 300;
/** Shorter values (`1`, `on`) would scrub ordinary words; they are not secrets worth the noise. */
const MIN_SECRET_CHARS = 4;

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_CHARS) out = out.split(secret).join('[redacted]');
  }
  const line = out.replace(/\s+/g, ' ').trim();
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS)}…` : line;
}

/** The message of anything thrown, as one line without secrets. */
export function errorText(error: unknown, secrets: readonly string[]): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return redact(message, secrets);
}
