import { tap } from 'rxjs';
import type { ByteLine } from '../../streams/link/link-over-line.js';

const hr = () => process.hrtime.bigint();

/**
 * The time a framed probe spends in its own link code: from a write to the line write it
 * leads to (framing), and from a line chunk to the packet it completes (deframing). A raw
 * probe spends neither (its bytes go to and come from the line as they are), so this is the
 * part of a framed round trip that is the probe's and not the bridge's. Line writes and reads
 * (the syscalls) stay in the round trip, as do the probe's acks and timers outside these
 * windows: what is taken out can only be the probe's, never the bridge's.
 */
export function createOwnTime(line: ByteLine) {
  let own = 0n;
  let sendingSince: bigint | undefined;
  let chunkAt: bigint | undefined;
  return {
    /** The line as the probe's link should see it: chunks stamped first, writes noted. */
    line: {
      data$: line.data$.pipe(tap(() => (chunkAt = hr()))),
      write(bytes: Buffer): Promise<void> {
        if (sendingSince !== undefined) own += hr() - sendingSince;
        sendingSince = undefined;
        return line.write(bytes);
      },
    } satisfies ByteLine,
    /** The probe starts a write. */
    sending(): void {
      sendingSince ??= hr();
    },
    /** A packet came out of the probe's link. */
    delivered(): void {
      if (chunkAt !== undefined) own += hr() - chunkAt;
      chunkAt = undefined;
    },
    /** Microseconds spent in the windows since the last call; a window still open is dropped, never carried into the next round trip. */
    takeUs(): number {
      const us = Number(own) / 1000;
      own = 0n;
      sendingSince = chunkAt = undefined;
      return us;
    },
  };
}
