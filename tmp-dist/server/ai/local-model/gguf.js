import { closeSync, openSync, readSync, statSync } from 'node:fs';
/**
 * The `context_length` a GGUF file declares, read from its header without loading the model.
 * Returns null when the file is not GGUF; undefined when the key is not found early in the header.
 */
export function ggufContextLength(file) {
    const fd = openSync(file, 'r');
    try {
        const size = statSync(file).size;
        let pos = 0;
        const read = (length) => {
            if (pos + length > size)
                throw new RangeError('truncated');
            const buffer = Buffer.alloc(length);
            readSync(fd, buffer, 0, length, pos);
            pos += length;
            return buffer;
        };
        const u32 = () => read(4).readUInt32LE();
        const u64 = () => Number(read(8).readBigUInt64LE());
        const str = () => read(u64()).toString('utf8');
        // Sizes of GGUF value types 0..12 (8 string and 9 array are variable).
        const sizes = [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8];
        const skip = (type) => {
            if (type === 8) {
                const length = u64(); // read first: `pos += u64()` would add to the old pos
                pos += length;
            }
            else if (type === 9) {
                const itemType = u32();
                const count = u64();
                if (itemType === 8)
                    for (let i = 0; i < count; i++)
                        skip(8);
                else
                    pos += count * (sizes[itemType] ?? 0);
            }
            else
                pos += sizes[type] ?? 0;
        };
        if (read(4).toString('latin1') !== 'GGUF')
            return null;
        u32(); // version
        u64(); // tensor count
        const kvCount = u64();
        let arch;
        for (let i = 0; i < kvCount; i++) {
            const key = str();
            const type = u32();
            if (key === 'general.architecture' && type === 8)
                arch = str();
            else if (arch && key === `${arch}.context_length` && (type === 4 || type === 10)) {
                return type === 4 ? u32() : u64();
            }
            else
                skip(type);
        }
        return undefined;
    }
    catch {
        return undefined;
    }
    finally {
        closeSync(fd);
    }
}
