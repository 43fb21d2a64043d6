// Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): removes every 0x00 from the
// data so that 0x00 can delimit frames. Blocks are copied whole, never byte by byte, because
// the decoder sits on the hot path of every received frame.

const SHORT_BLOCK = 16; // below this a byte loop beats a native copy call

/** Upper bound of the encoded length of `n` bytes (delimiters not included). */
export function cobsMaxEncodedLength(n: number): number {
  return n + 1 + Math.floor(n / 254);
}

/**
 * Encodes src[start, end) into dst at dstOffset. Returns the offset just past the encoded
 * bytes. dst needs cobsMaxEncodedLength(end - start) bytes of room from dstOffset.
 */
export function cobsEncode(src: Buffer, start: number, end: number, dst: Buffer, dstOffset: number): number {
  let codeAt = dstOffset;
  let out = dstOffset + 1;
  let i = start;
  while (i < end) {
    let zero = src.indexOf(0, i);
    if (zero === -1 || zero > end) zero = end;
    // A run of non-zero bytes [i, zero) is cut into blocks of at most 254.
    while (zero - i >= 254) {
      src.copy(dst, out, i, i + 254);
      dst[codeAt] = 0xff;
      out += 254;
      i += 254;
      codeAt = out;
      // A full block at the very end needs no further code byte.
      if (i === end) return out;
      out++;
    }
    const n = zero - i;
    if (n < SHORT_BLOCK) for (let k = 0; k < n; k++) dst[out + k] = src[i + k];
    else src.copy(dst, out, i, zero);
    out += n;
    dst[codeAt] = n + 1;
    if (zero === end) return out;
    i = zero + 1; // the zero itself is implied by the code byte
    codeAt = out;
    out++;
  }
  dst[codeAt] = 1; // data ended with a zero (or was empty): one empty block
  return out;
}

/**
 * Decodes src[start, end) into dst at dstOffset; the range must hold no 0x00 (the deframer
 * splits on it). Returns the decoded length, or -1 when a code byte reaches past the end,
 * which is what a truncated frame looks like. dst may be src with dstOffset <= start.
 */
export function cobsDecode(src: Buffer, start: number, end: number, dst: Buffer, dstOffset: number): number {
  let i = start;
  let out = dstOffset;
  while (i < end) {
    const code = src[i];
    const blockEnd = i + code;
    if (blockEnd > end) return -1;
    i++;
    const n = code - 1;
    if (n < SHORT_BLOCK) {
      for (let k = 0; k < n; k++) dst[out + k] = src[i + k];
    } else {
      src.copy(dst, out, i, blockEnd);
    }
    out += n;
    i = blockEnd;
    if (code !== 0xff && i < end) dst[out++] = 0;
  }
  return out - dstOffset;
}
