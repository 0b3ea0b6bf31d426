/** "Chrome on Linux" from a User-Agent header, for the sessions list (the full string stays in a tooltip). */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return 'Unknown browser';
  // Order matters: Edge and Opera also say Chrome, Chrome also says Safari, Android also says Linux.
  const browser = /Edg(e|A|iOS)?\//.test(ua)
    ? 'Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /(Firefox|FxiOS)\//.test(ua)
        ? 'Firefox'
        : /(Chrome|Chromium|CriOS)\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : null;
  const os = /iPhone|iPad|iPod/.test(ua)
    ? 'iOS'
    : /Android/.test(ua)
      ? 'Android'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Macintosh|Mac OS X/.test(ua)
          ? 'macOS'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : null;
  if (browser && os) return `${browser} on ${os}`;
  if (browser || os) return browser ?? os ?? '';
  // A script or another client (curl/8.5, python-requests/2.31): its own words, kept short.
  return ua.length > 60 ? `${ua.slice(0, 59)}…` : ua;
}
