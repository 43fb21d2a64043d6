// Carves decoded frames out of large shared buffers: one allocation per 256 KiB instead of one
// per frame. A view keeps its slab alive, as Node's own Buffer pool does.

const DEFAULT_SLAB_BYTES = 256 * 1024;

export interface Slab {
  /** A region of at least `bytes`, valid until the next take(); commit() keeps part of it. */
  take(bytes: number): Buffer;
  /** Keeps the first `bytes` of the last take() so the next take() starts after them. */
  commit(bytes: number): void;
}

export function createSlab(slabBytes = DEFAULT_SLAB_BYTES): Slab {
  let buf = Buffer.allocUnsafe(slabBytes);
  let used = 0;
  let region = buf;
  return {
    take(bytes) {
      if (bytes > slabBytes / 4) {
        region = Buffer.allocUnsafe(bytes); // large frames get their own buffer
        return region;
      }
      if (used + bytes > buf.length) {
        buf = Buffer.allocUnsafe(slabBytes);
        used = 0;
      }
      region = buf.subarray(used, used + bytes);
      return region;
    },
    commit(bytes) {
      if (region.buffer === buf.buffer && region.byteOffset === buf.byteOffset + used) used += (bytes + 7) & ~7;
    },
  };
}
