import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
/**
 * SESSION_SECRET, or one generated once and kept in the data directory (mode 0600) so sessions
 * survive restarts. An in-memory database gets a throwaway secret. Several instances must share
 * SESSION_SECRET (set it explicitly when scaling out).
 */
export function sessionSecret(config) {
    if (config.sessionSecret)
        return config.sessionSecret;
    if (!config.databaseUrl.startsWith('sqlite:') || config.databaseUrl === 'sqlite::memory:') {
        return randomBytes(32).toString('base64url');
    }
    const file = path.join(config.dataDir, 'session-secret');
    if (existsSync(file))
        return readFileSync(file, 'utf8').trim();
    mkdirSync(config.dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return secret;
}
