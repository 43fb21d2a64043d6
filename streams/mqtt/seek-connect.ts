import { Observable, type OperatorFunction } from 'rxjs';

// MQTT 3.1.1/5 "MQTT" and 3.1 "MQIsdp" protocol names, as they follow the CONNECT fixed header.
export const CONNECT_PROTOCOL_NAMES: readonly Buffer[] = [Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]), Buffer.from([0x00, 0x06, 0x4d, 0x51, 0x49, 0x73, 0x64, 0x70])];

/**
 * Where a plausible CONNECT (type byte 0x10, a length, a protocol name) starts in buf: `found`,
 * or `maybe` when one may start there but the bytes end too soon to tell.
 */
function findConnect(buf: Buffer): { found: number } | { maybe: number } | undefined {
  for (let i = buf.indexOf(0x10); i !== -1; i = buf.indexOf(0x10, i + 1)) {
    let at = i + 1;
    let lenBytes = 0;
    while (at < buf.length && lenBytes < 4 && buf[at] & 0x80) {
      at++;
      lenBytes++;
    }
    at++; // the last length byte
    if (lenBytes >= 4) continue;
    for (const name of CONNECT_PROTOCOL_NAMES) {
      if (at + name.length <= buf.length && buf.subarray(at, at + name.length).equals(name)) return { found: i };
    }
    if (at + 8 > buf.length) return { maybe: i };
  }
  return undefined;
}

/**
 * Raw mode: a plain MQTT stream has no frame boundaries to resynchronise on, so after a reset
 * (line opened, a malformed packet, the broker closing) bytes are skipped up to the next
 * CONNECT a client sends when it (re)connects. Boot text and half packets before it are
 * reported as skipped, never parsed as MQTT.
 */
export function seekConnect(onSkipped?: (bytes: number) => void): OperatorFunction<Buffer, Buffer> {
  return (source) =>
    new Observable<Buffer>((subscriber) => {
      let found = false;
      let held: Buffer | null = null;
      return source.subscribe({
        next(chunk) {
          if (found) return subscriber.next(chunk);
          const buf = held ? Buffer.concat([held, chunk]) : chunk;
          held = null;
          const hit = findConnect(buf);
          if (hit && 'found' in hit) {
            found = true;
            if (hit.found > 0) onSkipped?.(hit.found);
            return subscriber.next(hit.found === 0 ? buf : buf.subarray(hit.found));
          }
          // Keep what may be the start of a CONNECT split across reads. Nothing else: bytes with
          // no such start (a short PUBLISH before any CONNECT) are reported skipped at once.
          const keep = hit ? buf.subarray(hit.maybe) : buf.subarray(buf.length);
          held = Buffer.from(keep);
          if (buf.length > keep.length) onSkipped?.(buf.length - keep.length);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
