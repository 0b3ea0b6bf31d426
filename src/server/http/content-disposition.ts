/**
 * A Content-Disposition header with an ASCII fallback name and the exact UTF-8 one (RFC 6266 /
 * RFC 8187). Quotes, backslashes, percent signs and semicolons never reach the fallback, so a
 * file name cannot break out of the header.
 */
/** The printable ASCII of a name, without the characters that could end the quoted value. */
function ascii(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/["\\%;]/g, '')
    .trim();
}

export function contentDisposition(
  type: 'attachment' | 'inline',
  fileName: string,
  fallbackBase = 'file',
): string {
  const dot = fileName.lastIndexOf('.');
  const extension = dot > 0 ? ascii(fileName.slice(dot)) : '';
  const base = ascii(dot > 0 ? fileName.slice(0, dot) : fileName);
  const asciiName = `${base || fallbackBase}${extension}`;
  const utf8 = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${asciiName}"; filename*=UTF-8''${utf8}`;
}
