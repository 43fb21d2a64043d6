// Room for frames that arrive split across reads and must be joined before decoding: carved
// out of large shared buffers instead of one fresh allocation per frame (fresh memory costs
// page faults, which dominate at high frame rates). A view keeps its slab alive, as Node's own
// Buffer pool does.

const DEFAULT_SLAB_BYTES = 256 * 1024;

export interface Slab {
  /** Scratch room of exactly `bytes`, valid until the next take() unless committed. */
  take(bytes: number): Buffer;
  /**
   * Keeps the last take(), or only its first `bytes`, so later takes do not reuse it (views
   * into it stay valid).
   */
  commit(bytes?: number): void;
}

export function createSlab(slabBytes = DEFAULT_SLAB_BYTES): Slab {
  let slab = Buffer.allocUnsafe(slabBytes);
  let used = 0;
  let taken = 0;
  return {
    take(bytes) {
      if (bytes > slabBytes / 4) {
        taken = 0;
        return Buffer.allocUnsafe(bytes); // large frames get their own buffer
      }
      if (used + bytes > slab.length) {
        slab = Buffer.allocUnsafe(slabBytes);
        used = 0;
      }
      taken = (bytes + 7) & ~7;
      // Buffer.from(arrayBuffer, ...) is markedly cheaper than subarray() on this hot path.
      return Buffer.from(slab.buffer, slab.byteOffset + used, bytes);
    },
    commit(bytes) {
      used += bytes === undefined ? taken : Math.min(taken, (bytes + 7) & ~7);
      taken = 0;
    },
  };
}
