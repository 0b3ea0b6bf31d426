/**
 * A Content-Disposition header with an ASCII fallback name and the exact UTF-8 one (RFC 6266 /
 * RFC 8187). Quotes, backslashes, percent signs and semicolons never reach the fallback, so a
 * file name cannot break out of the header.
 */
export function contentDisposition(type, fileName, fallbackBase = 'file') {
    const dot = fileName.lastIndexOf('.');
    const extension = dot > 0 ? fileName.slice(dot) : '';
    const ascii = fileName
        .normalize('NFKD')
        .replace(/[^\x20-\x7e]/g, '')
        .replace(/["\\%;]/g, '')
        .trim();
    const asciiName = ascii === '' || ascii === extension ? `${fallbackBase}${extension}` : ascii;
    const utf8 = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return `${type}; filename="${asciiName}"; filename*=UTF-8''${utf8}`;
}
