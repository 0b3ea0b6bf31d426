import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, S3Client, } from '@aws-sdk/client-s3';
/** S3 allows at most 1,000 keys per DeleteObjects request. */
const deleteBatchSize = 1000;
/** Blobs in an S3 bucket (AWS or any S3-compatible store). */
export class S3BlobStore {
    kind = 's3';
    #client;
    #bucket;
    #prefix;
    constructor(options) {
        this.#bucket = options.bucket;
        this.#prefix = normalizePrefix(options.prefix);
        this.#client = new S3Client(clientConfig(options));
    }
    async put(key, bytes, mediaType) {
        await this.#send('PutObject', () => this.#client.send(new PutObjectCommand({
            Bucket: this.#bucket,
            Key: this.#objectKey(key),
            Body: bytes,
            ContentLength: bytes.byteLength,
            ContentType: mediaType,
        })));
    }
    async get(key) {
        return this.#send('GetObject', async () => {
            try {
                const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#objectKey(key) }));
                return (await response.Body?.transformToByteArray()) ?? new Uint8Array(0);
            }
            catch (error) {
                if (isMissingObject(error))
                    return undefined;
                throw error;
            }
        });
    }
    async delete(keys) {
        const objectKeys = [...new Set(keys.map((key) => this.#objectKey(key)))];
        for (let start = 0; start < objectKeys.length; start += deleteBatchSize) {
            const batch = objectKeys.slice(start, start + deleteBatchSize);
            const response = await this.#send('DeleteObjects', () => this.#client.send(new DeleteObjectsCommand({
                Bucket: this.#bucket,
                // Quiet: the answer lists only failures, not 1,000 successes.
                Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            })));
            // DeleteObjects answers 200 even when some keys failed; a missing key is not a failure in S3.
            const failed = (response.Errors ?? []).filter((error) => error.Code !== 'NoSuchKey');
            if (failed.length > 0) {
                const first = failed[0];
                throw new Error(`S3 DeleteObjects on bucket "${this.#bucket}" failed for ${failed.length} key(s), e.g. ` +
                    `${first?.Key}: ${first?.Code} ${first?.Message ?? ''}`.trim());
            }
        }
    }
    async close() {
        this.#client.destroy();
    }
    #objectKey(key) {
        if (key === '')
            throw new Error('Refused an empty blob key.');
        return this.#prefix + key;
    }
    /** Runs one S3 call, naming the operation and bucket in any error (never the credentials). */
    async #send(operation, call) {
        try {
            return await call();
        }
        catch (error) {
            throw new Error(`S3 ${operation} on bucket "${this.#bucket}" failed: ${describe(error)}`, {
                cause: error,
            });
        }
    }
}
function clientConfig(options) {
    const { accessKeyId, secretAccessKey } = options;
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
        throw new Error('S3 blob store: give both the access key id and the secret access key, or neither.');
    }
    return {
        region: options.region,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        forcePathStyle: options.forcePathStyle ?? false,
        ...(accessKeyId !== undefined && secretAccessKey !== undefined
            ? { credentials: { accessKeyId, secretAccessKey } }
            : {}),
        ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
        requestHandler: {
            requestTimeout: options.requestTimeoutMs ?? 30_000,
            connectionTimeout: options.connectionTimeoutMs ?? 5_000,
            // Without this, the SDK only logs a warning when requestTimeout passes and keeps waiting.
            throwOnRequestTimeout: true,
        },
        // Compatibility: since early 2025 the SDK checksums every upload by default (x-amz-checksum-crc32
        // headers on byte bodies; `aws-chunked` bodies with a checksum trailer on streams) and validates
        // response checksums. AWS accepts that; many S3-compatible servers (older MinIO, Ceph, B2, some R2
        // setups) reject the headers, and s3rver would store the chunk framing as the object's bytes.
        // Checksums only where the API requires them (DeleteObjects) keep requests plain everywhere; the
        // signed payload hash (x-amz-content-sha256) and TLS still protect the bytes.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
    };
}
/** `parley`, `/parley/` → `parley/`; none → ``. */
function normalizePrefix(prefix) {
    const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
    return trimmed === '' ? '' : `${trimmed}/`;
}
function isMissingObject(error) {
    if (!(error instanceof Error))
        return false;
    if (error.name === 'NoSuchKey')
        return true;
    // Some S3-compatible servers answer a bare 404. A missing bucket is a configuration error, not an
    // absent blob, so it must not read as "no bytes".
    const status = error.$metadata?.httpStatusCode;
    return status === 404 && error.name !== 'NoSuchBucket';
}
function describe(error) {
    if (!(error instanceof Error))
        return String(error);
    const status = error.$metadata?.httpStatusCode;
    return `${error.name}${status === undefined ? '' : ` (HTTP ${status})`}: ${error.message}`;
}
