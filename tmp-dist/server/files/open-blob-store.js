import { DatabaseBlobStore } from './database-blob-store.js';
import { FilesystemBlobStore } from './filesystem-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';
/** The blob store FILE_STORE names. */
export function openBlobStore(config, store) {
    switch (config.kind) {
        case 'database':
            return new DatabaseBlobStore(store);
        case 'filesystem':
            return new FilesystemBlobStore({ directory: config.directory });
        case 's3':
            return new S3BlobStore({
                bucket: config.bucket,
                region: config.region,
                endpoint: config.endpoint,
                accessKeyId: config.accessKeyId,
                secretAccessKey: config.secretAccessKey,
                forcePathStyle: config.forcePathStyle,
                prefix: config.prefix,
            });
    }
}
