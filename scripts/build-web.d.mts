/** Types for scripts/build-web.mjs (used by the browser tests). */
export function webBuildIsStale(): boolean;
export function buildWeb(options?: { force?: boolean; quiet?: boolean }): Promise<boolean>;
