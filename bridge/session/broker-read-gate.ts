/**
 * Whether a broker socket is read. A congested board pauses it, as TCP would; but a PINGRESP
 * the board is owed sits in that socket behind everything the broker sent before it, and at
 * 115200 baud a megabyte ahead of it is 90 s, far past any keep-alive. So while a PINGREQ is
 * outstanding the bridge reads on, up to `maxReadAheadBytes` past the pause: the PUBLISHes
 * read wait in the link's bulk queue, and the PINGRESP, once read, overtakes them there.
 */
export interface BrokerReadGateOptions {
  maxReadAheadBytes: number;
  pause(): void;
  resume(): void;
  /** The read-ahead ran out before the PINGRESP came: the board's keep-alive may expire. */
  exhausted(bytes: number): void;
}

export function createBrokerReadGate(options: BrokerReadGateOptions) {
  let boardCongested = false;
  let pingOutstanding = false;
  let readAhead = 0;
  let reading = true;

  const apply = (): void => {
    const read = !boardCongested || (pingOutstanding && readAhead < options.maxReadAheadBytes);
    if (read === reading) return;
    reading = read;
    if (read) options.resume();
    else options.pause();
  };

  return {
    /** The board side is (no longer) congested. */
    congested(congested: boolean): void {
      boardCongested = congested;
      if (!congested) readAhead = 0;
      apply();
    },
    /** The board sent PINGREQ on this connection. */
    pingSent(): void {
      pingOutstanding = true;
      readAhead = 0;
      apply();
    },
    /** A packet read from the broker, of `type` ('pingresp', 'publish', ...) and `bytes` long. */
    fromBroker(type: string, bytes: number): void {
      if (type === 'pingresp') pingOutstanding = false;
      else if (pingOutstanding && boardCongested) {
        const before = readAhead;
        readAhead += bytes;
        // Once per PINGREQ: the rest of a socket read is split into packets after the pause.
        if (before < options.maxReadAheadBytes && readAhead >= options.maxReadAheadBytes) options.exhausted(readAhead);
      }
      apply();
    },
    get reading(): boolean {
      return reading;
    },
  };
}
