import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
/**
 * Blobs as files under one directory. Keys are made by Parley, but a key is still treated as hostile:
 * one that could name a path outside the directory is refused before any file system call.
 */
export class FilesystemBlobStore {
    kind = 'filesystem';
    #root;
    constructor(options) {
        this.#root = resolve(options.directory);
    }
    async put(key, bytes, _mediaType) {
        const path = this.#pathOf(key);
        const folder = dirname(path);
        await mkdir(folder, { recursive: true });
        // Same directory as the target, so the rename is atomic (never across file systems): readers and
        // a crash see the old blob or the whole new one, never half of it under the real name.
        const temp = join(folder, `.${basename(path)}.${randomUUID()}.tmp`);
        try {
            const file = await open(temp, 'wx', 0o600);
            try {
                await file.writeFile(bytes);
                // Without the sync, a power cut can persist the rename before the data (an empty real file).
                await file.datasync();
            }
            finally {
                await file.close();
            }
            await rename(temp, path);
        }
        catch (error) {
            await rm(temp, { force: true });
            throw error;
        }
    }
    async get(key) {
        const path = this.#pathOf(key);
        try {
            return await readFile(path);
        }
        catch (error) {
            if (isMissing(error))
                return undefined;
            throw error;
        }
    }
    async delete(keys) {
        // Validate all first, so a bad key in the list deletes nothing rather than some.
        const paths = keys.map((key) => this.#pathOf(key));
        await Promise.all(paths.map((path) => rm(path, { force: true })));
    }
    async close() { }
    /** The file for `key`, fanned out by its first two characters: huge flat folders are slow. */
    #pathOf(key) {
        assertSafeKey(key);
        // Only plain characters in the fan-out folder: `..`, `.` or `/` there could escape or alias.
        const fanOut = key.slice(0, 2).replace(/[^A-Za-z0-9_-]/g, '_');
        const path = join(this.#root, fanOut, ...key.split('/'));
        // Belt and braces: the checks above already make this impossible.
        if (!path.startsWith(this.#root + sep))
            throw new UnsafeBlobKeyError(key);
        return path;
    }
}
/** A key that could name a file outside the store's directory. */
export class UnsafeBlobKeyError extends Error {
    constructor(key) {
        super(`Refused blob key ${JSON.stringify(key)}: it could name a file outside the store.`);
        this.name = 'UnsafeBlobKeyError';
    }
}
function assertSafeKey(key) {
    if (typeof key !== 'string' || key === '' || isAbsolute(key) || /[\\\0]/.test(key)) {
        throw new UnsafeBlobKeyError(key);
    }
    // Empty and `.` segments are refused too: `a//b` or `a/./b` would alias `a/b`.
    for (const segment of key.split('/')) {
        if (segment === '' || segment === '.' || segment === '..')
            throw new UnsafeBlobKeyError(key);
    }
}
function isMissing(error) {
    const code = error?.code;
    // ENOTDIR/EISDIR: a key whose path crosses another key's file, or names a folder of other keys.
    return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
