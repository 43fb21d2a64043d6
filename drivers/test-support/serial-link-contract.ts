import type { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SerialLink, SerialLinkState } from '../serial-link.js';
import { awkwardBytes, firstDifference, patternBytes, recordBytes, writeInChunks } from './bytes.js';

/** The far end of the line: the board, a board-side program, or the serial server's socket. */
export interface ContractPeer {
  write(bytes: Buffer): Promise<void>;
  data$: Observable<Buffer>;
  close(): Promise<void>;
}

export interface ContractPair {
  /** Not yet opened. */
  link: SerialLink;
  peer: ContractPeer;
  /** For peers that can only attach once the link is open (a pty's path, an accepted socket). */
  attachPeer?(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * One suite every driver must pass, after MQTT.js's abstract store tests: the drivers differ
 * in what they attach to, never in what a caller may rely on.
 */
export function describeSerialLinkContract(name: string, makePair: () => Promise<ContractPair>): void {
  describe(`${name} honours the SerialLink contract`, () => {
    let pair: ContractPair | undefined;

    afterEach(async () => {
      await pair?.cleanup();
      pair = undefined;
    });

    async function openPair(): Promise<ContractPair> {
      pair = await makePair();
      await pair.link.open();
      await pair.attachPeer?.();
      return pair;
    }

    it('goes closed → opening → opened', async () => {
      pair = await makePair();
      const states: SerialLinkState['type'][] = [];
      const subscription = pair.link.state$.subscribe((s) => states.push(s.type));
      await pair.link.open();
      subscription.unsubscribe();
      expect(states).toEqual(['closed', 'opening', 'opened']);
    });

    it('rejects a write before open, naming the link', async () => {
      pair = await makePair();
      await expect(pair.link.write(Buffer.from([1]))).rejects.toThrow(/not open/);
      await expect(pair.link.write(Buffer.from([1]))).rejects.toThrow(pair.link.description);
    });

    it('carries every byte value both ways unchanged: no CR/LF mapping, echo, XON/XOFF or signals', async () => {
      const { link, peer } = await openPair();
      const atLink = recordBytes(link.data$);
      const atPeer = recordBytes(peer.data$);
      const there = awkwardBytes();
      const back = Buffer.from(there).reverse();
      const [endThere, endBack] = [Buffer.from('there-end'), Buffer.from('back-end')];
      // Each step waits for the previous one to land, so an echo of the bytes just received
      // would reach the other side ahead of the next payload and spoil the comparison.
      await link.write(there);
      await atPeer.waitFor(there.length);
      await peer.write(back);
      await atLink.waitFor(back.length);
      await link.write(endThere);
      await atPeer.waitFor(there.length + endThere.length);
      await peer.write(endBack);
      await atLink.waitFor(back.length + endBack.length);
      expect(atPeer.bytes().toString('hex')).toBe(Buffer.concat([there, endThere]).toString('hex'));
      expect(atLink.bytes().toString('hex')).toBe(Buffer.concat([back, endBack]).toString('hex'));
    });

    it('moves 1 MiB each way at once, complete and in order, one awaited write at a time', async () => {
      const { link, peer } = await openPair();
      const size = 1 << 20;
      const outbound = patternBytes(size, 0x1234);
      const inbound = patternBytes(size, 0xbeef);
      const atLink = recordBytes(link.data$);
      const atPeer = recordBytes(peer.data$);
      await Promise.all([writeInChunks(link, outbound, 16 * 1024), writeInChunks(peer, inbound, 16 * 1024)]);
      const [gotAtPeer, gotAtLink] = await Promise.all([atPeer.waitFor(size, 30_000), atLink.waitFor(size, 30_000)]);
      expect(gotAtPeer.length).toBe(size);
      expect(gotAtLink.length).toBe(size);
      expect(firstDifference(gotAtPeer, outbound)).toBe(-1);
      expect(firstDifference(gotAtLink, inbound)).toBe(-1);
    });

    it('closes idempotently, ends closed, rejects later writes, and never ends its observables', async () => {
      const { link } = await openPair();
      const states: SerialLinkState['type'][] = [];
      let stateEnded = false;
      const stateSubscription = link.state$.subscribe({
        next: (s) => states.push(s.type),
        error: () => (stateEnded = true),
        complete: () => (stateEnded = true),
      });
      const data = recordBytes(link.data$);
      await Promise.all([link.close(), link.close()]);
      await link.close();
      expect(states).toEqual(['opened', 'closed']);
      await expect(link.write(Buffer.from([1]))).rejects.toThrow(/not open/);
      expect(data.ended).toBe(false);
      expect(stateEnded).toBe(false);
      stateSubscription.unsubscribe();
      data.stop();
    });
  });
}
