/** FILE_STORE=database: attachment bytes in the `file_blobs` table (migration 010). */
export async function putBlob(db, key, data, mediaType) {
    await db
        .insertInto('file_blobs')
        .values({ key, data, media_type: mediaType })
        .onConflict((oc) => oc.column('key').doUpdateSet({ data, media_type: mediaType }))
        .execute();
}
export async function getBlob(db, key) {
    const row = await db.selectFrom('file_blobs').select('data').where('key', '=', key).executeTakeFirst();
    return row ? new Uint8Array(row.data) : undefined;
}
export async function deleteBlobs(db, keys) {
    if (keys.length === 0)
        return;
    await db
        .deleteFrom('file_blobs')
        .where('key', 'in', [...keys])
        .execute();
}
