import type { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SerialLink, SerialLinkState } from '../serial-link.js';
import { awkwardBytes, firstDifference, patternBytes, recordBytes, writeInChunks } from './bytes.js';
import { loopTurns, waitForStall } from './stall.js';

/** The far end of the line: the board, a board-side program, or the serial server's socket. */
export interface ContractPeer {
  write(bytes: Buffer): Promise<void>;
  data$: Observable<Buffer>;
  /** Stops reading, so that the link's writes meet a full line. */
  pauseReading(): void;
  resumeReading(): void;
  close(): Promise<void>;
}

export interface ContractPair {
  /** Not yet opened (describeSerialLinkContract) or already opened (describeOpenedLinkContract). */
  link: SerialLink;
  peer: ContractPeer;
  /** For peers that can only attach once the link is open (a pty's path, an accepted socket). */
  attachPeer?(): Promise<void>;
  /**
   * Bytes sure to fill every buffer between the two ends, so that a writer facing a reader
   * that has stopped must stall: 1 MiB unless the transport holds more (TCP on loopback holds
   * several MiB in socket buffers).
   */
  stallBytes?: number;
  cleanup(): Promise<void>;
}

const MiB = 1 << 20;

/**
 * One suite every driver must pass, after MQTT.js's abstract store tests: the drivers differ
 * in what they attach to, never in what a caller may rely on.
 */
export function describeSerialLinkContract(name: string, makePair: () => Promise<ContractPair>): void {
  describe(`${name} honours the SerialLink contract`, () => {
    const current = trackPairs();

    it('goes closed → opening → opened', async () => {
      const pair = await current.make(makePair);
      const states: SerialLinkState['type'][] = [];
      const subscription = pair.link.state$.subscribe((s) => states.push(s.type));
      await pair.link.open();
      subscription.unsubscribe();
      expect(states).toEqual(['closed', 'opening', 'opened']);
    });

    it('rejects a write before open, naming the link', async () => {
      const pair = await current.make(makePair);
      await expect(pair.link.write(Buffer.from([1]))).rejects.toThrow(/not open/);
      await expect(pair.link.write(Buffer.from([1]))).rejects.toThrow(pair.link.description);
    });

    it('keeps a pause made before open (twice: idempotent): the peer\'s big write stalls until resume', async () => {
      const pair = await current.make(makePair);
      pair.link.pauseReading();
      pair.link.pauseReading();
      await pair.link.open();
      await pair.attachPeer?.();
      await expectHeldBackUntilResumed(pair);
    });

    defineOpenedLinkTests(async () => {
      const pair = await current.make(makePair);
      await pair.link.open();
      await pair.attachPeer?.();
      return pair;
    });
  });
}

/** The same promises for links that arrive already open, such as accepted connections. */
export function describeOpenedLinkContract(name: string, makeOpenedPair: () => Promise<ContractPair>): void {
  describe(`${name} honours the SerialLink contract for opened links`, () => {
    const current = trackPairs();

    it('is opened from the start', async () => {
      const pair = await current.make(makeOpenedPair);
      const states: SerialLinkState['type'][] = [];
      pair.link.state$.subscribe((s) => states.push(s.type)).unsubscribe();
      expect(states).toEqual(['opened']);
    });

    defineOpenedLinkTests(async () => {
      const pair = await current.make(makeOpenedPair);
      await pair.attachPeer?.();
      return pair;
    });
  });
}

function trackPairs(): { make(factory: () => Promise<ContractPair>): Promise<ContractPair> } {
  let pair: ContractPair | undefined;
  afterEach(async () => {
    await pair?.cleanup();
    pair = undefined;
  });
  return {
    make: async (factory) => (pair = await factory()),
  };
}

function defineOpenedLinkTests(openPair: () => Promise<ContractPair>): void {
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
    const size = MiB;
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

  it('while paused delivers nothing and holds back a big write from the peer; after resume delivers it all in order', async () => {
    const pair = await openPair();
    pair.link.pauseReading();
    await expectHeldBackUntilResumed(pair);
  });

  it('keeps the event loop running while the peer does not read and writes are pending, then completes them', async () => {
    const pair = await openPair();
    const { link, peer } = pair;
    const size = Math.max(MiB, pair.stallBytes ?? 0);
    const outbound = patternBytes(size, 0xfeed);
    peer.pauseReading();
    const atPeer = recordBytes(peer.data$);
    let accepted = 0;
    let settled = false;
    const writing = writeInChunks(link, outbound, 16 * 1024, (n) => (accepted += n)).finally(() => (settled = true));
    expect(await waitForStall(() => accepted, writing)).toBe('stalled');
    const stalledAt = accepted;
    // A write that blocked the loop (libuv's blocking tty writes) would hang right here.
    expect(await loopTurns(50)).toBe(50);
    expect(settled).toBe(false);
    expect(accepted).toBe(stalledAt);
    peer.resumeReading();
    await writing;
    const got = await atPeer.waitFor(size, 30_000);
    expect(firstDifference(got, outbound)).toBe(-1);
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
}

/** The link is paused: nothing may arrive, the peer's writes must stall, and resume must end both. */
async function expectHeldBackUntilResumed({ link, peer, stallBytes }: ContractPair): Promise<void> {
  const size = Math.max(MiB, stallBytes ?? 0);
  const inbound = patternBytes(size, 0x5eed);
  const atLink = recordBytes(link.data$);
  let accepted = 0;
  const writing = writeInChunks(peer, inbound, 16 * 1024, (n) => (accepted += n));
  expect(await waitForStall(() => accepted, writing)).toBe('stalled');
  expect(accepted).toBeLessThan(size);
  expect(atLink.length).toBe(0);
  link.resumeReading();
  link.resumeReading();
  await writing;
  const got = await atLink.waitFor(size, 30_000);
  expect(got.length).toBe(size);
  expect(firstDifference(got, inbound)).toBe(-1);
  atLink.stop();
}
