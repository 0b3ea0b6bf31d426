/** FILE_STORE=database (the default): bytes in the shared database, so every instance has them. */
export class DatabaseBlobStore {
    store;
    kind = 'database';
    constructor(store) {
        this.store = store;
    }
    put(key, bytes, mediaType) {
        return this.store.repos.blobs.putBlob(key, bytes, mediaType);
    }
    get(key) {
        return this.store.repos.blobs.getBlob(key);
    }
    delete(keys) {
        return this.store.repos.blobs.deleteBlobs(keys);
    }
    async close() { }
}
