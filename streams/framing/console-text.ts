import { isUtf8 } from 'node:buffer';

// Boot ROMs and stray prints write text on the same wire as the frames. A segment that fails
// to decode is shown as console text when it reads as text, and counted as noise otherwise.

/** Printable ASCII, TAB/CR/LF/ESC, and well-formed UTF-8 beyond ASCII; nothing else. */
export function looksLikeText(seg: Buffer, start = 0, end = seg.length): boolean {
  if (end <= start) return false;
  let ascii = true;
  for (let i = start; i < end; i++) {
    const b = seg[i];
    if (b >= 0x20 && b < 0x7f) continue;
    if (b === 0x09 || b === 0x0a || b === 0x0d || b === 0x1b) continue;
    if (b < 0x80) return false;
    ascii = false;
  }
  return ascii || isUtf8(seg.subarray(start, end));
}

/** Non-empty lines, CR/LF stripped. */
export function consoleLines(seg: Buffer): string[] {
  return seg
    .toString('utf8')
    .split(/\r?\n|\r/)
    .filter((line) => line.length > 0);
}
